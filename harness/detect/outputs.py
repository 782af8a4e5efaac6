"""Output attacks: results that carry instructions for the model, or data that belongs to another call."""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.instructions import instruction_signals, is_injection
from harness.model import Confidence, Finding, Severity, ToolCallFinished


class OutputInjectionDetector:
    name = "output_injection"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        calls = {call.call_id: call for call in evidence.calls}
        reported: set[str] = set()
        for index, event in enumerate(evidence.events):
            if not isinstance(event, ToolCallFinished) or not event.text:
                continue
            call = calls.get(event.call_id)
            name = call.tool if call else event.call_id
            signals = instruction_signals(event.text)
            if is_injection(signals) and name not in reported:
                reported.add(name)
                yield Finding(
                    kind="output_injection",
                    severity=Severity.HIGH,
                    title=f"The result of '{name}' carries instructions aimed at the model",
                    call_id=event.call_id,
                    tool=name,
                    canary=None,
                    destination="the model",
                    channel=f"{call.surface if call else 'tool'} result",
                    evidence="; ".join(f"{s.name}: {s.excerpt}" for s in signals)[:1000],
                    event_index=index,
                    confidence=Confidence.MEDIUM,
                )
            yield from self._foreign_canaries(evidence, event, index)

    def _foreign_canaries(self, evidence: Evidence, event: ToolCallFinished, index: int) -> Iterator[Finding]:
        """Another call's canary in this result: data crossing between calls (or a memory, so: low)."""
        lowered = event.text.lower()
        for call in evidence.calls:
            if call.call_id == event.call_id or call.surface in ("sampling", "elicitation"):
                continue  # our own answers to the server's requests are the call's to return
            for token in call.canaries:
                if token in lowered:
                    yield Finding(
                        kind="cross_call_contamination",
                        severity=Severity.LOW,
                        title=f"Result of {event.call_id} holds data planted by {call.call_id} ({call.tool})",
                        call_id=event.call_id,
                        tool=call.tool,
                        canary=token,
                        destination="the model",
                        channel="tool result",
                        evidence=event.text[max(lowered.find(token) - 80, 0) : lowered.find(token) + 92],
                        event_index=index,
                        confidence=Confidence.LOW,
                    )
                    return
