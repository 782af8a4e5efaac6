"""Wall time of a default (full) audit of a small server (3 cheap tools), as a user waits for it:
the CLI from start to verdict (run with ``make bench``; needs a Docker engine). Goal: under 10 s on
a 2-core machine at rest."""

import json
import statistics
import time

import pytest

from tests.conftest import REPO, run_cli, unique_dir

pytestmark = pytest.mark.docker


def test_bench_default_audit_of_a_three_tool_server(benchmark, tmp_path, report_figure):
    target = REPO / "tests/fixtures/servers/three-tools"
    run_cli("images")
    walls: list[float] = []

    def audit() -> dict[str, float]:
        out = unique_dir(tmp_path, "run")
        started = time.monotonic()
        proc = run_cli("audit", str(target), "--out", str(out), "-q")
        walls.append(time.monotonic() - started)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads((out / "report.json").read_text())

    report = benchmark.pedantic(audit, rounds=3, warmup_rounds=1)
    benchmark.extra_info["audit_seconds"] = round(report["finished"] - report["started"], 2)
    assert report["status"] == "completed"
    report_figure("default audit of a 3-tool server, median", statistics.median(walls[-3:]), "s", "< 10 s")
