from harness.detect.aggregate import aggregate
from harness.model import Severity
from tests.factories import finding


def test_a_thousand_spawns_in_one_call_become_one_finding_with_their_count():
    bomb = [finding(evidence=f"sh -c :{i % 3}", event_index=i) for i in range(1000)]
    [folded] = aggregate(bomb)
    assert folded.count == 1000
    assert folded.event_index == 0
    assert "sh -c :1" in folded.evidence and "sh -c :2" in folded.evidence


def test_findings_of_different_calls_destinations_or_kinds_stay_apart():
    findings = [
        finding(call_id="call-1"),
        finding(call_id="call-2"),
        finding(destination="evil.example", kind="canary_exfiltration"),
        finding(destination="other.example", kind="canary_exfiltration"),
    ]
    assert aggregate(findings) == findings


def test_a_folded_group_keeps_its_worst_severity():
    [folded] = aggregate([finding(severity=Severity.LOW), finding(severity=Severity.HIGH)])
    assert (folded.severity, folded.count) == (Severity.HIGH, 2)
