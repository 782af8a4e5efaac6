"""The detection stage: detectors read the evidence of a run and emit findings.

Detectors judge behaviour only (what left, to whom, carrying which canary);
no detector may know any attacker's name, host or address.
"""

from harness.detect.base import Credential, Detector, Evidence, default_detectors, run_detectors

__all__ = ["Credential", "Detector", "Evidence", "default_detectors", "run_detectors"]
