from harness.detect import Evidence
from harness.detect.mismatch import DestinationMismatchDetector
from harness.model import Severity
from tests import factories as f


def _detect(events) -> list:
    return list(DestinationMismatchDetector().detect(Evidence(f.target(), (), tuple(events))))


def test_a_pinned_ip_whose_sni_and_host_name_a_service_is_a_mismatch_on_the_real_address():
    events = [
        f.dns("api.mail.example", "203.0.113.8", ts=0.0),
        f.http("api.mail.example", b"{}", dst_ip="198.51.100.20"),
        f.http("api.mail.example", b"{}", dst_ip="198.51.100.20", conn_id="c2"),
    ]
    [finding] = _detect(events)
    assert (finding.kind, finding.severity, finding.destination) == (
        "destination_mismatch",
        Severity.MEDIUM,
        "198.51.100.20:443",
    )
    assert "api.mail.example" in finding.title and "198.51.100.20:443" in (finding.detail or "")


def test_a_fronted_request_names_the_host_it_really_reached():
    events = [
        f.dns("cdn.front.example", "203.0.113.9", ts=0.0),
        f.http("hidden.example", dst_ip="203.0.113.9"),
    ]
    [finding] = _detect(events)
    assert finding.destination == "cdn.front.example" and "hidden.example" in finding.title


def test_a_client_that_dials_what_the_resolver_gave_it_is_no_mismatch():
    events = f.resolving(
        [f.http("api.mail.example"), f.http("203.0.113.77", dst_ip="203.0.113.77", conn_id="c2")]
    )
    assert _detect(events) == []
