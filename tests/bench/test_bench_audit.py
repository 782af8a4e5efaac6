"""Wall time of a default audit of a small server (3 cheap tools), container start to report
(run with ``make bench``; needs a Docker engine). Goal: under 10 s on a 2-core machine at rest."""

import json

import pytest

from tests.conftest import REPO, run_cli, unique_dir

pytestmark = pytest.mark.docker


def test_bench_default_audit_of_a_three_tool_server(benchmark, tmp_path):
    target = REPO / "tests/fixtures/servers/three-tools"
    run_cli("images")

    def audit() -> dict[str, float]:
        out = unique_dir(tmp_path, "run")
        proc = run_cli("audit", str(target), "--out", str(out))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads((out / "report.json").read_text())

    report = benchmark.pedantic(audit, rounds=3, warmup_rounds=1)
    benchmark.extra_info["audit_seconds"] = round(report["finished"] - report["started"], 2)
    assert report["status"] == "completed"
