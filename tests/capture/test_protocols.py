import struct

from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.utils import PcapWriter

from harness.capture.nflog import outbound, read_packets
from harness.capture.protocols import unterminated
from harness.detect.flows import outbound_flows
from tests.capture.test_nflog import _nflog_frame


def _capture(tmp_path, *ip_packets: bytes):
    path = tmp_path / "capture.pcap"
    writer = PcapWriter(str(path), linktype=239, sync=True)
    for packet in ip_packets:
        writer.write(_nflog_frame(packet))
    writer.close()
    return outbound(read_packets(path))


def test_an_icmp_echo_payload_becomes_a_datagram_with_its_true_destination(tmp_path):
    ping = bytes(IP(src="127.0.0.1", dst="198.51.100.7") / ICMP(type=8, id=7, seq=1) / b"secret-canary")
    [datagram] = unterminated(_capture(tmp_path, ping))
    assert (datagram.proto, datagram.dst_ip, datagram.data) == ("icmp", "198.51.100.7", b"secret-canary")


def test_udp_lite_keeps_its_ports_and_ipv6_echo_is_read_too(tmp_path):
    lite_header = struct.pack("!HHHH", 40000, 5353, 8, 0)
    lite = bytes(IP(src="127.0.0.1", dst="198.51.100.8", proto=136) / (lite_header + b"lite-data"))
    ping6 = bytes(IPv6(src="::1", dst="2001:db8::9") / ICMPv6EchoRequest(id=1, seq=1, data=b"v6-data"))
    by_proto = {d.proto: d for d in unterminated(_capture(tmp_path, lite, ping6))}
    assert (by_proto["udplite"].dst_port, by_proto["udplite"].data) == (5353, b"lite-data")
    assert (by_proto["icmpv6"].dst_ip, by_proto["icmpv6"].data) == ("2001:db8::9", b"v6-data")


def test_a_datagram_of_another_protocol_is_a_flow_named_by_its_protocol(tmp_path):
    ping = bytes(IP(src="127.0.0.1", dst="198.51.100.7") / ICMP(type=8) / b"payload")
    [flow] = outbound_flows(unterminated(_capture(tmp_path, ping)))
    assert (flow.channel, flow.host, flow.payload) == ("icmp", "198.51.100.7", b"payload")


def test_payloads_past_their_budget_are_counted_not_kept(tmp_path):
    from harness.model import BudgetReached, Datagram

    pings = [bytes(IP(src="127.0.0.1", dst="198.51.100.7") / ICMP(type=8) / (b"p" * 100)) for _ in range(5)]
    events = unterminated(_capture(tmp_path, *pings), budget=250)
    assert [type(e) for e in events] == [Datagram, Datagram, BudgetReached]
    assert events[-1].dropped == "3 packets"
