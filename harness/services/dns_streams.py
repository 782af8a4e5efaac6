"""DNS that does not travel as a UDP datagram: over TCP and TLS (RFC 7766/7858), and over HTTPS.

A resolver reached over a stream or HTTPS answers exactly as the UDP fake does (:func:`answer`),
so a client that tunnels data through DoH or DoT keeps going, and each question it asks is a
:class:`~harness.model.DnsQuery` that names its transport and the resolver it went to. DoH comes
in three shapes: an ``application/dns-message`` POST body, a ``?dns=`` GET (base64url), and the
JSON API (``?name=&type=``, answered as ``application/dns-json``).

Pure: bytes and request parts in, reply bytes and questions out.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast
from urllib.parse import parse_qs, urlsplit

from dnslib import QTYPE, DNSError, DNSRecord

from harness.services.dns import NameTable, Question, answer

DNS_MESSAGE = "application/dns-message"
DNS_JSON = "application/dns-json"
_MAX_MESSAGE = 65535
_MAX_QUERY_PARAM = 4096
_HEADER = 12


@dataclass(frozen=True)
class DohReply:
    """What the fake resolver says to one DoH request, and the questions the request asked."""

    status: int
    content_type: str
    body: bytes
    questions: tuple[Question, ...]


def _header(headers: Sequence[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


def _b64url(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _json_query(params: dict[str, list[str]]) -> bytes | None:
    """A wire query for the JSON API's ``name`` and ``type`` (a name or a number; ``A`` by default)."""
    name = params.get("name", [""])[0]
    if not name or len(name) > _MAX_QUERY_PARAM:
        return None
    qtype = params.get("type", ["A"])[0].upper()
    if qtype.isdigit():
        qtype = str(QTYPE.get(int(qtype), "A"))
    try:
        return cast(bytes, DNSRecord.question(name, qtype if qtype in QTYPE.reverse else "A").pack())
    except (DNSError, ValueError, UnicodeError):
        return None


def doh_reply(
    method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes, names: NameTable
) -> DohReply | None:
    """The resolver's answer when the request is DoH in any of its shapes; None for any other request."""
    params = parse_qs(urlsplit(target).query[:_MAX_QUERY_PARAM])
    content_type = _header(headers, "content-type").split(";")[0].strip().lower()
    if method == "POST" and content_type == DNS_MESSAGE:
        return _wire_reply(body, names)
    if method == "GET" and "dns" in params:
        query = _b64url(params["dns"][0])
        return _wire_reply(query, names) if query else None
    json_api = DNS_JSON in _header(headers, "accept").lower() or urlsplit(target).path.endswith("/resolve")
    if method == "GET" and "name" in params and json_api:
        query = _json_query(params)
        if query is None:
            return None
        reply = _wire_reply(query, names)
        return DohReply(reply.status, DNS_JSON, _as_json(reply.body), reply.questions)
    return None


def _wire_reply(query: bytes, names: NameTable) -> DohReply:
    """A wire query answered as the UDP fake would; a query that does not parse gets a 400."""
    reply, questions = answer(query, names)
    if reply is None:
        return DohReply(400, "text/plain", b"", tuple(questions))
    return DohReply(200, DNS_MESSAGE, bytes(reply), tuple(questions))


def _as_json(wire: bytes) -> bytes:
    """The JSON API's rendering of a wire reply (Status, Question, Answer)."""
    if not wire:
        return b"{}"
    record = DNSRecord.parse(wire)
    document = {
        "Status": record.header.rcode,
        "TC": False,
        "RD": True,
        "RA": True,
        "AD": False,
        "CD": False,
        "Question": [{"name": str(q.qname), "type": q.qtype} for q in record.questions],
        "Answer": [
            {"name": str(rr.rname), "type": rr.rtype, "TTL": rr.ttl, "data": str(rr.rdata)}
            for rr in record.rr
        ],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def stream_messages(buffer: bytearray) -> Iterator[bytes]:
    """Whole length-prefixed DNS messages at the front of ``buffer`` (DNS over TCP/TLS), removed as read."""
    while len(buffer) >= 2:
        (length,) = struct.unpack_from("!H", buffer)
        if len(buffer) < 2 + length:
            return
        message = bytes(buffer[2 : 2 + length])
        del buffer[: 2 + length]
        yield message


def framed(message: bytes) -> bytes:
    return struct.pack("!H", len(message)) + message


def looks_like_dns_stream(head: bytes) -> bool:
    """A length prefix followed by a plausible query header: standard opcode, one to a few questions."""
    if len(head) < 2 + _HEADER:
        return False
    (length,) = struct.unpack_from("!H", head)
    flags, qdcount = struct.unpack_from("!HH", head, 4)
    is_query = not flags & 0x8000 and (flags >> 11) & 0xF == 0
    return _HEADER < length <= _MAX_MESSAGE and is_query and 0 < qdcount <= 16
