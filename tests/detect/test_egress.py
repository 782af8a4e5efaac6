from harness.detect import Evidence
from harness.detect.egress import UnexpectedEgressDetector
from harness.model import PhaseStarted, Severity
from tests import factories as f


def _run(calls, events) -> list:
    return list(
        UnexpectedEgressDetector().detect(Evidence(f.target(), tuple(calls), tuple(f.resolving(events))))
    )


def test_a_start_up_beacon_to_an_unnamed_host_is_medium_and_attributed_to_startup():
    events = [
        PhaseStarted(0.0, "startup"),
        f.dns("updates.mirror.example"),
        f.http("updates.mirror.example", b""),
    ]
    [finding] = _run([], events)
    assert finding.kind == "unexpected_egress" and finding.severity is Severity.MEDIUM
    assert finding.destination == "updates.mirror.example" and "startup" in finding.title


def test_traffic_to_declared_and_call_named_hosts_is_expected():
    call = f.call(("zzzzzzzzzzzz",), recipients=("a.b@lumen.io",), hosts=("docs.lumen.io",))
    events = [f.http("api.postmarkapp.com", b"x"), f.dns("docs.lumen.io"), f.dns("lumen.io")]
    assert _run([call], events) == []


def test_canary_carrying_flows_are_left_to_the_canary_detector():
    call = f.call(("qqqqqqqqqqqq",))
    assert _run([call], [f.http("sink.example", b"QQQQQQQQQQQQ")]) == []
