from harness.capture.frames import with_frames
from harness.capture.nflog import Packet
from harness.model import Connection, Finding, Severity
from tests import factories as f


def _finding(index: int) -> Finding:
    return Finding("canary_exfiltration", Severity.HIGH, "t", "c", "tool", "tok", "h", "https", "e", index)


def test_a_finding_points_at_both_directions_of_its_connection_and_nothing_else():
    events = [Connection(0.1, "c1", 40001, "198.18.0.9", 443, "http"), f.http("x.example", conn_id="c1")]
    packets = [
        Packet(0.1, "tcp", "127.0.0.1", 40001, "198.18.0.9", 443, True, 60, frame=1),
        Packet(0.1, "tcp", "127.0.0.1", 15001, "127.0.0.1", 40001, False, 60, frame=2),
        Packet(0.2, "tcp", "127.0.0.1", 40002, "198.18.0.9", 443, True, 60, frame=3),
        Packet(0.2, "udp", "127.0.0.1", 40001, "198.18.0.1", 53, False, 60, frame=4),
    ]
    [finding] = with_frames([_finding(1)], events, packets)
    assert finding.pcap_frames == (1, 2)


def test_dns_evidence_uses_the_query_source_port():
    events = [f.dns("leak.example")]
    packets = [Packet(0.5, "udp", "127.0.0.1", 40000, "10.0.0.53", 53, False, 70, frame=7)]
    assert with_frames([_finding(0)], events, packets)[0].pcap_frames == (7,)
