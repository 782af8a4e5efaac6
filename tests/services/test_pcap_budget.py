import io

from scapy.layers.inet import IP, UDP
from scapy.utils import PcapWriter

from harness.capture.nflog import outbound, read_packets
from harness.services.pcap_budget import copy_bounded
from tests.capture.test_nflog import _nflog_frame


def _pcap(tmp_path, packets: int) -> bytes:
    path = tmp_path / "full.pcap"
    writer = PcapWriter(str(path), linktype=239, sync=True)
    for n in range(packets):
        ip = IP(src="127.0.0.1", dst="203.0.113.10") / UDP(sport=40000 + n, dport=9) / (b"x" * 500)
        writer.write(_nflog_frame(bytes(ip)))
    writer.close()
    return path.read_bytes()


def test_the_capture_keeps_whole_packets_up_to_its_budget_and_counts_the_rest(tmp_path):
    full = _pcap(tmp_path, 100)
    kept = tmp_path / "kept.pcap"
    with kept.open("wb") as sink:
        counts = copy_bounded(io.BytesIO(full), sink, limit=10_000)
    assert kept.stat().st_size <= 10_000
    packets = outbound(read_packets(kept))
    assert len(packets) == counts["kept_packets"] > 0
    assert counts["kept_packets"] + counts["dropped_packets"] == 100
    assert [p.sport for p in packets] == list(range(40000, 40000 + len(packets)))


def test_a_capture_under_budget_is_copied_unchanged(tmp_path):
    full = _pcap(tmp_path, 3)
    sink = io.BytesIO()
    counts = copy_bounded(io.BytesIO(full), sink, limit=1 << 20)
    assert sink.getvalue() == full and counts["dropped_packets"] == 0
