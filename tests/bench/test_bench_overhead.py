"""What an audit costs over just running the server (run with ``make bench``; needs a Docker engine).

Each round is one pair, run back to back so both meet the same load: ``mcp-harness audit`` of a
3-tool Python server in its basic pass (list, each tool twice, a 2 s linger, one launch), and the
floor: the same image under a bare ``docker run -i --rm --network none`` driven by the official
MCP client through the same calls (``bare_client.py``). Both are fresh processes, so both pay
their start-up. Goal: overhead at most 1.0 s, ratio at most 1.3.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from harness.sandbox.docker_sandbox import docker_client
from harness.sandbox.install import prepare
from harness.targets import parse_target
from tests.conftest import REPO, run_cli, unique_dir

pytestmark = pytest.mark.docker

TARGET = REPO / "tests/fixtures/servers/three-tools-python"
BASIC_PASS = ("--rounds", "2", "--launches", "1", "--linger", "2")
PAIRS = 3


def _timed(run: Callable[[], None]) -> float:
    started = time.monotonic()
    run()
    return time.monotonic() - started


def test_bench_audit_overhead_over_a_bare_docker_run_of_the_same_image(benchmark, tmp_path, report_figure):
    run_cli("images")
    prepared = prepare(docker_client(), parse_target(f"path:{TARGET}"))  # the image both runs use
    audits: list[float] = []
    bares: list[float] = []

    def audit() -> None:
        out = unique_dir(tmp_path, "run")
        proc = run_cli("audit", f"path:{TARGET}", "--out", str(out), "-q", *BASIC_PASS)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def bare() -> None:
        argv = [sys.executable, str(REPO / "tests/bench/bare_client.py"), prepared.image]
        proc = subprocess.run([*argv, *(prepared.command or [])], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]

    def pair() -> None:
        audits.append(_timed(audit))
        bares.append(_timed(bare))

    benchmark.pedantic(pair, rounds=PAIRS, warmup_rounds=1)
    audits, bares = audits[-PAIRS:], bares[-PAIRS:]  # the warm-up pair built and pulled nothing twice
    audited, floor = statistics.median(audits), statistics.median(bares)
    benchmark.extra_info |= {"audit_seconds": audits, "bare_seconds": bares}
    report_figure("basic audit of a 3-tool server, median", audited, "s", "floor + 1.0 s")
    report_figure("bare docker run + MCP client, same calls, median", floor, "s", "the floor")
    report_figure("audit overhead over the bare run", audited - floor, "s", "<= 1.0 s")
    report_figure("audit / bare run", audited / floor, "x", "<= 1.3")
