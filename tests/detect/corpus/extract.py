"""Turn audit runs into corpus lines: every model-facing text a run recorded, one JSON line each.

    .venv/bin/python -m tests.detect.corpus.extract RUN_DIR... > honest_dev.jsonl

Reads each run's events.jsonl (listings and results) and report.json (server instructions and
the target's name). Texts are deduplicated per server; canaries in results are left as they are.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.detect.model_text import definition_texts, own_names
from harness.model import Listing, ToolCallFinished, ToolCallStarted, event_from_json

_RESULTS = {"tool": "tool result", "resource": "resource content", "prompt": "prompt message"}


def _surface(where: str) -> str:
    """``parameter a.b description`` -> ``parameter description``: the corpus's surface label."""
    words = where.split()
    return f"parameter {words[-1]}" if words[0] in ("parameter", "argument") else where


def run_texts(run: Path) -> Iterator[dict[str, Any]]:
    report = json.loads((run / "report.json").read_text())
    source = str(report.get("target"))
    instructions = (report.get("server_info") or {}).get("instructions")
    surfaces: dict[str, str] = {}
    events = [event_from_json(line) for line in (run / "events.jsonl").read_text().splitlines()]
    own = sorted(own_names(e for e in events if isinstance(e, Listing)))
    if isinstance(instructions, str):
        yield {"surface": "server instructions", "text": instructions, "source": source, "own": own}
    for entry in _texts(events, surfaces):
        yield entry | {"source": source, "own": own}


def _texts(events: list[Any], surfaces: dict[str, str]) -> Iterator[dict[str, str]]:
    for event in events:
        if isinstance(event, Listing):
            for item in event.items:
                for where, text, _ in definition_texts(event.surface, item):
                    yield {"surface": _surface(where), "text": text}
        elif isinstance(event, ToolCallStarted):
            surfaces[event.call_id] = event.surface
        elif isinstance(event, ToolCallFinished) and event.text.strip():
            surface = _RESULTS.get(surfaces.get(event.call_id, "tool"), "tool result")
            yield {"surface": surface, "text": event.text[:20000]}


def main(runs: list[str]) -> None:
    seen: set[str] = set()
    for run in runs:
        for entry in run_texts(Path(run)):
            if entry["text"].strip() and entry["text"] not in seen:
                seen.add(entry["text"])
                print(json.dumps(entry, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
