"""``nightly.html`` / ``nightly.json`` (and the combined SARIF and JUnit): one night's audits, drift and
failures first.

The nightly reader wants to hear only about change: connectors that drifted from their
approved run, could not be audited, or have nothing approved yet lead the page; the quiet
ones follow in one short list. Drift lines quote report text, which came from servers:
autoescape is on and nothing is marked safe.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from harness.nightly.runner import NightlyEntry
from harness.report.html import ENV
from harness.report.nightly_combined import write_nightly_combined

_ORDER = {"could not audit": 0, "drift": 1, "no baseline": 2, "no drift": 3}


def ordered(entries: list[NightlyEntry]) -> list[NightlyEntry]:
    """Entries a reader must act on first, then by name."""
    return sorted(entries, key=lambda e: (_ORDER.get(e.state, 0), e.name))


def nightly_to_dict(entries: list[NightlyEntry], source: str, seconds: float, jobs: int) -> dict[str, object]:
    servers = []
    for entry in ordered(entries):
        item = asdict(entry)
        item["drift"] = [str(d) for d in entry.drift]
        item["exit_code"] = entry.exit_code
        servers.append(item)
    return {
        "source": source,
        "seconds": round(seconds, 1),
        "jobs": jobs,
        "exit_code": max((e.exit_code for e in entries), default=0),
        "counts": {state: sum(e.state == state for e in entries) for state in _ORDER},
        "servers": servers,
    }


def write_nightly(entries: list[NightlyEntry], out: Path, source: str, seconds: float, jobs: int) -> None:
    data = nightly_to_dict(entries, source, seconds, jobs)
    (out / "nightly.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    page = ENV.get_template("nightly.html.j2").render(n=data)
    (out / "nightly.html").write_text(page, encoding="utf-8")
    write_nightly_combined(ordered(entries), out)
