"""Turn recorded events into outbound flows: what left, on which channel, toward whom.

Pure functions over events. A flow names its destination host (the name the
server asked for, recovered from SNI, Host header or the fake DNS's answers)
and, for mail, every recipient with its role.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from harness.model import (
    Datagram,
    DnsQuery,
    Event,
    HttpExchange,
    MailSubmission,
    RawStream,
    SmtpMessage,
)


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
    payload: bytes
    recipients: tuple[Recipient, ...] = ()


def _bare_host(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _names_by_address(events: Sequence[Event]) -> dict[str, str]:
    """Which name the fake DNS handed each address out for (first one wins)."""
    names: dict[str, str] = {}
    for event in events:
        if isinstance(event, DnsQuery) and event.answer:
            names.setdefault(event.answer, _bare_host(event.qname))
    return names


def _http_wire(event: HttpExchange) -> bytes:
    head = f"{event.method} {event.target}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in event.headers)
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + event.body


def _smtp(event: SmtpMessage, host: str) -> tuple[str, str, bytes, tuple[Recipient, ...]]:
    """Channel, host, the whole transaction as bytes (credentials and envelope first), recipients."""
    lines = [f"AUTH {event.auth_user} {event.auth_password}"] if event.auth_user is not None else []
    lines.append(f"MAIL FROM:<{event.mail_from}>")
    lines += [f"RCPT TO:<{r}>" for r in event.rcpt_tos]
    head = "".join(line + "\r\n" for line in lines).encode("utf-8", "surrogateescape")
    recipients = tuple(Recipient(r.lower(), "rcpt") for r in event.rcpt_tos)
    return ("smtp+starttls" if event.tls else "smtp"), host, head + event.data, recipients


def outbound_flows(events: Sequence[Event]) -> Iterator[Flow]:
    """Every flow in the log, in order."""
    names = _names_by_address(events)
    http_by_conn: dict[str, HttpExchange] = {}
    for event in events:
        if isinstance(event, HttpExchange):
            http_by_conn.setdefault(event.conn_id, event)

    def host_of(ip: str | None, port: int | None, sni: str | None = None) -> str:
        if sni:
            return _bare_host(sni)
        if ip is None:
            return "unknown"
        return names.get(ip, f"{ip}:{port}" if port is not None else ip)

    for index, event in enumerate(events):
        if isinstance(event, HttpExchange):
            host = _bare_host(event.host) if event.host else host_of(event.dst_ip, event.dst_port, event.sni)
            yield Flow(index, "https" if event.tls else "http", host, _http_wire(event))
        elif isinstance(event, MailSubmission):
            carrier = http_by_conn.get(event.conn_id)
            scheme = "https" if carrier is not None and carrier.tls else "http"
            host = _bare_host(carrier.host) if carrier is not None else "unknown"
            roles = [("to", event.to), ("cc", event.cc), ("bcc", event.bcc)]
            recipients = tuple(Recipient(a, role) for role, addrs in roles for a in addrs)
            yield Flow(index, f"{event.api} API over {scheme}", host, event.payload, recipients)
        elif isinstance(event, SmtpMessage):
            yield Flow(index, *_smtp(event, host_of(event.dst_ip, event.dst_port)))
        elif isinstance(event, RawStream):
            yield Flow(
                index,
                "tls" if event.tls else "tcp",
                host_of(event.dst_ip, event.dst_port, event.sni),
                event.data,
            )
        elif isinstance(event, Datagram):
            yield Flow(index, "udp", host_of(event.dst_ip, event.dst_port), event.data)
        elif isinstance(event, DnsQuery):
            yield Flow(index, "dns", _bare_host(event.qname), event.qname.encode("utf-8", "surrogateescape"))
