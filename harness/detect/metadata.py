"""Metadata attacks: definitions whose text steers the model, and definitions that change after
first sight within one launch of the server.

Reads the ``Listing`` events (every listing of tools, resources, templates and prompts, first
and later, and the server's own ``instructions`` and identity as surface ``server``). Each text
a client shows the model is judged by :func:`harness.detect.instructions.judge`; a finding
shows the sentences, what they ask for and where they point, and keeps the whole text.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from harness.detect.base import Evidence
from harness.detect.instructions import Judgement, judge
from harness.detect.model_text import definition_texts, kind_of, own_names
from harness.model import Confidence, Finding, Listing, Severity

MAX_DETAIL = 20_000
"""Characters of an offending text kept in a finding's detail."""

_ORDER = list(Severity)


def worst(judged: list[tuple[str, str, Judgement]]) -> tuple[str, str, Judgement] | None:
    """The most severe of several judged texts (the first among equals)."""
    return max(judged, key=lambda j: _ORDER.index(j[2].severity), default=None)


def full_text(where: str, text: str) -> str:
    """The offending text whole (bounded), for the finding's detail."""
    cut = f"\n[... {len(text) - MAX_DETAIL} more characters]" if len(text) > MAX_DETAIL else ""
    return f"{where}:\n{text[:MAX_DETAIL]}{cut}"


class ToolPoisoningDetector:
    name = "tool_poisoning"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        listings = [(i, e) for i, e in enumerate(evidence.events) if isinstance(e, Listing)]
        own = own_names(e for _, e in listings)
        seen: set[tuple[str, str, str]] = set()
        for index, event in listings:
            for item in event.items:
                name = str(item.get("name") or item.get("uri") or item.get("uriTemplate") or "?")
                fresh = [
                    t
                    for t in definition_texts(event.surface, item)
                    if (event.surface, name, t[1]) not in seen
                ]
                seen.update((event.surface, name, text) for _, text, _ in fresh)
                judged = [(w, t, j) for w, t, arg in fresh if (j := judge(t, own, argument=arg)) is not None]
                found = worst(judged)
                if found is not None:
                    yield self._finding(event, name, *found, index)

    def _finding(
        self, event: Listing, name: str, where: str, text: str, judgement: Judgement, index: int
    ) -> Finding:
        kind = kind_of(event.surface)
        subject = "The server's instructions" if kind == "server" else f"The {kind} '{name}'"
        return Finding(
            kind="tool_poisoning",
            severity=judgement.severity,
            title=f"{subject} {judgement.reasons[0]}"[:300],
            call_id=None,
            tool=name,
            canary=None,
            destination=judgement.destination,
            channel=f"{event.surface}/list" if kind != "server" else "initialize",
            evidence=f"in the {where}:\n{judgement.summary()}"[:4000],
            event_index=index,
            confidence=Confidence.MEDIUM,
            detail=full_text(where, text),
        )


class DefinitionChangeDetector:
    """A rug pull: any change to a tool's definition after the client first saw it in this launch.

    Each launch of the server is compared with itself; across launches see
    :mod:`harness.detect.launches`.

    A listing that failed or stopped part-way (``Listing.error``) says nothing about the tools it
    lacks: they were not seen, not removed. So a tool *disappeared* only from a complete listing,
    and *appeared* only when an earlier complete listing lacked it; otherwise a tool's first
    sight is its baseline, whichever listing it came in.
    """

    name = "tool_definition_changed"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        launches = sorted({e.launch for e in evidence.events if isinstance(e, Listing)})
        for launch in launches:
            yield from self._one_launch(
                (i, e) for i, e in enumerate(evidence.events) if isinstance(e, Listing) and e.launch == launch
            )

    def _one_launch(self, listings: Iterable[tuple[int, Listing]]) -> Iterator[Finding]:
        first: dict[str, dict[str, Any]] = {}
        complete_seen = False
        reported: set[str] = set()
        for index, event in listings:
            if event.surface != "tools":
                continue
            current = {str(item.get("name")): item for item in event.items}
            gone = set(first) - set(current) if event.error is None else set()
            for name in sorted((set(current) | gone) - reported):
                before, after = first.get(name), current.get(name)
                if before is None and not complete_seen:
                    first[name] = current[name]
                elif before != after:
                    reported.add(name)
                    yield self._finding(name, before, after, index, event.trigger)
            complete_seen |= event.error is None

    def _finding(
        self, name: str, before: dict[str, Any] | None, after: dict[str, Any] | None, index: int, trigger: str
    ) -> Finding:
        diff = definition_diff(before, after, "first listing", f"listing ({trigger})")
        change = (
            "appeared" if before is None else "disappeared" if after is None else "changed its definition"
        )
        return Finding(
            kind="tool_definition_changed",
            severity=Severity.HIGH,
            title=f"Tool '{name}' {change} after the client first listed it",
            call_id=None,
            tool=name,
            canary=None,
            destination=name,
            channel="tools/list",
            evidence=diff[:400],
            event_index=index,
            detail=diff,
        )


def definition_diff(before: dict[str, Any] | None, after: dict[str, Any] | None, old: str, new: str) -> str:
    """A unified diff of two definitions as sorted, indented JSON."""
    lines_before = json.dumps(before, indent=2, sort_keys=True).splitlines() if before else []
    lines_after = json.dumps(after, indent=2, sort_keys=True).splitlines() if after else []
    return "\n".join(difflib.unified_diff(lines_before, lines_after, old, new, lineterm=""))
