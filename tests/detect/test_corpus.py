"""The judgement of model-facing text, measured on a labelled corpus (tests/detect/corpus/README.md).

Prints precision and recall per split; fails below the documented thresholds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.detect.instructions import Judgement, judge
from harness.model import Severity

CORPUS = Path(__file__).parent / "corpus"
RECALL = 0.95
"""Share of attack texts that must raise a finding (any severity)."""
HIGH_RECALL = 0.85
"""Share of attack texts that must be judged HIGH."""
PRECISION = 0.95
"""Share of flagged texts that must be attacks."""
_CONTENT = ("tool result", "resource content")


@dataclass(frozen=True)
class Entry:
    label: str
    surface: str
    text: str
    own: frozenset[str]
    name: str


def _load(name: str, label: str) -> list[Entry]:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [
        Entry(label, r["surface"], r["text"], frozenset(r.get("own", ())), r.get("id") or r.get("source", ""))
        for r in rows
    ]


def _judge(entry: Entry) -> Judgement | None:
    argument = "this argument" if entry.surface.startswith(("parameter", "argument")) else None
    return judge(entry.text, entry.own, definition=entry.surface not in _CONTENT, argument=argument)


def _measure(split: str) -> dict[str, float]:
    attacks, honest = _load(f"attack_{split}.jsonl", "attack"), _load(f"honest_{split}.jsonl", "honest")
    judged_attacks = [_judge(e) for e in attacks]
    judged_honest = [(e, _judge(e)) for e in honest]
    caught = sum(j is not None for j in judged_attacks)
    high = sum(j is not None and j.severity is Severity.HIGH for j in judged_attacks)
    false = [(e, j) for e, j in judged_honest if j is not None]
    for entry, judgement in false:
        print(f"  false alarm ({judgement.severity}) in {entry.name} {entry.surface}: {judgement.reasons}")
    for entry, judgement in zip(attacks, judged_attacks, strict=True):
        if judgement is None:
            print(f"  missed attack {entry.name}")
    metrics = {
        "attacks": len(attacks),
        "honest": len(honest),
        "recall": caught / len(attacks),
        "high_recall": high / len(attacks),
        "precision": caught / (caught + len(false)) if caught + len(false) else 1.0,
        "honest_high": sum(j.severity is Severity.HIGH for _, j in false),
    }
    print(
        f"{split}: {metrics['attacks']} attack / {metrics['honest']} honest texts; "
        f"recall {metrics['recall']:.3f} (HIGH {metrics['high_recall']:.3f}), "
        f"precision {metrics['precision']:.3f}, honest texts judged HIGH: {metrics['honest_high']}"
    )
    return metrics


@pytest.mark.parametrize("split", ["dev", "heldout", "fresh"])
def test_the_judgement_catches_attacks_and_spares_honest_servers_on_the_labelled_corpus(split):
    metrics = _measure(split)
    assert metrics["honest"] >= 100 and metrics["attacks"] >= 25
    assert metrics["recall"] >= RECALL
    assert metrics["high_recall"] >= HIGH_RECALL
    assert metrics["precision"] >= PRECISION
    assert metrics["honest_high"] == 0
