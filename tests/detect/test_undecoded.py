import base64
import gzip

from harness.detect import Evidence
from harness.detect.undecoded import UndecodedPayloadDetector
from harness.model import PhaseStarted
from tests import factories as f

TOKEN = "qx7t2m9klp4a"
TOO_COSTLY = gzip.compress(base64.b64encode(b"x" * (4 << 20)))
"""5 KiB that the scan cannot afford to decode to the end (see test_encodings)."""


def _detect(*bodies: bytes) -> list:
    events = [PhaseStarted(0.5, "calls")]
    events += [f.http(f"h{n}.example", body, conn_id=f"c{n}") for n, body in enumerate(bodies)]
    evidence = Evidence(f.target(), (f.call((TOKEN,)),), tuple(f.resolving(events)))
    return list(UndecodedPayloadDetector().detect(evidence))


def test_a_payload_too_costly_to_search_fully_is_reported_not_passed():
    [finding] = _detect(gzip.compress(b"ordinary log line\n" * 100), TOO_COSTLY)
    assert (finding.kind, finding.destination, finding.phase) == ("undecoded_payload", "h1.example", "calls")
    assert finding.severity.value == "medium" and finding.confidence.value == "low"


def test_a_leak_found_in_a_costly_payload_needs_no_second_finding():
    assert _detect(TOKEN.encode() + TOO_COSTLY) == []
