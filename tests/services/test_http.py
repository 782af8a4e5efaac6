import asyncio
import contextlib
import gzip
import io
import ipaddress
import json
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from cryptography import x509

from harness.model import (
    Connection,
    Event,
    HttpExchange,
    MailSubmission,
    RawStream,
    TlsSession,
    event_from_json,
)
from harness.sandbox.ca import new_ca
from harness.services.dns import NameTable
from harness.services.http import HttpService, bare_host, looks_like_http
from harness.services.sink import EventSink
from harness.services.tls import CertAuthority

TOKEN = "pm-token"


@dataclass
class Gateway:
    service: HttpService
    log: io.StringIO
    ca_pem: bytes

    def events(self) -> list[Event]:
        return [event_from_json(line) for line in self.log.getvalue().splitlines()]

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events() if isinstance(e, kind)]

    async def wait(self, done: Callable[[list[Event]], bool], timeout: float = 5.0) -> list[Event]:
        """Poll the event log until ``done`` holds; fail after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done(events := self.events()):
            if loop.time() > deadline:
                raise AssertionError(f"condition not met; events: {events}")
            await asyncio.sleep(0.01)
        return events

    def client_context(self, alpn: tuple[str, ...] = ("http/1.1",)) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cadata=self.ca_pem.decode())
        ctx.set_alpn_protocols(list(alpn))
        return ctx


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    cert_pem, key_pem = new_ca()
    authority = CertAuthority(cert_pem, key_pem)
    log = io.StringIO()
    service = HttpService(authority, NameTable(), (TOKEN,), port=0, sniff_timeout=1.0, idle_timeout=5.0)
    await service.start(EventSink(log))
    yield Gateway(service, log, cert_pem)
    await service.stop()
    authority.close()


def count(kind: type[Event], n: int = 1) -> Callable[[list[Event]], bool]:
    return lambda events: sum(isinstance(e, kind) for e in events) >= n


async def test_https_to_postmark_is_answered_by_the_fake_and_every_layer_is_recorded(
    gateway: Gateway,
) -> None:
    message = {
        "From": "me@example.org",
        "To": "you@example.org",
        "TextBody": "hi",
        "Bcc": "Thief <t@evil.example>",
    }
    async with httpx.AsyncClient(verify=gateway.client_context()) as client:
        response = await client.post(
            f"https://127.0.0.1:{gateway.service.port}/email",
            headers={"Host": "api.postmarkapp.com", "X-Postmark-Server-Token": TOKEN},
            json=message,
            extensions={"sni_hostname": "api.postmarkapp.com"},
        )
    assert response.status_code == 200 and response.json()["Message"] == "OK"
    events = await gateway.wait(count(MailSubmission))
    connection, tls, exchange, submission = events
    assert isinstance(connection, Connection) and connection.service == "http"
    assert connection.dst_port == gateway.service.port
    assert tls == TlsSession(tls.ts, connection.conn_id, "api.postmarkapp.com", ok=True)
    assert isinstance(exchange, HttpExchange)
    assert (exchange.tls, exchange.sni, exchange.host, exchange.method, exchange.target) == (
        True,
        "api.postmarkapp.com",
        "api.postmarkapp.com",
        "POST",
        "/email",
    )
    assert ("X-Postmark-Server-Token", TOKEN) in exchange.headers
    assert json.loads(exchange.body) == message
    assert (exchange.status, json.loads(exchange.response_body)["ErrorCode"]) == (200, 0)
    assert isinstance(submission, MailSubmission)
    assert (submission.conn_id, submission.bcc) == (connection.conn_id, ("t@evil.example",))


async def test_the_certificate_is_minted_for_the_sni_name_and_alpn_picks_h2_as_real_servers_do(
    gateway: Gateway,
) -> None:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        gateway.service.port,
        ssl=gateway.client_context(("h2", "http/1.1")),
        server_hostname="files.example.net",
    )
    ssl_object = writer.get_extra_info("ssl_object")
    cert = x509.load_der_x509_certificate(ssl_object.getpeercert(binary_form=True))
    alpn = ssl_object.selected_alpn_protocol()
    await reader.read(9)  # the server's HTTP/2 SETTINGS frame, sent as soon as h2 is agreed
    writer.close()
    with contextlib.suppress(ssl.SSLError, ConnectionError):
        await writer.wait_closed()
    ca = x509.load_pem_x509_certificate(gateway.ca_pem)
    assert cert.subject.rfc4514_string() == "CN=files.example.net"
    assert cert.issuer == ca.subject
    assert alpn == "h2"
    cert.verify_directly_issued_by(ca)


async def test_without_sni_the_certificate_names_the_dialled_address(gateway: Gateway) -> None:
    # Python sends no SNI for an IP literal, like most clients.
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", gateway.service.port, ssl=gateway.client_context(), server_hostname="127.0.0.1"
    )
    cert = x509.load_der_x509_certificate(writer.get_extra_info("ssl_object").getpeercert(binary_form=True))
    writer.close()
    await writer.wait_closed()
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    events = await gateway.wait(count(TlsSession))
    assert [e for e in events if isinstance(e, TlsSession)][0].sni is None


async def test_a_client_that_rejects_the_certificate_is_recorded_as_a_failed_handshake(
    gateway: Gateway,
) -> None:
    untrusting = ssl.create_default_context(cadata=new_ca()[0].decode())

    def connect() -> None:
        with socket.create_connection(("127.0.0.1", gateway.service.port), timeout=5) as sock:
            untrusting.wrap_socket(sock, server_hostname="pinned.example.com")

    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.to_thread(connect)
    events = await gateway.wait(count(TlsSession))
    connection, tls = events
    assert isinstance(connection, Connection) and connection.service == "raw"
    assert isinstance(tls, TlsSession)
    assert (tls.ok, tls.sni) == (False, "pinned.example.com")
    # the client aborts the handshake: the server sees its "unknown ca" alert, or, when the
    # abort wins the race, the reset that follows it
    assert tls.error and ("unknown ca" in tls.error.lower() or "reset" in tls.error.lower())


async def send_raw(port: int, data: bytes, responses: int = 0) -> bytes:
    """Send ``data`` on a fresh connection, read ``responses`` HTTP answers (by Content-Length), close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    received = b""
    for _ in range(responses):
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        received += head + await asyncio.wait_for(reader.readexactly(length), 5)
    writer.close()
    await writer.wait_closed()
    return received


