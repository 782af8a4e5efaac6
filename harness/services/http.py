"""The TCP catch-all: every redirected connection that is not SMTP lands here.

Each connection is sniffed before anything is answered: a TLS ClientHello is
terminated with a leaf minted for the SNI (or, without SNI, for the name the
fake DNS handed out for the destination and the address itself), then the
plaintext is sniffed again. An HTTP/1.x request is served with h11 (keep-alive,
any body framing), HTTP/2 (agreed by ALPN, or prior knowledge) with h2
(:mod:`harness.services.http2`), each request one :class:`~harness.model.HttpExchange`;
Postmark API requests get the Postmark fake's answer, DoH requests the fake
resolver's (:mod:`harness.services.dns_streams`), anything else a small generic
200. A WebSocket upgrade is handed to :mod:`harness.services.websocket`. A stream
that opens like a DNS query (DNS over TCP, or DoT inside TLS) is answered as DNS.
Bytes that are none of these become one :class:`~harness.model.RawStream`.

Every read is bounded (sniff and idle timeouts), every kept payload capped,
and a connection that fails or is cancelled still records what it received:
bytes not accounted for by a complete exchange are written as a RawStream.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import ssl
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate

import h11

from harness.model import (
    MAX_BODY_BYTES,
    Connection,
    DnsQuery,
    Event,
    HttpExchange,
    MailSubmission,
    RawStream,
    TlsSession,
    WebSocketMessage,
)
from harness.services import http2, postmark, websocket
from harness.services.channel import Channel, ConnectionSet, PlainChannel, TlsChannel
from harness.services.dns import NameTable, Question, answer
from harness.services.dns_streams import doh_reply, framed, looks_like_dns_stream, stream_messages
from harness.services.netfilter import original_dst
from harness.services.sink import EventSink, next_conn_id
from harness.services.tls import CertAuthority

log = logging.getLogger(__name__)

_HTTP_START = re.compile(rb"[A-Z][A-Z_-]{2,15} [\x21-\x7e]")
_SNIFF_BYTES = 16
_HTML = b"<!doctype html><html><head><title></title></head><body></body></html>"


def _text(raw: bytes) -> str:
    """Bytes as text that encodes back to the same bytes (``surrogateescape``)."""
    return raw.decode("utf-8", "surrogateescape")


def bare_host(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0].rstrip(".") if value.count(":") == 1 else value.rstrip(".")


def looks_like_http(head: bytes) -> bool:
    return _HTTP_START.match(head) is not None


async def sniff(channel: Channel, timeout: float) -> bytes:
    """The first bytes the client sends, waiting at most ``timeout`` for a line or a few bytes."""
    buf = b""
    deadline = asyncio.get_running_loop().time() + timeout
    while len(buf) < _SNIFF_BYTES and b"\n" not in buf:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            break
        try:
            data = await asyncio.wait_for(channel.recv(), remaining)
        except (TimeoutError, OSError):
            break
        if not data:
            break
        buf += data
    return buf


def generic_reply(headers: Sequence[tuple[str, str]]) -> tuple[str, bytes]:
    """Content type and body of the plausible 200 every non-fake destination gets."""
    accept = (postmark.header(headers, "accept") or "").lower()
    if "html" in accept and "json" not in accept:
        return "text/html; charset=utf-8", _HTML
    if accept.startswith("text/plain"):
        return "text/plain; charset=utf-8", b"OK"
    return "application/json; charset=utf-8", b"{}"


@dataclass
class _Conn:
    """What is known about one accepted connection."""

    conn_id: str
    accepted: float
    src_port: int
    dst_ip: str
    dst_port: int
    tls: bool = False
    sni: str | None = None
    announced: bool = False
    """Whether its Connection event is out (it waits for the sniff to name the service)."""

    def connection(self, service: str) -> Connection:
        self.announced = True
        return Connection(self.accepted, self.conn_id, self.src_port, self.dst_ip, self.dst_port, service)

    def raw(self, data: bytes, truncated: bool, ts: float | None = None) -> RawStream:
        ts = self.accepted if ts is None else ts
        return RawStream(ts, self.conn_id, self.dst_ip, self.dst_port, self.tls, self.sni, data, truncated)


@dataclass
class _Request:
    """A request being received: head, capped body, and the raw bytes behind it."""

    started: float
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def add(self, data: bytes) -> None:
        room = MAX_BODY_BYTES - len(self.body)
        self.body += data[:room]
        self.truncated |= len(data) > room


class HttpService:
    """Catch-all TCP listener; ``port`` 0 picks a free one (read it back after :meth:`start`)."""

    def __init__(
        self,
        authority: CertAuthority,
        names: NameTable,
        postmark_tokens: Collection[str] = (),
        host: str = "127.0.0.1",
        port: int = 15001,
        sniff_timeout: float = 3.0,
        idle_timeout: float = 20.0,
    ) -> None:
        self.authority = authority
        self.names = names
        self.postmark_tokens = frozenset(postmark_tokens)
        self.host = host
        self.port = port
        self.sniff_timeout = sniff_timeout
        self.idle_timeout = idle_timeout
        self._sink: EventSink | None = None
        self._server: asyncio.Server | None = None
        self._connections = ConnectionSet()

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        self._server = await asyncio.start_server(self._on_connection, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("tcp catch-all listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._connections.cancel_all()
            self._server = None

    def _emit(self, event: Event) -> None:
        if self._sink is not None:
            self._sink.emit(event)

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        channel: Channel = PlainChannel(reader, writer, self.idle_timeout)
        conn = None
        try:
            if not self._connections.admit():
                log.warning("too many open connections; refusing one")
                return
            dst_ip, dst_port = original_dst(writer.get_extra_info("socket"))
            src_port = int(writer.get_extra_info("peername")[1])
            conn = _Conn(next_conn_id(), time.time(), src_port, dst_ip, dst_port)
            channel = await self._serve(conn, channel)
        except asyncio.CancelledError:
            # stop() ended us (re-raising makes Python 3.11's stream callback log an error);
            # a connection still being sniffed is at least recorded as made.
            if conn is not None and not conn.announced:
                self._emit(conn.connection("raw"))
        except Exception:  # one hostile connection must never take the listener down
            log.exception("connection handler failed")
        finally:
            await channel.close()

    async def _serve(self, conn: _Conn, channel: Channel) -> Channel:
        """Sniff, maybe terminate TLS, then serve HTTP or record raw bytes; returns the channel to close."""
        head = await sniff(channel, self.sniff_timeout)
        tls_event = None
        if head[:1] == b"\x16":
            channel.unread(head)
            tls = TlsChannel(channel, self._default_context(conn))
            tls_event = await self._handshake(conn, tls)
            if not tls_event.ok:
                self._emit(conn.connection("raw"))
                self._emit(tls_event)
                return channel
            channel = tls
            head = await sniff(channel, self.sniff_timeout)
        service = _service(head, channel)
        self._emit(conn.connection(service))
        if tls_event is not None:
            self._emit(tls_event)
        channel.unread(head)
        if service == "h2":
            await http2.serve(channel, functools.partial(self._h2_reply, conn), MAX_BODY_BYTES)
        elif service == "http":
            await self._serve_http(conn, channel)
        elif service == "dns":
            await self._serve_dns(conn, channel)
        else:
            await self._record_raw(conn, channel)
        return channel

    def _default_context(self, conn: _Conn) -> ssl.SSLContext:
        """Without SNI the client can only check the address it dialled, or the name it resolved to it."""
        name = self.names.name_for(conn.dst_ip)
        return self.authority.context(*([name] if name else []), conn.dst_ip)

    async def _handshake(self, conn: _Conn, tls: TlsChannel) -> TlsSession:
        error = None
        try:
            await asyncio.wait_for(tls.handshake(), self.idle_timeout)
        except (ssl.SSLError, OSError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        conn.tls, conn.sni = error is None, self.authority.requested_name(tls.tls)
        return TlsSession(time.time(), conn.conn_id, conn.sni, ok=error is None, error=error)

    async def _record_raw(self, conn: _Conn, channel: Channel) -> None:
        """Keep what the client sends until it stops, goes idle or hits the cap; then one RawStream."""
        kept = bytearray()
        truncated = False
        try:
            while not truncated:
                chunk = await channel.recv()
                if not chunk:
                    break
                room = MAX_BODY_BYTES - len(kept)
                kept += chunk[:room]
                truncated = len(chunk) > room
        except (TimeoutError, OSError):
            pass
        finally:
            self._emit(conn.raw(bytes(kept), truncated))

    async def _serve_http(self, conn: _Conn, channel: Channel) -> None:
        """h11 request loop; unparsable or unfinished input falls back to a RawStream of its bytes."""
        h = h11.Connection(h11.SERVER)
        pending = bytearray()  # bytes since the last complete exchange
        request: _Request | None = None
        try:
            while True:
                try:
                    event = h.next_event()
                except h11.RemoteProtocolError:
                    break
                if event is h11.NEED_DATA:
                    if h.they_are_waiting_for_100_continue:
                        await channel.send(h.send(h11.InformationalResponse(status_code=100, headers=[])))
                    data = await channel.recv()
                    pending += data[: MAX_BODY_BYTES - len(pending)]
                    h.receive_data(data)
                elif isinstance(event, h11.Request):
                    request = _Request(time.time(), _text(event.method), _text(event.target), _headers(event))
                    if websocket.is_upgrade(request.headers):
                        await websocket.serve(
                            channel, bytes(pending), functools.partial(self._ws, conn, request)
                        )
                        pending = bytearray()
                        break
                elif isinstance(event, h11.Data) and request is not None:
                    request.add(event.data)
                elif isinstance(event, h11.EndOfMessage) and request is not None:
                    await self._answer(conn, channel, h, request)
                    request, pending = None, bytearray(h.trailing_data[0])
                    if h.our_state is not h11.DONE or h.their_state is not h11.DONE:
                        break
                    h.start_next_cycle()
                else:
                    break
        except (TimeoutError, OSError, h11.LocalProtocolError):
            pass
        finally:
            if pending:
                started = request.started if request else None
                self._emit(conn.raw(bytes(pending), len(pending) >= MAX_BODY_BYTES, started))

    async def _answer(self, conn: _Conn, channel: Channel, h: h11.Connection, request: _Request) -> None:
        """Reply to one complete HTTP/1.x request."""
        status, content_type, payload = self._reply(conn, request)
        head = [
            ("Date", formatdate(usegmt=True)),
            ("Content-Type", content_type),
            ("Content-Length", str(len(payload))),
        ]
        out = h.send(h11.Response(status_code=status, headers=head)) or b""
        if request.method != "HEAD":
            out += h.send(h11.Data(data=payload)) or b""
        await channel.send(out + (h.send(h11.EndOfMessage()) or b""))

    async def _h2_reply(
        self,
        conn: _Conn,
        started: float,
        method: str,
        target: str,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
    ) -> tuple[int, str, bytes]:
        request = _Request(started, method, target, headers, bytearray(body), len(body) >= MAX_BODY_BYTES)
        return self._reply(conn, request)

    def _reply(self, conn: _Conn, request: _Request) -> tuple[int, str, bytes]:
        """Status, content type and body for one request, whatever its HTTP version; records the
        exchange, any mail the Postmark fake accepted and any DNS question a DoH request asked."""
        host = postmark.header(request.headers, "host") or ""
        body = bytes(request.body)
        submissions: tuple[MailSubmission, ...] = ()
        doh = doh_reply(request.method, request.target, request.headers, body, self.names)
        if doh is not None:
            status, content_type, payload = doh.status, doh.content_type, doh.body
            self._emit_questions(conn, doh.questions, "https", bare_host(host) or conn.sni)
        elif self._is_postmark(conn, host, request.headers):
            reply = postmark.handle(
                request.method,
                request.target,
                request.headers,
                body,
                self.postmark_tokens,
                conn_id=conn.conn_id,
            )
            status, payload, submissions = reply.status, reply.body, reply.submissions
            content_type = "application/json; charset=utf-8"
        else:
            status = 200
            content_type, payload = generic_reply(request.headers)
        self._emit(
            HttpExchange(
                ts=request.started,
                conn_id=conn.conn_id,
                dst_ip=conn.dst_ip,
                dst_port=conn.dst_port,
                tls=conn.tls,
                sni=conn.sni,
                method=request.method,
                host=host,
                target=request.target,
                headers=request.headers,
                body=body,
                status=status,
                response_body=payload,
                truncated=request.truncated,
            )
        )
        for submission in submissions:
            self._emit(submission)
        return status, content_type, payload

    def _emit_questions(
        self, conn: _Conn, questions: Sequence[Question], transport: str, resolver: str | None
    ) -> None:
        now = time.time()
        for q in questions:
            self._emit(DnsQuery(now, q.qname, q.qtype, conn.src_port, q.answer, transport, resolver))

    def _ws(self, conn: _Conn, request: _Request, data: bytes, text: bool, truncated: bool) -> None:
        host = postmark.header(request.headers, "host") or ""
        self._emit(
            WebSocketMessage(
                time.time(),
                conn.conn_id,
                conn.dst_ip,
                conn.dst_port,
                conn.tls,
                conn.sni,
                host,
                request.target,
                data,
                text,
                truncated,
            )
        )

    async def _serve_dns(self, conn: _Conn, channel: Channel) -> None:
        """DNS over TCP (or TLS, DoT): length-prefixed queries, each answered and recorded."""
        buffer = bytearray()
        resolver = conn.sni or self.names.name_for(conn.dst_ip) or conn.dst_ip
        try:
            while len(buffer) <= MAX_BODY_BYTES:
                data = await channel.recv()
                if not data:
                    break
                buffer += data
                for message in stream_messages(buffer):
                    reply, questions = answer(message, self.names)
                    self._emit_questions(conn, questions, "tls" if conn.tls else "tcp", resolver)
                    if reply is not None:
                        await channel.send(framed(reply))
        except (TimeoutError, OSError):
            pass
        finally:
            if buffer:
                self._emit(conn.raw(bytes(buffer), len(buffer) > MAX_BODY_BYTES))

    def _is_postmark(self, conn: _Conn, host: str, headers: Sequence[tuple[str, str]]) -> bool:
        """The fake answers for its host, and for anything carrying its token header (e.g. by IP)."""
        names = {bare_host(host), bare_host(conn.sni or "")}
        return postmark.HOST in names or postmark.header(headers, postmark.TOKEN_HEADER) is not None


def _service(head: bytes, channel: Channel) -> str:
    """What the first bytes speak: ``h2`` (by ALPN or prior knowledge), ``http``, ``dns`` or ``raw``."""
    alpn = channel.tls.selected_alpn_protocol() if isinstance(channel, TlsChannel) else None
    if alpn == "h2" or head.startswith(http2.PREFACE[:_SNIFF_BYTES]):
        return "h2"
    if looks_like_http(head):
        return "http"
    return "dns" if looks_like_dns_stream(head) else "raw"


def _headers(event: h11.Request) -> tuple[tuple[str, str], ...]:
    return tuple((_text(name), _text(value)) for name, value in event.headers.raw_items())
