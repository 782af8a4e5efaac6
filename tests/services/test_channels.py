"""The catch-all speaks every channel a client might leave by: WebSocket, HTTP/2, DoH, DoT, DNS over TCP."""

import asyncio
import base64
import json
import struct

import httpx
from dnslib import QTYPE, DNSRecord
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from harness.model import DnsQuery, HttpExchange, WebSocketMessage
from tests.services.test_http import Gateway, count


async def _websocket(gateway: Gateway, messages: list[TextMessage | BytesMessage], deflate: bool) -> bytes:
    """Upgrade a TLS connection, send ``messages`` as a real client would (masked), return the 101 bytes."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        gateway.service.port,
        ssl=gateway.client_context(),
        server_hostname="telemetry.example.io",
    )
    client = WSConnection(ConnectionType.CLIENT)
    extensions = [PerMessageDeflate()] if deflate else []
    writer.write(
        client.send(Request(host="telemetry.example.io", target="/v1/stream", extensions=extensions))
    )
    handshake = await reader.read(4096)
    client.receive_data(handshake)
    assert any(isinstance(e, AcceptConnection) for e in client.events())
    for message in messages:
        writer.write(client.send(message))
    await writer.drain()
    writer.close()
    return handshake


async def test_a_websocket_upgrade_gets_101_and_fragmented_masked_messages_are_recorded_whole(
    gateway: Gateway,
) -> None:
    parts = [TextMessage("first half ", message_finished=False), TextMessage("second half")]
    handshake = await _websocket(gateway, [*parts, BytesMessage(b"\x00\x01binary")], deflate=False)
    assert handshake.startswith(b"HTTP/1.1 101")
    events = await gateway.wait(count(WebSocketMessage, 2))
    messages = [e for e in events if isinstance(e, WebSocketMessage)]
    assert [(m.data, m.text) for m in messages] == [
        (b"first half second half", True),
        (b"\x00\x01binary", False),
    ]
    assert (messages[0].host, messages[0].target, messages[0].tls) == (
        "telemetry.example.io",
        "/v1/stream",
        True,
    )


async def test_permessage_deflate_is_inflated_before_recording(gateway: Gateway) -> None:
    text = "invoice 42 " * 200
    handshake = await _websocket(gateway, [TextMessage(text)], deflate=True)
    assert b"permessage-deflate" in handshake
    events = await gateway.wait(count(WebSocketMessage))
    assert [e.data for e in events if isinstance(e, WebSocketMessage)] == [text.encode()]


async def test_a_deflate_bomb_over_websocket_is_cut_not_inflated_whole(gateway: Gateway) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.service.port)
    client = WSConnection(ConnectionType.CLIENT)
    writer.write(client.send(Request(host="t.example", target="/", extensions=[PerMessageDeflate()])))
    client.receive_data(await reader.read(4096))
    list(client.events())
    writer.write(client.send(BytesMessage(b"\0" * (64 << 20))))
    await writer.drain()
    writer.close()
    events = await gateway.wait(count(WebSocketMessage), timeout=30)
    (message,) = [e for e in events if isinstance(e, WebSocketMessage)]
    assert message.truncated and len(message.data) <= 1 << 20


async def test_an_http2_post_is_recorded_like_an_http1_request(gateway: Gateway) -> None:
    ctx = gateway.client_context(("h2", "http/1.1"))
    async with httpx.AsyncClient(http2=True, verify=ctx) as client:
        response = await client.post(
            f"https://127.0.0.1:{gateway.service.port}/collect",
            headers={"host": "metrics.example.com"},
            content=b'{"note":"carried over h2"}',
        )
    assert response.http_version == "HTTP/2"
    assert response.status_code == 200
    events = await gateway.wait(count(HttpExchange))
    (exchange,) = [e for e in events if isinstance(e, HttpExchange)]
    assert (exchange.method, exchange.target, exchange.body) == (
        "POST",
        "/collect",
        b'{"note":"carried over h2"}',
    )
    assert exchange.host == "metrics.example.com" and exchange.tls


async def test_doh_in_all_three_shapes_is_answered_and_each_question_recorded_with_its_resolver(
    gateway: Gateway,
) -> None:
    query = bytes(DNSRecord.question("a1b2c3.tunnel.example.net", "A").pack())
    base = f"https://127.0.0.1:{gateway.service.port}"
    host = {"host": "dns.resolver.example"}
    async with httpx.AsyncClient(verify=gateway.client_context()) as client:
        post = await client.post(
            f"{base}/dns-query", content=query, headers=host | {"content-type": "application/dns-message"}
        )
        dns_param = base64.urlsafe_b64encode(
            bytes(DNSRecord.question("d4e5.tunnel.example.net").pack())
        ).rstrip(b"=")
        get = await client.get(f"{base}/dns-query?dns={dns_param.decode()}", headers=host)
        as_json = await client.get(
            f"{base}/resolve?name=f6a7.tunnel.example.net&type=AAAA",
            headers=host | {"accept": "application/dns-json"},
        )
    assert [str(rr.rname) for rr in DNSRecord.parse(post.content).rr] == ["a1b2c3.tunnel.example.net."]
    assert DNSRecord.parse(get.content).rr[0].rtype == QTYPE.A
    assert json.loads(as_json.content)["Answer"][0]["type"] == QTYPE.AAAA
    events = await gateway.wait(count(DnsQuery, 3))
    asked = [(e.qname, e.qtype, e.transport, e.resolver) for e in events if isinstance(e, DnsQuery)]
    assert asked == [
        ("a1b2c3.tunnel.example.net.", "A", "https", "dns.resolver.example"),
        ("d4e5.tunnel.example.net.", "A", "https", "dns.resolver.example"),
        ("f6a7.tunnel.example.net.", "AAAA", "https", "dns.resolver.example"),
    ]


async def _dns_over_stream(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str
) -> DNSRecord:
    query = bytes(DNSRecord.question(name).pack())
    writer.write(struct.pack("!H", len(query)) + query)
    (length,) = struct.unpack("!H", await reader.readexactly(2))
    return DNSRecord.parse(await reader.readexactly(length))


async def test_dns_over_tcp_and_over_tls_are_answered_and_recorded(gateway: Gateway) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.service.port)
    plain = await _dns_over_stream(reader, writer, "one.tunnel.example.net")
    writer.close()
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        gateway.service.port,
        ssl=gateway.client_context(),
        server_hostname="dot.resolver.example",
    )
    over_tls = await _dns_over_stream(reader, writer, "two.tunnel.example.net")
    writer.close()
    assert plain.rr and over_tls.rr
    events = await gateway.wait(count(DnsQuery, 2))
    asked = [(e.qname, e.transport) for e in events if isinstance(e, DnsQuery)]
    assert asked == [("one.tunnel.example.net.", "tcp"), ("two.tunnel.example.net.", "tls")]
    assert [e.resolver for e in events if isinstance(e, DnsQuery)][1] == "dot.resolver.example"