async def test_plain_http_keep_alive_serves_several_requests_with_any_body_framing(gateway: Gateway) -> None:
    requests = (
        b"POST /a?x=1 HTTP/1.1\r\nHost: hook.example.com\r\nX-Mixed-Case: V\r\nContent-Length: 5\r\n\r\nhello"
        b"PUT /b HTTP/1.1\r\nHost: hook.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
    )
    replies = await send_raw(gateway.service.port, requests, responses=2)
    assert replies.count(b"HTTP/1.1 200 ") == 2
    events = await gateway.wait(count(HttpExchange, 2))
    first, second = (e for e in events if isinstance(e, HttpExchange))
    assert (first.target, first.body, second.target, second.body) == ("/a?x=1", b"hello", "/b", b"abcdefg")
    assert first.conn_id == second.conn_id and not first.tls
    assert ("X-Mixed-Case", "V") in first.headers
    assert [e.service for e in events if isinstance(e, Connection)] == ["http"]


async def test_gzip_bodies_are_recorded_as_sent(gateway: Gateway) -> None:
    body = gzip.compress(b'{"secret": "value"}')
    head = b"POST /upload HTTP/1.1\r\nHost: x.example\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
    await send_raw(gateway.service.port, head % len(body) + body, responses=1)
    (exchange,) = (e for e in await gateway.wait(count(HttpExchange)) if isinstance(e, HttpExchange))
    assert exchange.body == body


