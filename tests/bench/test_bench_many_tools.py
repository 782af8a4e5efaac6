"""A server listing 10,000 tools, audited whole (``make bench``; needs a Docker engine): wall time
and the harness's own peak memory (VmHWM of the CLI process, not its children), beside the goals.
A drive calls a random sample of such a listing and judges every definition, so both stay flat."""

import json
import statistics

import pytest

from tests.conftest import REPO, audit_measured, labelled_containers, run_cli, unique_dir

pytestmark = pytest.mark.docker
SERVER = REPO / "tests/hostile/raw-mcp"
TOOLS = 10_000


def test_bench_audit_of_a_server_with_10000_tools(benchmark, report_figure, tmp_path):
    run_cli("images")
    seconds: list[float] = []
    peaks: list[float] = []

    def audit() -> dict:
        out = unique_dir(tmp_path, "run")
        code, took, peak = audit_measured(
            str(SERVER),
            "--arg",
            "many",
            "--arg",
            str(TOOLS),
            "--out",
            str(out),
            "-q",
            log=tmp_path / "cli.log",
        )
        assert code == 2, (tmp_path / "cli.log").read_text()  # sampled: incomplete, never clean
        seconds.append(took)
        peaks.append(peak)
        assert labelled_containers(out.name) == []
        return json.loads((out / "report.json").read_text())

    report = benchmark.pedantic(audit, rounds=3, iterations=1)
    assert report["coverage"]["sample"]["listed"] == TOOLS
    if benchmark.stats is not None:
        report_figure(
            f"audit of {TOOLS:,} tools, median wall time", statistics.median(seconds), "s", "< 60 s"
        )
        peak_mb = max(peaks) * (1 << 20) / 1e6
        report_figure(f"audit of {TOOLS:,} tools, harness peak memory (VmHWM)", peak_mb, "MB", "< 300 MB")
