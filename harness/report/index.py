"""``index.html`` / ``index.json`` for a config-file run: one line per server, linking its report."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.report.html import ENV


@dataclass(frozen=True)
class IndexEntry:
    server: str
    exit_code: int
    """0 clean, 1 findings, 2 could not audit."""
    verdict: str
    reason: str | None
    report: str | None
    """Path of the server's report.html relative to the index, when one was written."""
    findings: int = 0


def write_index(entries: list[IndexEntry], out: Path, source: str) -> None:
    (out / "index.json").write_text(
        json.dumps({"source": source, "servers": [asdict(e) for e in entries]}, indent=2) + "\n",
        encoding="utf-8",
    )
    page = ENV.get_template("index.html.j2").render(entries=entries, source=source)
    (out / "index.html").write_text(page, encoding="utf-8")
