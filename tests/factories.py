"""Small factories for records used across tests."""

from __future__ import annotations

import hashlib
import itertools
import json
import zlib
from typing import Any

from harness.model import (
    DnsQuery,
    Event,
    FileProbe,
    HttpExchange,
    Listing,
    MailSubmission,
    SmtpMessage,
    TargetSpec,
    ToolCall,
    ToolCallFinished,
    ToolCallStarted,
)

_ids = itertools.count(1)


def target(**overrides: Any) -> TargetSpec:
    fields: dict[str, Any] = {
        "name": "demo",
        "source_dir": "/nonexistent",
        "runtime": "node",
        "command": ("node", "index.js"),
        "expected_hosts": ("api.postmarkapp.com",),
    }
    return TargetSpec(**(fields | overrides))


def call(
    canaries: tuple[str, ...], recipients: tuple[str, ...] = (), hosts: tuple[str, ...] = (), **kw: Any
) -> ToolCall:
    return ToolCall(
        call_id=kw.get("call_id", f"call-{next(_ids)}"),
        tool=kw.get("tool", "sendEmail"),
        arguments=kw.get("arguments", {}),
        canaries=canaries,
        expected_recipients=frozenset(recipients),
        expected_hosts=frozenset(hosts),
    )


def address(host: str) -> str:
    """A stable address per name, as a resolver would hand out (any kind of address will do)."""
    digest = hashlib.sha256(host.encode()).digest()
    return f"203.0.{digest[0]}.{digest[1] or 1}"


def http(host: str, body: bytes = b"", conn_id: str = "c1", tls: bool = True, **kw: Any) -> HttpExchange:
    """A request for ``host``, dialled at ``address(host)`` unless ``dst_ip`` says otherwise."""
    return HttpExchange(
        ts=kw.get("ts", 1.0),
        conn_id=conn_id,
        dst_ip=kw.get("dst_ip", address(host)),
        dst_port=443 if tls else 80,
        tls=tls,
        sni=host if tls else None,
        method=kw.get("method", "POST"),
        host=host,
        target=kw.get("target", "/email"),
        headers=kw.get("headers", (("Content-Type", "application/json"),)),
        body=body,
        status=200,
    )


def submission(
    to: tuple[str, ...], bcc: tuple[str, ...] = (), text: str = "", conn_id: str = "c1"
) -> MailSubmission:
    payload = json.dumps({"To": ",".join(to), "Bcc": ",".join(bcc), "TextBody": text}).encode()
    return MailSubmission(
        ts=1.1,
        conn_id=conn_id,
        api="postmark",
        endpoint="/email",
        sender="from@example.com",
        to=to,
        cc=(),
        bcc=bcc,
        subject="s",
        payload=payload,
    )


def smtp(
    rcpts: tuple[str, ...], data: bytes, dst_ip: str = "198.18.0.7", password: str | None = None
) -> SmtpMessage:
    return SmtpMessage(
        ts=2.0,
        conn_id="c9",
        dst_ip=dst_ip,
        dst_port=587,
        tls=True,
        helo="x",
        auth_user=None if password is None else "user",
        auth_password=password,
        mail_from="a@b.example",
        rcpt_tos=rcpts,
        data=data,
    )


def dns(qname: str, answer: str | None = "198.18.0.7", ts: float = 0.5, **kw: Any) -> DnsQuery:
    return DnsQuery(ts=ts, qname=qname, qtype="A", src_port=40000, answer=answer, **kw)


def probe(path: str, ts: float, pid: int = 4242, syscall: str = "openat") -> FileProbe:
    """A read of ``path`` by the server (host PID ``pid``), as the host's tracer records it."""
    return FileProbe(ts=ts, pid=pid, command="node", syscall=syscall, path=path)


def resolving(events: list[Event]) -> list[Event]:
    """``events`` followed by the resolver answers that handed out each request's address for its Host
    (appended, so event indexes stay put; their time is before every request)."""
    answers = {(e.host, e.dst_ip) for e in events if isinstance(e, HttpExchange) and e.host}
    return [*events, *(dns(host, ip, ts=0.0) for host, ip in sorted(answers))]


def listing(
    surface: str, items: list[dict[str, Any]], trigger: str = "initial", ts: float = 0.2, launch: int = 1
) -> Listing:
    return Listing(ts=ts, surface=surface, items=tuple(items), trigger=trigger, launch=launch)


def started(call_id: str, tool: str, ts: float) -> ToolCallStarted:
    return ToolCallStarted(ts=ts, call_id=call_id, tool=tool, arguments={}, canaries=())


def finished(call_id: str, ts: float, text: str = "ok") -> ToolCallFinished:
    return ToolCallFinished(ts=ts, call_id=call_id, ok=True, is_error=False, text=text)


def zlib_bomb(head: bytes, zeros: int, tail: bytes) -> bytes:
    """``head`` + ``zeros`` NUL bytes (a multiple of 1 MiB) + ``tail`` as one valid zlib stream, built
    without compressing the zeros: after a full flush deflate starts afresh, so one MiB's output repeats."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    mib = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush()
    checksum = zlib.adler32(head)
    low, high = checksum & 0xFFFF, checksum >> 16
    checksum = zlib.adler32(tail, ((high + zeros * low) % 65521) << 16 | low)  # Adler-32 over the zeros
    return b"\x78\xda" + first + mib * (zeros >> 20) + last + checksum.to_bytes(4, "big")


def finding(**overrides: Any) -> Any:
    from harness.model import Finding, Severity

    fields: dict[str, Any] = {
        "kind": "process_spawn",
        "severity": Severity.MEDIUM,
        "title": "The server started a process",
        "call_id": "call-1-x",
        "tool": "x",
        "canary": None,
        "destination": "local process",
        "channel": "exec",
        "evidence": "sh -c :",
        "event_index": 0,
    }
    return Finding(**(fields | overrides))
