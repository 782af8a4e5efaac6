"""Fold repeated findings into one with a count.

A fork bomb starts thousands of processes and a flood sends thousands of packets to the
same place: one finding per occurrence buries the report (and the terminal) under copies.
Findings of one kind, destination and call (or phase) become the first of them, with
``count`` saying how many it stands for and its evidence naming the distinct examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from harness.model import Finding

_EXAMPLES = 5
"""Distinct evidence lines kept from a group, beyond the first finding's own."""


def _key(finding: Finding) -> tuple[str, str, str | None, str | None]:
    return finding.kind, finding.destination, finding.call_id, finding.phase


def aggregate(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (kind, destination, call, phase), in first-seen order, counting the rest."""
    groups: dict[tuple[str, str, str | None, str | None], list[Finding]] = {}
    for finding in findings:
        groups.setdefault(_key(finding), []).append(finding)
    return [_folded(group) for group in groups.values()]


def _folded(group: list[Finding]) -> Finding:
    first = group[0]
    if len(group) == 1:
        return first
    count = sum(f.count for f in group)
    examples: list[str] = []
    for finding in group[1:]:
        line = finding.evidence.splitlines()[0][:200] if finding.evidence else ""
        if line and line != first.evidence and line not in examples:
            examples.append(line)
        if len(examples) == _EXAMPLES:
            break
    evidence = first.evidence
    if examples:
        evidence += "\n... and also:\n" + "\n".join(examples)
    worst = max((f.severity for f in group), key=lambda s: s.rank)
    return replace(first, count=count, severity=worst, evidence=evidence)
