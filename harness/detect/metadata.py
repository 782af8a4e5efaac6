"""Metadata attacks: definitions that steer the model, and definitions that change after first sight.

Reads the ``Listing`` events (every listing of tools, resources, templates and
prompts, first and later) and the server's own instructions.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

from harness.detect.base import Evidence
from harness.detect.instructions import MAX_DESCRIPTION, instruction_signals, is_injection
from harness.model import Confidence, Finding, Listing, Severity


def _text_of(item: dict[str, Any]) -> str:
    """Everything in a definition the model reads: names, titles, descriptions, schema text."""
    return json.dumps(item, ensure_ascii=False)


class ToolPoisoningDetector:
    name = "tool_poisoning"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        seen: set[tuple[str, str]] = set()
        for index, event in enumerate(evidence.events):
            if not isinstance(event, Listing):
                continue
            for item in event.items:
                name = str(item.get("name") or item.get("uri") or "?")
                finding = self._judge(event.surface, name, item, index)
                if finding is not None and (event.surface, finding.evidence) not in seen:
                    seen.add((event.surface, finding.evidence))
                    yield finding

    def _judge(self, surface: str, name: str, item: dict[str, Any], index: int) -> Finding | None:
        text = _text_of(item)
        signals = instruction_signals(text)
        description = str(item.get("description") or "")
        if is_injection(signals):
            severity, why = Severity.HIGH, "; ".join(f"{s.name}: {s.excerpt}" for s in signals)
        elif len(description) > MAX_DESCRIPTION:
            severity, why = Severity.LOW, f"description of {len(description)} characters"
        else:
            return None
        return Finding(
            kind="tool_poisoning",
            severity=severity,
            title=f"The {surface[:-1].replace('_', ' ')} '{name}' carries text aimed at the model",
            call_id=None,
            tool=name,
            canary=None,
            destination=name,
            channel=f"{surface}/list",
            evidence=why[:1000],
            event_index=index,
            confidence=Confidence.MEDIUM,
        )


class DefinitionChangeDetector:
    """A rug pull: any change to a tool's definition after the client first saw it."""

    name = "tool_definition_changed"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        first: dict[str, dict[str, Any]] = {}
        reported: set[str] = set()
        for index, event in enumerate(evidence.events):
            if not isinstance(event, Listing) or event.surface != "tools":
                continue
            current = {str(item.get("name")): item for item in event.items}
            if event.trigger == "initial":
                first = current
                continue
            for name in sorted(set(first) | set(current)):
                before, after = first.get(name), current.get(name)
                if before == after or name in reported:
                    continue
                reported.add(name)
                yield self._finding(name, before, after, index, event.trigger)

    def _finding(
        self, name: str, before: dict[str, Any] | None, after: dict[str, Any] | None, index: int, trigger: str
    ) -> Finding:
        old = json.dumps(before, indent=2, sort_keys=True).splitlines() if before else []
        new = json.dumps(after, indent=2, sort_keys=True).splitlines() if after else []
        diff = "\n".join(difflib.unified_diff(old, new, "first listing", f"listing ({trigger})", lineterm=""))
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
