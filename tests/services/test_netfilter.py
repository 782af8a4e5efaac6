import socket
import struct

from harness.services.netfilter import original_dst, parse_sockaddr


def test_an_ipv4_sockaddr_gives_address_and_port() -> None:
    raw = struct.pack("=H", socket.AF_INET) + (443).to_bytes(2, "big") + bytes([203, 0, 113, 10]) + b"\0" * 8
    assert parse_sockaddr(raw) == ("203.0.113.10", 443)


def test_an_ipv6_sockaddr_gives_address_and_port() -> None:
    address = socket.inet_pton(socket.AF_INET6, "2001:db8::7")
    raw = struct.pack("=H", socket.AF_INET6) + (8443).to_bytes(2, "big") + b"\0" * 4 + address + b"\0" * 4
    assert parse_sockaddr(raw) == ("2001:db8::7", 8443)


def test_without_a_redirect_the_socket_s_own_address_is_the_destination() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)), server.accept()[0] as accepted:
            assert original_dst(accepted) == ("127.0.0.1", port)
