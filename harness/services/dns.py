"""The fake resolver: names that look real exist, and every one leads back to the gateway.

Which names exist and which IPv4 addresses they get is :mod:`harness.services.world`'s
design: a name whose registrable domain looks machine-generated gets NXDOMAIN, as
from a real resolver; any other A question gets a public-looking address hashed from
the name, the same address for the same name all run long, and no two names one
address; AAAA questions get a hash into the same kind of providers' IPv6 prefixes, since
a real host resolves and dials both families; everything else gets an empty NOERROR
answer. The :class:`NameTable` remembers which name each address was handed out for,
so the TCP fakes can name a destination the client reached without SNI.

Every question becomes a :class:`~harness.model.DnsQuery`; a packet that does
not parse is logged with whatever name could be read from it, plus the raw
bytes as a :class:`~harness.model.Datagram`. Nothing a client sends can stop
the listener.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import cast

from dnslib import AAAA, QTYPE, RCODE, RR, A, DNSError, DNSLabel, DNSRecord

from harness.model import Datagram, DnsQuery, cap
from harness.services.sink import EventSink
from harness.services.world import PROVIDER_PREFIXES, exists, public_address, public_address6

log = logging.getLogger(__name__)

TTL = 60
_PROBES = 16
_MAX_LABELS = 128


def normalise(name: str) -> str:
    return name.strip().lower().rstrip(".")


_CAPACITY = sum(p.num_addresses for p in PROVIDER_PREFIXES)


class NameTable:
    """Names and the addresses handed out for them, one name per address.

    A name keeps its address for the whole run. When its hash collides with
    another name's address, the next probe is tried, so an address always
    says which name was asked for; only a table flooded past
    :data:`_PROBES` collisions shares addresses. Size is bounded by the providers' prefixes.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._addresses: dict[str, str] = {}

    def resolve(self, name: str) -> str:
        key = normalise(name)
        known = self._addresses.get(key)
        if known is not None:
            return known
        address = public_address(key)
        for attempt in range(_PROBES):
            candidate = public_address(key, attempt)
            if self._names.get(candidate, key) == key:
                address = candidate
                break
        self._names.setdefault(address, key)
        if len(self._addresses) < _CAPACITY:
            self._addresses[key] = address
        return address

    def resolve6(self, name: str) -> str:
        """The name's IPv6 address: a hash into a provider's prefix, wide enough never to be shared."""
        key = normalise(name)
        address = public_address6(key)
        self._names.setdefault(address, key)
        return address

    def name_for(self, address: str) -> str | None:
        return self._names.get(address)


@dataclass(frozen=True)
class Question:
    qname: str
    qtype: str
    answer: str | None


def lenient_qname(packet: bytes) -> str:
    """The first question's name read label by label, for packets dnslib refuses."""
    labels: list[bytes] = []
    pos = 12
    while pos < len(packet) and len(labels) < _MAX_LABELS:
        length = packet[pos]
        if length == 0 or length & 0xC0:
            break
        labels.append(packet[pos + 1 : pos + 1 + length])
        pos += 1 + length
    return str(DNSLabel(labels)) if labels else ""


def answer(packet: bytes, names: NameTable) -> tuple[bytes | None, list[Question]]:
    """Reply bytes (None: stay silent) and the questions asked, for one DNS packet."""
    try:
        request = DNSRecord.parse(packet)
    except (DNSError, ValueError, IndexError, UnicodeError) as exc:
        log.info("malformed DNS packet (%d bytes): %s", len(packet), exc)
        return None, [Question(lenient_qname(packet), "MALFORMED", None)]
    asked = []
    reply = request.reply(ra=1, aa=0)
    for q in request.questions:
        qtype = str(QTYPE.get(q.qtype, f"TYPE{q.qtype}"))
        address = None
        if not exists(str(q.qname)):
            reply.header.rcode = RCODE.NXDOMAIN
        elif q.qtype == QTYPE.A and q.qclass == 1:
            address = names.resolve(str(q.qname))
            reply.add_answer(RR(q.qname, QTYPE.A, rdata=A(address), ttl=TTL))
        elif q.qtype == QTYPE.AAAA and q.qclass == 1:
            address = names.resolve6(str(q.qname))
            reply.add_answer(RR(q.qname, QTYPE.AAAA, rdata=AAAA(address), ttl=TTL))
        asked.append(Question(str(q.qname), qtype, address))
    if request.header.qr:
        return None, asked
    if request.header.opcode != 0:
        reply.rr = []
        reply.header.rcode = RCODE.NOTIMP
    try:
        return cast(bytes, reply.pack()), asked
    except (DNSError, ValueError, UnicodeError) as exc:
        log.info("cannot encode DNS reply: %s", exc)
        return None, asked


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, service: DnsService, sink: EventSink) -> None:
        self.service = service
        self.sink = sink
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        try:
            self._handle(data, addr)
        except Exception:  # a hostile packet must never stop the resolver
            log.exception("DNS packet handling failed")

    def _handle(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        now = time.time()
        src_port = int(addr[1])
        reply, questions = answer(data, self.service.names)
        for q in questions:
            self.sink.emit(DnsQuery(ts=now, qname=q.qname, qtype=q.qtype, src_port=src_port, answer=q.answer))
        if any(q.qtype == "MALFORMED" for q in questions):
            kept, cut = cap(data)
            self.sink.emit(
                Datagram(ts=now, src_port=src_port, dst_ip=None, dst_port=None, data=kept, truncated=cut)
            )
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        log.info("DNS socket error: %s", exc)


class DnsService:
    """UDP DNS listener; ``port`` 0 picks a free one (read it back after :meth:`start`)."""

    def __init__(self, names: NameTable, host: str = "127.0.0.1", port: int = 15053) -> None:
        self.names = names
        self.host = host
        self.port = port
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self, sink: EventSink) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self, sink), local_addr=(self.host, self.port)
        )
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        log.info("dns listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
