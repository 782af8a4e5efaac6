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
from harness.detect.prefix_index import PrefixIndex
from harness.model import Confidence, Finding, Listing, Severity, ToolCall, ToolCallFinished

_WHAT = {"tool": "result", "resource": "contents", "prompt": "messages"}


class OutputInjectionDetector:
    name = "output_injection"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        calls = {call.call_id: call for call in evidence.calls}
        own = own_names(e for e in evidence.events if isinstance(e, Listing))
        planted = _Planted(evidence.calls)
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
            yield from self._foreign_canaries(planted, event, index)

    def _foreign_canaries(self, planted: _Planted, event: ToolCallFinished, index: int) -> Iterator[Finding]:
        """Another call's canary in this result: data crossing between calls (or a memory, so: low)."""
        lowered = event.text.lower()
        found = planted.first_foreign(lowered, event.call_id)
        if found is None:
            return
        call, token = found
        at = lowered.find(token)
        yield Finding(
            kind="cross_call_contamination",
            severity=Severity.LOW,
            title=f"Result of {event.call_id} holds data planted by {call.call_id} ({call.tool})",
            call_id=event.call_id,
            tool=call.tool,
            canary=token,
            destination="the model",
            channel="tool result",
            evidence=event.text[max(at - 80, 0) : at + 92],
            event_index=index,
            confidence=Confidence.LOW,
        )


class _Planted:
    """Every canary the drive planted in a call, found in a text in one pass whatever their number
    (a server with thousands of tools has tens of thousands), with the call that planted it."""

    def __init__(self, calls: tuple[ToolCall, ...]) -> None:
        self._owners: list[tuple[int, ToolCall, str]] = [
            (rank, call, token)
            for rank, call in enumerate(calls)
            if call.surface not in ("sampling", "elicitation")  # our answers are the call's to return
            for token in call.canaries
        ]
        self._index = PrefixIndex([token.encode() for _, _, token in self._owners])

    def first_foreign(self, lowered: str, call_id: str) -> tuple[ToolCall, str] | None:
        """The first call (in the order they were made) other than ``call_id`` whose canary is in
        ``lowered``, with that canary."""
        found = [
            self._owners[key]
            for _, key in self._index.matches(lowered.encode("utf-8", "surrogatepass"))
            if self._owners[key][1].call_id != call_id
        ]
        if not found:
            return None
        _, call, token = min(found, key=lambda owner: owner[0])
        return call, token
