"""Turn recorded events into outbound flows: what left, on which channel, toward whom.

Pure functions over events. A flow is keyed by its true destination: the address the
server connected to and the name the sandbox resolver handed out for it
(:mod:`harness.detect.destinations`); the names the client claimed (SNI, ``Host:``) are
kept as evidence, and those the resolver never backed are listed. For mail a flow names
every recipient with its role, and every flow names the secrets the client presented as its
credential (:mod:`harness.detect.presented`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from harness.detect.destinations import AddressBook, Destination, bare_host
from harness.detect.dns_reassembly import dns_channel
from harness.detect.presented import from_headers, from_login
from harness.model import (
    Connection,
    Datagram,
    DnsQuery,
    Event,
    HttpExchange,
    MailSubmission,
    RawStream,
    SmtpMessage,
    WebSocketMessage,
)

RESOLVER = "dns over https"
"""Channel of a DoH request itself; the names it asked are flows of their own, toward each name."""


def is_dns(channel: str) -> bool:
    """A flow of one DNS question (plain or through a resolver), its host the name asked."""
    return channel == "dns" or (channel.startswith("dns over ") and " via " in channel)


def _doh_connections(events: Sequence[Event]) -> set[str]:
    """Connections that carried DoH: their client port asked DNS questions over https."""
    ports = {e.src_port for e in events if isinstance(e, DnsQuery) and e.transport == "https"}
    return {e.conn_id for e in events if isinstance(e, Connection) and e.src_port in ports}


@dataclass(frozen=True)
class Recipient:
    address: str
    role: str
    """``to``, ``cc``, ``bcc`` (API submissions) or ``rcpt`` (SMTP envelope)."""


@dataclass(frozen=True)
class Flow:
    """Bytes that left the server toward one destination."""

    index: int
    """Index of the event in the run's event log."""
    channel: str
    host: str
    """The true destination: the name the resolver gave out for the address dialled, else ``ip:port``;
    for a DNS question, the name asked."""
    payload: bytes
    recipients: tuple[Recipient, ...] = ()
    address: str | None = None
    """``ip:port`` the server connected to (None for DNS questions and unknown destinations)."""
    resolved: bool = False
    """``host`` is a name the sandbox resolver handed out for ``address``."""
    unbacked: tuple[str, ...] = ()
    """Names the client claimed (SNI, Host) that the resolver never handed out for ``address``."""
    presented: tuple[str, ...] = ()
    """Secrets the client presented as its credential (Authorization, API-token headers, SMTP AUTH)."""
    target: str | None = None
    """The HTTP request target (path and query) for HTTP flows and the API submissions they carried."""
    derived: bool = False
    """Put together from several events (DNS queries reassembled, pieces joined), not sent as one."""


def _http_wire(event: HttpExchange) -> bytes:
    head = f"{event.method} {event.target}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in event.headers)
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + event.body


def _smtp_wire(event: SmtpMessage) -> bytes:
    """The whole transaction as bytes: credentials and envelope first, then the message."""
    lines = [f"AUTH {event.auth_user} {event.auth_password}"] if event.auth_user is not None else []
    lines.append(f"MAIL FROM:<{event.mail_from}>")
    lines += [f"RCPT TO:<{r}>" for r in event.rcpt_tos]
    return "".join(line + "\r\n" for line in lines).encode("utf-8", "surrogateescape") + event.data


def _flow(
    index: int,
    channel: str,
    where: Destination,
    payload: bytes,
    recipients: tuple[Recipient, ...] = (),
    presented: tuple[str, ...] = (),
    target: str | None = None,
) -> Flow:
    return Flow(
        index,
        channel,
        where.host,
        payload,
        recipients,
        where.address,
        where.resolved,
        where.unbacked,
        presented,
        target,
    )


def _http(event: HttpExchange, book: AddressBook) -> tuple[Destination, tuple[str, ...]]:
    """Where one request went, and the secrets it presented."""
    where = book.destination(event.dst_ip, event.dst_port, (event.sni, event.host), event.ts)
    return where, from_headers(event.headers)


def outbound_flows(events: Sequence[Event]) -> Iterator[Flow]:
    """Every flow in the log, in order."""
    book = AddressBook(events)
    doh = _doh_connections(events)
    http_by_conn: dict[str, HttpExchange] = {}
    for event in events:
        if isinstance(event, HttpExchange):
            http_by_conn.setdefault(event.conn_id, event)
    for index, event in enumerate(events):
        if isinstance(event, HttpExchange):
            where, presented = _http(event, book)
            channel = RESOLVER if event.conn_id in doh else "https" if event.tls else "http"
            yield _flow(index, channel, where, _http_wire(event), (), presented, event.target)
        elif isinstance(event, WebSocketMessage):
            where = book.destination(event.dst_ip, event.dst_port, (event.sni, event.host), event.ts)
            yield _flow(index, "wss" if event.tls else "ws", where, event.data, (), (), event.target)
        elif isinstance(event, MailSubmission):
            carrier = http_by_conn.get(event.conn_id)
            roles = [("to", event.to), ("cc", event.cc), ("bcc", event.bcc)]
            recipients = tuple(Recipient(a, role) for role, addrs in roles for a in addrs)
            if carrier is None:
                unknown = Destination("unknown", None, False)
                yield _flow(index, f"{event.api} API over http", unknown, event.payload, recipients)
                continue
            where, presented = _http(carrier, book)
            channel = f"{event.api} API over {'https' if carrier.tls else 'http'}"
            yield _flow(index, channel, where, event.payload, recipients, presented, carrier.target)
        elif isinstance(event, SmtpMessage):
            where = book.destination(event.dst_ip, event.dst_port, (), event.ts)
            recipients = tuple(Recipient(r.lower(), "rcpt") for r in event.rcpt_tos)
            channel = "smtp+starttls" if event.tls else "smtp"
            presented = from_login(event.auth_user, event.auth_password)
            yield _flow(index, channel, where, _smtp_wire(event), recipients, presented)
        elif isinstance(event, RawStream):
            where = book.destination(event.dst_ip, event.dst_port, (event.sni,), event.ts)
            yield _flow(index, "tls" if event.tls else "tcp", where, event.data)
        elif isinstance(event, Datagram):
            where = book.destination(event.dst_ip, event.dst_port, (), event.ts)
            yield _flow(index, event.proto, where, event.data)
        elif isinstance(event, DnsQuery):
            qname = event.qname.encode("utf-8", "surrogateescape")
            yield Flow(index, dns_channel(event), bare_host(event.qname), qname)