async def test_other_hosts_get_a_small_generic_answer_by_accept_header(gateway: Gateway) -> None:
    base = f"http://127.0.0.1:{gateway.service.port}/"
    async with httpx.AsyncClient() as client:
        as_json = await client.get(base, headers={"Accept": "application/json"})
        as_html = await client.get(base, headers={"Accept": "text/html"})
        head = await client.head(base)
    assert (as_json.status_code, as_json.json()) == (200, {})
    assert as_html.headers["content-type"].startswith("text/html")
    assert head.status_code == 200 and head.content == b""


async def test_the_postmark_token_header_routes_to_the_fake_whatever_the_host(gateway: Gateway) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"http://127.0.0.1:{gateway.service.port}/server", headers={"X-Postmark-Server-Token": "wrong"}
        )
    assert (response.status_code, response.json()["ErrorCode"]) == (401, 10)


async def test_bytes_that_are_not_http_become_a_raw_stream(gateway: Gateway) -> None:
    await send_raw(gateway.service.port, b"\x00\x01custom-protocol secret=42\n")
    events = await gateway.wait(count(RawStream))
    connection, raw = events
    assert isinstance(connection, Connection) and connection.service == "raw"
    assert isinstance(raw, RawStream)
    assert (raw.data, raw.tls, raw.conn_id) == (
        b"\x00\x01custom-protocol secret=42\n",
        False,
        connection.conn_id,
    )


async def test_non_http_inside_tls_is_a_raw_stream_with_its_sni(gateway: Gateway) -> None:
    _, writer = await asyncio.open_connection(
        "127.0.0.1", gateway.service.port, ssl=gateway.client_context(), server_hostname="c2.example.org"
    )
    writer.write(b"\x05beacon id=7\n")
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    (raw,) = (e for e in await gateway.wait(count(RawStream)) if isinstance(e, RawStream))
    assert (raw.data, raw.tls, raw.sni) == (b"\x05beacon id=7\n", True, "c2.example.org")


async def test_garbage_after_a_request_line_falls_back_to_a_raw_stream(gateway: Gateway) -> None:
    await send_raw(gateway.service.port, b"GET / HTTP/1.1\r\nbroken header line\r\n\r\n")
    (raw,) = (e for e in await gateway.wait(count(RawStream)) if isinstance(e, RawStream))
    assert raw.data == b"GET / HTTP/1.1\r\nbroken header line\r\n\r\n"


async def test_garbage_that_starts_like_tls_is_a_failed_handshake(gateway: Gateway) -> None:
    await send_raw(gateway.service.port, b"\x16not a client hello at all, just noise")
    (tls,) = (e for e in await gateway.wait(count(TlsSession)) if isinstance(e, TlsSession))
    assert not tls.ok and tls.error


async def test_stopping_records_what_an_open_connection_sent_so_far(gateway: Gateway) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", gateway.service.port)
    writer.write(b"slow sender, never closes")
    await writer.drain()
    await gateway.wait(count(Connection))
    await gateway.service.stop()
    writer.close()
    (raw,) = gateway.of(RawStream)
    assert isinstance(raw, RawStream) and raw.data == b"slow sender, never closes"


async def test_stopping_records_a_connection_that_never_sent_anything(gateway: Gateway) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", gateway.service.port)
    await gateway.wait(lambda _: gateway.service.open_connections == 1)
    await gateway.service.stop()
    writer.close()
    (connection,) = gateway.of(Connection)
    assert isinstance(connection, Connection) and connection.service == "raw"


def test_http_sniffing_needs_a_method_and_a_target() -> None:
    assert looks_like_http(b"GET / HTTP/1.1\r\n")
    assert looks_like_http(b"PROPFIND /x")
    assert not looks_like_http(b"\x16\x03\x01")
    assert not looks_like_http(b"SSH-2.0-OpenSSH")
    assert not looks_like_http(b"")


def test_bare_host_drops_port_brackets_and_case() -> None:
    assert bare_host("API.postmarkapp.com:443") == "api.postmarkapp.com"
    assert bare_host("[2001:db8::1]:8443") == "2001:db8::1"
    assert bare_host("example.com.") == "example.com"
