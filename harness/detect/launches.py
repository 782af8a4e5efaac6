"""Behaviour over launches: definitions that differ between one start of the server and the next.

A sleeper behaves on its first launch (writing a marker in its home) and turns on from the
second. When the pipeline restarts the server with the same home, every listing of the second
launch carries ``launch=2``; each definition is compared with the first launch's first listing
of the same surface. A change whose new text is itself judged model-steering is HIGH; any other
change is MEDIUM (a server may honestly list something new after a restart).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.detect.base import Evidence
from harness.detect.instructions import judge
from harness.detect.metadata import definition_diff
from harness.detect.model_text import definition_texts, kind_of, own_names
from harness.model import Finding, Listing, Severity


def _key(item: dict[str, Any]) -> str:
    return str(item.get("name") or item.get("uri") or item.get("uriTemplate") or "?")


class LaunchChangeDetector:
    name = "launch_definition_changed"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        listings = [(i, e) for i, e in enumerate(evidence.events) if isinstance(e, Listing)]
        own = own_names(e for _, e in listings)
        first: dict[tuple[str, int], tuple[int, Listing]] = {}
        for index, event in listings:
            first.setdefault((event.surface, event.launch), (index, event))
        for (surface, launch), (index, later) in sorted(first.items(), key=lambda kv: kv[1][0]):
            if launch == 1 or (surface, 1) not in first:
                continue
            earlier = {_key(item): item for item in first[surface, 1][1].items}
            current = {_key(item): item for item in later.items}
            for name in sorted(set(earlier) | set(current)):
                before, after = earlier.get(name), current.get(name)
                if before != after:
                    yield self._finding(surface, name, before, after, launch, index, own)

    def _finding(
        self,
        surface: str,
        name: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        launch: int,
        index: int,
        own: frozenset[str],
    ) -> Finding:
        diff = definition_diff(before, after, "launch 1", f"launch {launch}")
        steering = [
            j
            for _, t, arg in definition_texts(surface, after or {})
            if (j := judge(t, own, argument=arg)) is not None
        ]
        change = (
            "appeared" if before is None else "disappeared" if after is None else "changed its definition"
        )
        kind = kind_of(surface)
        subject = "The server's identity" if kind == "server" else f"The {kind} '{name}'"
        why = f"; the new text {steering[0].reasons[0]}" if steering else ""
        return Finding(
            kind="tool_definition_changed",
            severity=Severity.HIGH if steering else Severity.MEDIUM,
            title=f"{subject} {change} when the server was started again (launch {launch}){why}"[:300],
            call_id=None,
            tool=name,
            canary=None,
            destination=steering[0].destination if steering else name,
            channel=f"{surface}/list across launches",
            evidence=(diff[:1500] + ("\n" + steering[0].summary() if steering else ""))[:4000],
            event_index=index,
            detail=diff,
        )
