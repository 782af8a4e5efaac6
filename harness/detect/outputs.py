"""Output attacks: results that carry instructions for the model, or data that belongs to another call.

A tool's result, a resource's contents and the messages a prompt returns all reach the model;
each is judged by :func:`harness.detect.instructions.judge`, and a finding names where the text
points (a mailbox, a URL, another tool) and keeps the whole text.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.instructions import judge
from harness.detect.metadata import full_text
from harness.detect.model_text import own_names
from harness.model import Confidence, Finding, Listing, Severity, ToolCallFinished

_WHAT = {"tool": "result", "resource": "contents", "prompt": "messages"}


class OutputInjectionDetector:
    name = "output_injection"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        calls = {call.call_id: call for call in evidence.calls}
        own = own_names(e for e in evidence.events if isinstance(e, Listing))
        reported: set[str] = set()
        for index, event in enumerate(evidence.events):
            if not isinstance(event, ToolCallFinished) or not event.text:
                continue
            call = calls.get(event.call_id)
            name = call.tool if call else event.call_id
            surface = call.surface if call else "tool"
            judgement = None if name in reported else judge(event.text, own, definition=surface == "prompt")
            if judgement is not None:
                reported.add(name)
                what = _WHAT.get(surface, "result")
                yield Finding(
                    kind="output_injection",
                    severity=judgement.severity,
                    title=f"The {what} of {surface} '{name}': {judgement.reasons[0]}"[:300],
                    call_id=event.call_id,
                    tool=name,
                    canary=None,
                    destination=judgement.destination,
                    channel=f"{surface} {what}",
                    evidence=judgement.summary()[:4000],
                    event_index=index,
                    confidence=Confidence.MEDIUM,
                    detail=full_text(f"{surface} {what}", event.text),
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
