"""Recover where a redirected connection was really going.

The gateway's iptables ``REDIRECT`` rules rewrite every outbound destination
to a local listener; conntrack still knows the original one, and
``SO_ORIGINAL_DST`` asks it. Outside the gateway (unit tests on plain
loopback) there is no conntrack entry, so the listener's own address is the
honest answer.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from typing import Protocol

SO_ORIGINAL_DST = 80
"""``SO_ORIGINAL_DST`` (IPv4) and ``IP6T_SO_ORIGINAL_DST`` (IPv6) share this option number."""
_SOL_IP = 0
_SOL_IPV6 = 41
_SOCKADDR_IN = 16
_SOCKADDR_IN6 = 28


class SocketLike(Protocol):
    """What we need of a socket; asyncio's ``TransportSocket`` qualifies."""

    @property
    def family(self) -> int: ...

    def getsockopt(self, level: int, optname: int, buflen: int) -> bytes: ...

    def getsockname(self) -> tuple[str, int] | tuple[str, int, int, int]: ...


def parse_sockaddr(raw: bytes) -> tuple[str, int]:
    """Address and port of a raw ``sockaddr_in`` or ``sockaddr_in6``."""
    (family,) = struct.unpack_from("=H", raw, 0)
    port = int.from_bytes(raw[2:4], "big")
    if family == socket.AF_INET6:
        return str(ipaddress.IPv6Address(raw[8:24])), port
    return str(ipaddress.IPv4Address(raw[4:8])), port


def original_dst(sock: SocketLike) -> tuple[str, int]:
    """The destination the client asked for, or the socket's own address when nothing was redirected."""
    is_v6 = sock.family == socket.AF_INET6
    level, size = (_SOL_IPV6, _SOCKADDR_IN6) if is_v6 else (_SOL_IP, _SOCKADDR_IN)
    try:
        return parse_sockaddr(sock.getsockopt(level, SO_ORIGINAL_DST, size))
    except (OSError, ValueError, struct.error):
        name = sock.getsockname()
        return str(name[0]), int(name[1])
