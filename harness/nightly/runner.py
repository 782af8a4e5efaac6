"""Audit many connectors at once and compare each with its approved run.

Every audit is its own ``mcp-harness audit`` process: a server that wedges or crashes its
audit cannot take the others down, detection of one run uses its own core, and each child
already guarantees its sandbox is removed when it ends or is told to stop (SIGTERM). Up to
``jobs`` children run at a time; the sandboxes share nothing but the image cache, so two
audits never see each other's traffic.

Clean-up guarantee: a child that outlives its time budget is sent SIGTERM (it removes its
sandbox and writes a report saying it was interrupted) and killed if it does not end soon
after; on Ctrl-C every child gets the same signal and is waited for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.compare import Drift, compare, load_report
from harness.errors import TargetError
from harness.nightly.connectors import Connector

_GRACE = 30.0
"""Seconds a child has to remove its sandbox after SIGTERM before it is killed."""
_TAIL = 600
"""Characters of a failed child's stderr kept as its reason."""


@dataclass(frozen=True)
class NightlyEntry:
    """What one connector did tonight, against its approved run."""

    name: str
    state: str
    """``no drift``, ``drift``, ``no baseline`` or ``could not audit``."""
    audit_exit: int | None
    """The audit's own exit code (0 clean, 1 findings, 2 could not audit), None when it never ended."""
    drift: tuple[Drift, ...]
    findings: int
    report: str | None
    """The run's report.html, relative to the nightly folder."""
    reason: str | None
    seconds: float

    @property
    def exit_code(self) -> int:
        """0 nothing to look at, 1 drift or nothing approved to compare with, 2 not audited."""
        return {"no drift": 0, "drift": 1, "no baseline": 1}.get(self.state, 2)


def default_jobs() -> int:
    """Parallel audits this machine can hold: two per core (they mostly wait on containers),
    at most one per 2 GiB of memory (each sandbox may take 1 GiB), never more than 8."""
    cpus = os.cpu_count() or 1
    try:
        memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 30)
    except (ValueError, OSError):
        memory_gib = 4
    return max(1, min(2 * cpus, memory_gib // 2, 8))


def _run_child(
    argv: list[str], timeout: float, running: set[subprocess.Popen[str]]
) -> tuple[int | None, str]:
    """Run one audit process; returns its exit code (None if it had to be stopped) and stderr tail."""
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    running.add(child)
    try:
        _, err = child.communicate(timeout=timeout)
        return child.returncode, err[-_TAIL:]
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGTERM)
        try:
            _, err = child.communicate(timeout=_GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            _, err = child.communicate()
        return None, f"audit did not finish within {timeout:g}s and was stopped. {err[-_TAIL:]}"
    finally:
        running.discard(child)


def _stop_all(running: set[subprocess.Popen[str]]) -> None:
    """Ask every audit still running to remove its sandbox and end; kill those that do not."""
    for child in list(running):
        child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + _GRACE
    for child in list(running):
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


def _report_dir(run_dir: Path) -> Path | None:
    """Where the child wrote report.json: the run folder, or the one server folder of a config run."""
    if (run_dir / "report.json").is_file():
        return run_dir
    found = sorted(p.parent for p in run_dir.glob("*/report.json"))
    return found[0] if len(found) == 1 else None


def _judge(connector: Connector, report_dir: Path | None) -> tuple[str, tuple[Drift, ...], dict[str, Any]]:
    if report_dir is None:
        return "could not audit", (), {}
    try:
        report = load_report(report_dir)
    except TargetError:
        return "could not audit", (), {}
    if report.get("status") == "infra_error":  # the harness failed, not the server: nothing to compare
        return "could not audit", (), report
    if connector.baseline is None or not connector.baseline.exists():
        return "no baseline", (), report
    try:
        drift = tuple(compare(load_report(connector.baseline), report))
    except TargetError as exc:
        return "could not audit", (Drift("~", "baseline", str(exc)),), report
    return ("drift" if drift else "no drift"), drift, report


def audit_one(
    connector: Connector,
    out: Path,
    audit_options: list[str],
    timeout: float,
    running: set[subprocess.Popen[str]],
) -> NightlyEntry:
    """Audit one connector into ``out/<name>`` and compare the run with its baseline."""
    started = time.monotonic()
    run_dir = out / connector.name
    argv = [sys.executable, "-m", "harness", "audit", *connector.audit_args, "--out", str(run_dir)]
    code, stderr = _run_child(argv + audit_options, timeout, running)
    report_dir = _report_dir(run_dir)
    state, drift, report = _judge(connector, report_dir)
    reason = report.get("reason") if report else (stderr.strip().splitlines() or ["no report"])[-1]
    if code is None:
        state, reason = "could not audit", stderr.strip()
    return NightlyEntry(
        name=connector.name,
        state=state,
        audit_exit=code,
        drift=drift,
        findings=len(report.get("findings") or []),
        report=str((report_dir / "report.html").relative_to(out)) if report_dir else None,
        reason=reason,
        seconds=round(time.monotonic() - started, 1),
    )


def run_nightly(
    connectors: list[Connector],
    out: Path,
    jobs: int,
    audit_options: list[str],
    timeout: float,
    progress: Callable[[str, str], None],
) -> list[NightlyEntry]:
    """Audit every connector, ``jobs`` at a time; results in the connectors' order."""
    out.mkdir(parents=True, exist_ok=True)
    running: set[subprocess.Popen[str]] = set()
    stopping = threading.Event()

    def one(connector: Connector) -> NightlyEntry:
        if stopping.is_set():
            raise KeyboardInterrupt
        progress(connector.name, "auditing")
        entry = audit_one(connector, out, audit_options, timeout, running)
        progress(connector.name, f"{entry.state} ({entry.seconds:g}s)")
        return entry

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        return list(pool.map(one, connectors))
    except BaseException:  # Ctrl-C or SIGTERM: stop the queue and every audit in flight
        stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_all(running)
        raise
    finally:
        pool.shutdown(wait=True)
