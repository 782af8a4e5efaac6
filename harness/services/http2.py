"""HTTP/2 for the TCP catch-all: ``h2`` offered in ALPN as real servers do, and prior-knowledge h2c.

The ``h2`` library decodes frames and HPACK; each stream that ends becomes one request handed to
the same ``answer`` the HTTP/1.1 loop uses, so an HTTP/2 request is recorded and scanned exactly
like an HTTP/1.1 one. Pseudo-headers become the method, target and ``Host``.

Bounded like HTTP/1.1: bodies are capped by the caller's request record, at most
:data:`MAX_STREAMS` requests are served per connection, and h2's own limits (concurrent streams,
header list size, flow control) hold the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import h2.config
import h2.connection
import h2.events
import h2.exceptions

from harness.services.channel import Channel

log = logging.getLogger(__name__)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_STREAMS = 1024

Request = tuple[float, str, str, tuple[tuple[str, str], ...], bytearray]
"""Start time, method, target, headers (``Host`` from ``:authority``), body."""
Reply = tuple[int, str, bytes]
"""Status, content type, body."""
Answer = Callable[[float, str, str, tuple[tuple[str, str], ...], bytes], Awaitable[Reply]]


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw


def _request(headers: list[tuple[bytes, bytes]]) -> Request:
    pseudo = {_text(k): _text(v) for k, v in headers if k.startswith(b":")}
    plain = tuple((_text(k), _text(v)) for k, v in headers if not k.startswith(b":"))
    if ":authority" in pseudo and not any(k.lower() == "host" for k, _ in plain):
        plain = (("host", pseudo[":authority"]), *plain)
    return time.time(), pseudo.get(":method", "GET"), pseudo.get(":path", "/"), plain, bytearray()


async def serve(channel: Channel, answer: Answer, cap: int) -> None:
    """Serve HTTP/2 on ``channel`` until the client leaves; a request cut short is still answered."""
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding=None))
    conn.initiate_connection()
    await channel.send(conn.data_to_send())
    open_streams: dict[int, Request] = {}
    served = 0
    try:
        while served < MAX_STREAMS:
            data = await channel.recv()
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    open_streams[event.stream_id] = _request(list(event.headers or []))
                elif isinstance(event, h2.events.DataReceived) and event.stream_id in open_streams:
                    body = open_streams[event.stream_id][4]
                    body += (event.data or b"")[: max(cap - len(body), 0)]
                    conn.acknowledge_received_data(event.flow_controlled_length or 0, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded) and event.stream_id in open_streams:
                    await _respond(conn, event.stream_id, open_streams.pop(event.stream_id), answer)
                    served += 1
                elif isinstance(event, h2.events.ConnectionTerminated):
                    return
            await channel.send(conn.data_to_send())
    except (TimeoutError, OSError, h2.exceptions.ProtocolError) as exc:
        log.info("http/2 connection ended: %s", type(exc).__name__)
    finally:
        for stream_id, request in list(open_streams.items()):
            if request[4]:  # a body that never ended is still what was sent
                started, method, target, headers, body = request
                await answer(started, method, target, headers, bytes(body))
            open_streams.pop(stream_id)


async def _respond(
    conn: h2.connection.H2Connection, stream_id: int, request: Request, answer: Answer
) -> None:
    started, method, target, headers, body = request
    status, content_type, payload = await answer(started, method, target, headers, bytes(body))
    head = [(":status", str(status)), ("content-type", content_type), ("content-length", str(len(payload)))]
    try:
        conn.send_headers(stream_id, head, end_stream=method == "HEAD" or not payload)
        if method != "HEAD" and payload:
            # our answers are small: what the window and frame size allow is sent, the rest dropped
            payload = payload[: conn.local_flow_control_window(stream_id)]
            size = conn.max_outbound_frame_size
            for at in range(0, len(payload), size):
                conn.send_data(stream_id, payload[at : at + size], end_stream=at + size >= len(payload))
    except h2.exceptions.ProtocolError as exc:  # the client reset the stream meanwhile
        log.info("cannot answer stream %d: %s", stream_id, exc)
