"""A hostile server cannot hurt the host, the harness or the reader, nor buy a clean verdict.

Each test audits one small server from ``server/behaviours/`` for real and asserts the same
bounds: the run ends (a generous timeout, not a timed assertion), a report is written with
the right status and reason, the harness's peak memory and the run folder's disk use stay
under the bounds below, nothing the server wrote reaches the terminal as an escape, and no
container or volume is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, labelled_containers, unique_dir

pytestmark = pytest.mark.docker

SERVER = Path(__file__).parent / "server"
TIMEOUT = 900.0
"""Seconds a run may take before the test kills it: generous, a hang is the only way to exceed it."""
RSS_BOUND = 512 << 20
"""Peak resident memory of the harness process (and its children) in bytes; an unbounded harness
took 2.2 GB reading a filled home whole."""
DISK_BOUND = 256 << 20
"""Disk blocks the run folder may use: home 64 MiB + capture 64 MiB + gateway event log 32 MiB and
its merged copy in events.jsonl + stderr 1.3 MiB + reports."""
_TERMINAL_CONTROL = [chr(c) for c in range(0x20) if chr(c) not in "\n\t"] + ["\x7f", "\x9b", "\x9d"]


@dataclass
class HostileRun:
    code: int
    stdout: str
    stderr: str
    out: Path
    wall: float
    peak_rss: int
    disk: int

    @property
    def report(self) -> dict[str, Any]:
        path = self.out / "report.json"
        assert path.is_file(), f"no report (exit {self.code}): {self.stderr[-600:]}"
        return dict(json.loads(path.read_text()))

    def findings(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if f["kind"] == kind]


def _disk_use(folder: Path) -> int:
    return sum(p.lstat().st_blocks * 512 for p in folder.rglob("*"))


def _leftover_volumes(prefix: str) -> list[str]:
    import docker

    volumes = docker.from_env().volumes.list(filters={"label": "mcp-harness"})
    labels = {str(v.name): str((v.attrs.get("Labels") or {}).get("mcp-harness", "")) for v in volumes}
    return [name for name, run_id in labels.items() if run_id.startswith(prefix)]


def audit_hostile(behaviour: str, tmp_path: Path) -> HostileRun:
    """Run the CLI on one behaviour; peak RSS from the kernel's accounting of that child alone."""
    out = unique_dir(tmp_path, "run")
    argv = [sys.executable, "-m", "harness", "audit", str(SERVER), "--arg", behaviour, "--out", str(out)]
    argv += ["--linger", "2", "--call-timeout", "60", "--rounds", "1"]
    started = time.monotonic()
    with (tmp_path / "stdout").open("w+b") as stdout, (tmp_path / "stderr").open("w+b") as stderr:
        proc = subprocess.Popen(argv, cwd=REPO, stdout=stdout, stderr=stderr, start_new_session=True)
        killer = threading.Timer(TIMEOUT, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        wall = time.monotonic() - started
        stdout.seek(0), stderr.seek(0)
        text_out, text_err = stdout.read().decode(errors="replace"), stderr.read().decode(errors="replace")
    code, rss = proc.returncode, usage.ru_maxrss * 1024
    run = HostileRun(code, text_out, text_err, out, wall, rss, _disk_use(out))
    report = run.report if (out / "report.json").is_file() else {}
    print(
        f"\nHOSTILE {behaviour}: status={report.get('status')} exit={run.code} wall={wall:.0f}s"
        f" disk={run.disk >> 20}MiB rss={run.peak_rss >> 20}MiB reason={report.get('reason')!r}"
        f" findings={sorted({(f['kind'], f['destination'], f['count']) for f in report.get('findings', [])})}"
    )
    assert run.code != -signal.SIGKILL, f"the run did not finish within {TIMEOUT:.0f}s"
    assert run.peak_rss < RSS_BOUND, f"harness peaked at {run.peak_rss >> 20} MiB"
    assert run.disk < DISK_BOUND, f"run folder uses {run.disk >> 20} MiB"
    for char in _TERMINAL_CONTROL:
        assert char not in run.stdout + run.stderr, f"terminal output carries {char!r}"
    assert labelled_containers(out.name) == [], "containers left behind"
    assert _leftover_volumes(out.name) == [], "volumes left behind"
    return run


def test_a_server_filling_its_home_is_stopped_at_the_home_size_and_says_so(tmp_path):
    run = audit_hostile("home_filler", tmp_path)
    assert run.report["status"] == "completed"
    [full] = run.findings("resource_abuse")
    assert full["destination"] == "home disk"
    assert (run.out / "home/.cache.bin").stat().st_size <= 64 << 20


def test_a_stderr_flood_keeps_head_and_tail_and_states_the_rest(tmp_path):
    run = audit_hostile("stderr_flood", tmp_path)
    assert run.report["status"] == "completed"
    [cut] = run.findings("resource_abuse")
    assert cut["destination"] == "stderr"
    log = run.out / "server.stderr.log"
    assert log.stat().st_size < 2 << 20 and b"bytes of stderr not kept" in log.read_bytes()


def test_endless_stderr_does_not_stop_the_run_or_fill_the_disk(tmp_path):
    run = audit_hostile("stderr_endless", tmp_path)
    assert run.report["status"] == "completed"
    assert [f["destination"] for f in run.findings("resource_abuse")] == ["stderr"]
    assert (run.out / "server.stderr.log").stat().st_size < 2 << 20


def test_an_egress_flood_leaves_a_capture_cut_at_its_budget_and_says_so(tmp_path):
    run = audit_hostile("egress_flood", tmp_path)
    assert run.report["status"] == "completed"
    counts = json.loads((run.out / "gateway/capture.json").read_text())
    assert counts["dropped_packets"] > 0, counts  # the flood went past the budget
    assert "packet capture" in {f["destination"] for f in run.findings("resource_abuse")}
    assert (run.out / "capture.pcap").stat().st_size <= 64 << 20


def test_a_fork_bomb_is_one_finding_with_a_count(tmp_path):
    run = audit_hostile("fork_bomb", tmp_path)
    [spawns] = run.findings("process_spawn")
    assert spawns["count"] > 50
    assert len(run.report["findings"]) < 10


def test_escape_sequences_from_the_server_cannot_fake_the_verdict(tmp_path):
    run = audit_hostile("terminal_injector", tmp_path)
    assert run.code == run.report["exit_code"] != 0
    lines = run.stdout.splitlines()
    verdicts = [ln for ln in lines if ln.startswith(("CLEAN", "FINDINGS", "INCOMPLETE"))]
    assert verdicts and verdicts == lines[len(lines) - len(verdicts) :], run.stdout
    assert not any(ln.startswith("CLEAN") for ln in lines)
    junit = (run.out / "report.junit.xml").read_text()
    assert "\x1b" not in junit and "\x07" not in junit


def test_icmp_and_udp_lite_payloads_are_scanned_with_their_true_destinations(tmp_path):
    run = audit_hostile("icmp_exfil", tmp_path)
    assert run.report["status"] == "completed"
    leaks = {(f["channel"], f["destination"]) for f in run.findings("canary_exfiltration")}
    assert ("icmp", "198.51.100.9") in leaks
    assert ("udplite", "198.51.100.10:7000") in leaks


def test_a_setuid_shell_written_to_the_home_comes_back_plain_and_owned_by_us(tmp_path):
    run = audit_hostile("setuid_copy", tmp_path)
    assert run.report["status"] == "completed"
    copied = (run.out / "home/.local/bin/sh").stat()
    assert copied.st_mode & 0o7000 == 0 and copied.st_uid == os.getuid()


def test_the_server_s_mount_table_names_no_host_path(tmp_path):
    run = audit_hostile("mountinfo_reader", tmp_path)
    table = (run.out / "home/mountinfo.txt").read_text()
    assert " /home/" in table  # the home's mount point (the run's persona names the folder)
    for host_path in (str(run.out), str(tmp_path), str(REPO)):
        assert host_path not in table
