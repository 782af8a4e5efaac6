import asyncio
import io
import ipaddress
from collections.abc import AsyncIterator

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from harness.model import Datagram, DnsQuery, Event, event_from_json
from harness.services.dns import (
    DnsService,
    NameTable,
    answer,
    lenient_qname,
)
from harness.services.sink import EventSink
from harness.services.world import PROVIDER_PREFIXES, PROVIDER_PREFIXES6, public_address


def query(name: str, qtype: str = "A") -> bytes:
    return bytes(DNSRecord.question(name, qtype).pack())


def test_a_questions_get_a_stable_public_looking_address_per_name() -> None:
    names = NameTable()
    reply, questions = answer(query("api.postmarkapp.com"), names)
    assert reply is not None
    (rr,) = DNSRecord.parse(reply).rr
    assert str(rr.rdata) == public_address("api.postmarkapp.com")
    address = ipaddress.IPv4Address(str(rr.rdata))
    assert any(address in prefix for prefix in PROVIDER_PREFIXES) and address.is_global
    assert questions[0].qname == "api.postmarkapp.com."
    assert (questions[0].qtype, questions[0].answer) == ("A", str(rr.rdata))


def test_different_names_get_different_addresses_even_when_their_hashes_collide() -> None:
    names = NameTable()
    addresses = {names.resolve(f"host{i}.example.com") for i in range(3000)}
    assert len(addresses) == 3000
    assert names.resolve("HOST7.example.com.") == names.resolve("host7.example.com")


def test_the_name_table_says_which_name_an_address_was_handed_out_for() -> None:
    names = NameTable()
    address = names.resolve("Smtp.Example.com.")
    assert names.name_for(address) == "smtp.example.com"
    assert names.name_for("203.0.113.10") is None


def test_aaaa_questions_get_an_ipv6_address_that_names_the_host() -> None:
    names = NameTable()
    reply, questions = answer(query("Telemetry.Example.com", "AAAA"), names)
    assert reply is not None
    (rr,) = DNSRecord.parse(reply).rr
    address = ipaddress.IPv6Address(str(rr.rdata))
    assert address.is_global and any(address in prefix for prefix in PROVIDER_PREFIXES6)
    assert (questions[0].qtype, questions[0].answer) == ("AAAA", str(rr.rdata))
    assert names.name_for(str(rr.rdata)) == "telemetry.example.com"
    assert names.resolve6("telemetry.example.com.") == str(rr.rdata)


@pytest.mark.parametrize("qtype", ["MX", "TXT", "HTTPS"])
def test_other_questions_get_an_empty_noerror_answer(qtype: str) -> None:
    reply, questions = answer(query("example.com", qtype), NameTable())
    assert reply is not None
    parsed = DNSRecord.parse(reply)
    assert (parsed.header.rcode, parsed.rr) == (RCODE.NOERROR, [])
    assert (questions[0].qtype, questions[0].answer) == (qtype, None)


def test_the_reply_echoes_the_query_id_and_claims_recursion() -> None:
    request = DNSRecord.question("example.com")
    reply, _ = answer(bytes(request.pack()), NameTable())
    assert reply is not None
    header = DNSRecord.parse(reply).header
    assert (header.id, header.qr, header.ra, header.aa) == (request.header.id, 1, 1, 0)


def test_a_malformed_packet_is_reported_with_the_name_that_could_be_read() -> None:
    packet = query("c2VjcmV0.exfil.example.com")[:-6]  # cut inside the last label
    reply, questions = answer(packet, NameTable())
    assert reply is None
    assert questions[0].qtype == "MALFORMED"
    assert questions[0].qname.startswith("c2VjcmV0.exfil.")


def test_lenient_qname_survives_garbage() -> None:
    assert lenient_qname(b"") == ""
    assert lenient_qname(b"\x00" * 12 + b"\x3f" + b"x" * 3) == "xxx."


def test_responses_are_logged_but_not_answered() -> None:
    packet = DNSRecord.question("example.com").reply().pack()
    reply, questions = answer(bytes(packet), NameTable())
    assert reply is None and questions[0].qname == "example.com."


# --------------------------------------------------------------------------- the listener


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.replies.put_nowait(data)


@pytest.fixture
async def dns() -> AsyncIterator[tuple[DnsService, io.StringIO]]:
    log = io.StringIO()
    service = DnsService(NameTable(), port=0)
    await service.start(EventSink(log))
    yield service, log
    await service.stop()


def events(log: io.StringIO) -> list[Event]:
    return [event_from_json(line) for line in log.getvalue().splitlines()]


async def test_the_listener_answers_and_logs_each_question(dns: tuple[DnsService, io.StringIO]) -> None:
    service, log = dns
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(_Client, remote_addr=("127.0.0.1", service.port))
    try:
        transport.sendto(query("leak.example.net"))
        reply = DNSRecord.parse(await asyncio.wait_for(client.replies.get(), 5))
        port = transport.get_extra_info("sockname")[1]
    finally:
        transport.close()
    assert reply.q.qtype == QTYPE.A and len(reply.rr) == 1
    (event,) = events(log)
    assert event == DnsQuery(event.ts, "leak.example.net.", "A", port, str(reply.rr[0].rdata))


async def test_the_listener_keeps_serving_after_garbage(dns: tuple[DnsService, io.StringIO]) -> None:
    service, log = dns
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(_Client, remote_addr=("127.0.0.1", service.port))
    try:
        transport.sendto(b"\x12\x34garbage")
        transport.sendto(query("after.example.org", "AAAA"))
        reply = DNSRecord.parse(await asyncio.wait_for(client.replies.get(), 5))
    finally:
        transport.close()
    assert str(reply.q.qname) == "after.example.org."
    kinds = [type(e) for e in events(log)]
    assert kinds == [DnsQuery, Datagram, DnsQuery]
    garbage = events(log)[1]
    assert isinstance(garbage, Datagram) and garbage.data == b"\x12\x34garbage"


@pytest.mark.parametrize("qtype", ["A", "AAAA", "TXT"])
def test_a_machine_generated_name_gets_nxdomain_and_is_still_recorded(qtype: str) -> None:
    reply, questions = answer(query("q7f3k9x2vd81.com", qtype), NameTable())
    assert reply is not None
    parsed = DNSRecord.parse(reply)
    assert (parsed.header.rcode, parsed.rr) == (RCODE.NXDOMAIN, [])
    assert (questions[0].qname, questions[0].answer) == ("q7f3k9x2vd81.com.", None)


def test_a_tunnel_under_a_chosen_domain_gets_answers() -> None:
    reply, _ = answer(query("6a6f7264616e2e6b656c6c6572.t.backup-sync.io"), NameTable())
    assert reply is not None and DNSRecord.parse(reply).header.rcode == RCODE.NOERROR
