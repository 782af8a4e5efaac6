import struct

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.utils import PcapWriter

from harness.capture.nflog import nflog_payload, outbound, read_packets


def _nflog_frame(ip_bytes: bytes) -> bytes:
    prefix_tlv = struct.pack("<HH", 4 + 4, 10) + b"abcd"  # a TLV before the payload, 4-aligned
    payload_tlv = struct.pack("<HH", 4 + len(ip_bytes), 9) + ip_bytes
    payload_tlv += b"\0" * (-len(payload_tlv) % 4)
    return bytes([2, 0, 0, 5]) + prefix_tlv + payload_tlv


def test_payload_tlv_is_found_behind_other_tlvs():
    ip_bytes = bytes(IP(src="127.0.0.1", dst="203.0.113.10") / UDP(sport=40001, dport=9999) / b"hi")
    assert nflog_payload(_nflog_frame(ip_bytes)) == ip_bytes


def test_capture_yields_true_destinations_and_skips_loopback(tmp_path):
    path = tmp_path / "capture.pcap"
    writer = PcapWriter(str(path), linktype=239, sync=True)
    leaving = bytes(IP(src="127.0.0.1", dst="203.0.113.10") / UDP(sport=40001, dport=9999) / b"hi")
    local = bytes(IP(src="127.0.0.1", dst="127.0.0.1") / UDP(sport=15054, dport=40001) / b"x")
    writer.write(_nflog_frame(leaving))
    writer.write(_nflog_frame(local))
    writer.close()
    packets = outbound(read_packets(path))
    assert [(p.proto, p.dst, p.dport, p.sport) for p in packets] == [("udp", "203.0.113.10", 9999, 40001)]


def test_missing_or_truncated_capture_yields_nothing(tmp_path):
    assert list(read_packets(tmp_path / "none.pcap")) == []
    (tmp_path / "cut.pcap").write_bytes(b"\xd4\xc3\xb2\xa1")
    assert list(read_packets(tmp_path / "cut.pcap")) == []


def test_ipv6_packets_keep_their_true_destination_and_loopback_is_skipped(tmp_path):
    path = tmp_path / "capture.pcap"
    writer = PcapWriter(str(path), linktype=239, sync=True)
    leaving = IPv6(src="2001:2::1", dst="2001:db8::10") / TCP(sport=40002, dport=443, flags="S")
    local = IPv6(src="::1", dst="::1") / UDP(sport=15054, dport=40001) / b"x"
    writer.write(_nflog_frame(bytes(leaving)))
    writer.write(_nflog_frame(bytes(local)))
    writer.close()
    packets = outbound(read_packets(path))
    assert [(p.proto, p.dst, p.dport, p.syn) for p in packets] == [("tcp", "2001:db8::10", 443, True)]
