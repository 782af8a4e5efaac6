from dataclasses import replace

from harness.detect.base import Evidence
from harness.detect.egress import UnexpectedEgressDetector
from harness.detect.probes import SandboxProbeDetector, is_probe
from harness.model import PhaseStarted
from tests import factories as f


def test_names_nobody_registered_are_probes_and_chosen_names_are_not():
    assert is_probe("3f9a1c7e20bd.com.") and is_probe("x.qzkxvbnwtr.net")
    assert not is_probe("api.github.com") and not is_probe("6a6f72.t.backup-sync.io") and not is_probe("wpad")


def test_a_random_name_lookup_is_one_medium_probe_finding_per_phase_naming_the_names():
    events = [
        PhaseStarted(0.0, "startup"),
        replace(f.dns("3f9a1c7e20bd.com", None), ts=0.1),
        replace(f.dns("9c2e81f0aa4d.net", None), ts=0.2),
        replace(f.dns("api.github.com"), ts=0.3),
        f.started("call-1-x", "x", 1.0),
        replace(f.dns("b7d1e0c9f3a2.org", None), ts=1.1),
        f.finished("call-1-x", 1.2),
    ]
    evidence = Evidence(f.target(), (), tuple(events))
    findings = list(SandboxProbeDetector().detect(evidence))
    assert [(x.phase, x.call_id) for x in findings] == [("startup", None), (None, "call-1-x")]
    assert all(x.kind == "sandbox_probe" and x.severity == "medium" for x in findings)
    assert "3f9a1c7e20bd.com" in findings[0].title and "9c2e81f0aa4d.net" in findings[0].evidence
    assert {x.destination for x in UnexpectedEgressDetector().detect(evidence)} == {"api.github.com"}
