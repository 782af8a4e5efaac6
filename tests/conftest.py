"""Shared test plumbing. The Docker marker policy, the ``audit`` fixture and the container
check live in the project's pytest plugin (``harness/pytest_plugin.py``), so researchers'
tests and ours use one implementation; this module re-exports the helpers tests import.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from harness.corpus.audit import Run
from harness.corpus.audit import run_cli as _run_cli
from harness.pytest_plugin import labelled_containers, unique_dir

REPO = Path(__file__).resolve().parents[1]


def high_water_mib(pid: int) -> float | None:
    """Peak resident memory of that one process so far (VmHWM), or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return None if kib is None else kib / 1024  # a zombie has no memory left to report


def audit_measured(*args: str, log: Path, timeout: float = 900) -> tuple[int, float, float]:
    """``mcp-harness audit ARGS`` as its own process: (exit code, seconds, the harness's own peak
    memory in MiB). The peak is the kernel's high-water mark of that process, read until it ends:
    the docker client it runs buffers on its own account, more under load."""
    argv = [sys.executable, "-m", "harness", "audit", *args]
    peak_mib, started = 0.0, time.monotonic()
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, cwd=REPO, stdout=sink, stderr=sink)
        while time.monotonic() - started < timeout:
            peak_mib = max(peak_mib, high_water_mib(proc.pid) or 0.0)
            try:
                proc.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            proc.kill()
            proc.wait()
    return proc.returncode, time.monotonic() - started, peak_mib


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``mcp-harness ARGS`` from the repository root."""
    return _run_cli(*args, timeout=timeout, cwd=REPO)


__all__ = ["REPO", "Run", "audit_measured", "high_water_mib", "labelled_containers", "run_cli", "unique_dir"]
