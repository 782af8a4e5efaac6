"""The detector protocol and the runner that isolates one detector's failure from the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from harness.detect.aggregate import aggregate
from harness.model import Event, Finding, TargetSpec, ToolCall

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Credential:
    """A canary credential and where it was planted."""

    token: str
    source: str
    """``env NAME``, ``~/.ssh/id_rsa``, ``.env``, ..."""
    configured: bool = False
    """Given to the server by the user's configuration (its env): it may go to its own service, where a
    client authenticates. Bait found lying in the home may go nowhere."""


@dataclass(frozen=True, eq=False)
class Evidence:
    """Everything a detector may read about one run."""

    target: TargetSpec
    calls: tuple[ToolCall, ...]
    events: tuple[Event, ...]
    """The ordered event log; a finding's ``event_index`` points into it."""
    credentials: tuple[Credential, ...] = ()
    """Canary credentials planted in the environment and the home."""


class Detector(Protocol):
    name: str

    def detect(self, evidence: Evidence) -> Iterable[Finding]: ...


def default_detectors() -> list[Detector]:
    """Every detector, in report order."""
    from harness.detect.accounts import ForeignCredentialDetector
    from harness.detect.canary_leaks import CanaryLeakDetector
    from harness.detect.egress import UnexpectedEgressDetector
    from harness.detect.host import HostBehaviourDetector
    from harness.detect.launches import LaunchChangeDetector
    from harness.detect.metadata import DefinitionChangeDetector, ToolPoisoningDetector
    from harness.detect.mismatch import DestinationMismatchDetector
    from harness.detect.opaque import OpaqueExfiltrationDetector
    from harness.detect.outputs import OutputInjectionDetector
    from harness.detect.probes import SandboxProbeDetector
    from harness.detect.protocol import ProtocolDefectDetector
    from harness.detect.undecoded import UndecodedPayloadDetector

    return [
        CanaryLeakDetector(),
        ForeignCredentialDetector(),
        DestinationMismatchDetector(),
        OpaqueExfiltrationDetector(),
        UnexpectedEgressDetector(),
        UndecodedPayloadDetector(),
        ToolPoisoningDetector(),
        DefinitionChangeDetector(),
        LaunchChangeDetector(),
        OutputInjectionDetector(),
        HostBehaviourDetector(),
        SandboxProbeDetector(),
        ProtocolDefectDetector(),
    ]


def run_detectors(evidence: Evidence, detectors: Sequence[Detector]) -> tuple[list[Finding], list[str]]:
    """Run every detector; one that raises is logged and reported, never fatal. Repeats of one
    finding are folded into one with a count (:func:`aggregate`)."""
    findings: list[Finding] = []
    errors: list[str] = []
    for detector in detectors:
        try:
            findings.extend(detector.detect(evidence))
        except Exception as exc:  # a broken detector must not hide the others' findings
            log.exception("detector %s failed", detector.name)
            errors.append(f"detector {detector.name} failed: {exc.__class__.__name__}: {exc}")
    return aggregate(findings), errors
