"""Protocol defects as info findings: what the server sent that breaks MCP but did not stop the drive.

A definition the SDK would reject (the drive exercised it anyway), output on stdout that is not
JSON-RPC (with a sample), a message over the size limit, invalid Unicode. None of these is an
attack by itself; each is stated so a reviewer sees that the stream was not clean, and why a
client in the field might have shown the model less than the harness exercised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.model import Confidence, Finding, ProtocolDefect, Severity

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _inert(sample: bytes) -> str:
    """The sample's lines as printable text: non-ASCII and control bytes escaped."""
    lines = sample.decode("ascii", "backslashreplace").split("\n")
    return "\n".join(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line) for line in lines)


_TITLES = {
    "schema": "A listed definition breaks the MCP schema",
    "stdout_noise": "The server wrote output on stdout that is not JSON-RPC",
    "oversized_message": "The server sent a message over the size limit; it was refused",
    "invalid_unicode": "The server sent invalid Unicode; it was repaired",
}


class ProtocolDefectDetector:
    name = "protocol_defect"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        for index, event in enumerate(evidence.events):
            if not isinstance(event, ProtocolDefect):
                continue
            sample = _inert(event.sample)
            yield Finding(
                kind="protocol_defect",
                severity=Severity.INFO,
                title=_TITLES.get(event.defect, "The server broke the MCP protocol"),
                call_id=None,
                tool=event.subject.partition(": ")[2] or None,
                canary=None,
                destination=event.subject,
                channel="stdout" if event.subject == "stdout" else "listing",
                evidence=event.detail + (f"\nsample:\n{sample}" if sample else ""),
                event_index=index,
                confidence=Confidence.HIGH,
                phase=None if ": " in event.subject else "stdio",
            )
