"""One real audit in its own process and run directory: what the corpus, the plugin and the tests run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LINGER = "2"
"""Seconds to wait for delayed sends: long enough for every scenario's delay, short for CI."""


@dataclass(frozen=True)
class Run:
    """One finished ``mcp-harness audit``: its exit code, output, run directory and wall time."""

    code: int
    stdout: str
    stderr: str
    out: Path
    seconds: float = 0.0

    @property
    def report(self) -> dict[str, Any]:
        path = self.out / "report.json"
        assert path.is_file(), f"no report (exit {self.code}): {self.stderr.strip()[-600:]}"
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return report

    def kinds(self) -> list[str]:
        """The finding kinds of the run, sorted, repeats kept."""
        return sorted(f["kind"] for f in self.report["findings"])


def run_cli(*args: str, timeout: float = 900, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``mcp-harness ARGS`` with this interpreter; the output is captured, the exit code returned."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


def audit_to(target: str | Path, out: Path, *extra: str, cwd: Path | None = None) -> Run:
    """Audit ``target`` into the new directory ``out`` (it must not exist yet)."""
    started = time.monotonic()
    proc = run_cli("audit", str(target), "--out", str(out), "--linger", LINGER, *extra, cwd=cwd)
    return Run(proc.returncode, proc.stdout, proc.stderr, out, time.monotonic() - started)
