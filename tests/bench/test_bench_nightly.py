"""Nightly throughput: 20 small servers audited with --jobs 1, 2 and 4 (run with ``make bench``).

Goal on the 2-core reference machine: 20 servers in under 3 minutes, warm (images built and
packages installed before the timed nights, by a first untimed night).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.docker

_SMALL = ("fetch-url", "smtp-bcc-requested", "postmark/benign", "smtp-starttls-bcc-requested")
_SERVERS = 20
_GOAL_SECONDS = 180.0


def _connectors(path, count: int) -> None:
    path.write_text(
        "".join(
            f'[[connector]]\nname = "s{n:02d}"\ntarget = "{REPO}/scenarios/{_SMALL[n % len(_SMALL)]}"\n\n'
            for n in range(count)
        )
    )


def _night(connectors, out, jobs: int) -> float:
    started = time.monotonic()
    proc = run_cli("nightly", str(connectors), "--out", str(out), "--jobs", str(jobs), "--", "--linger", "2")
    elapsed = time.monotonic() - started
    index = json.loads((out / "nightly.json").read_text())
    assert index["counts"]["could not audit"] == 0, proc.stdout + proc.stderr
    return elapsed


def test_bench_nightly_throughput_with_1_2_and_4_jobs(tmp_path, benchmark, report_figure):
    _connectors(tmp_path / "warm.toml", len(_SMALL))
    _night(tmp_path / "warm.toml", tmp_path / "warm", len(_SMALL))  # build and install, untimed
    _connectors(tmp_path / "night.toml", _SERVERS)
    figures = {jobs: _night(tmp_path / "night.toml", tmp_path / f"jobs{jobs}", jobs) for jobs in (1, 2)}
    # the measured round: the widest night, on a fresh output folder
    figures[4] = benchmark.pedantic(_night, args=(tmp_path / "night.toml", tmp_path / "jobs4", 4), rounds=1)
    benchmark.extra_info.update({f"jobs{j}_seconds": round(s, 1) for j, s in figures.items()})
    for jobs, seconds in figures.items():
        report_figure(
            f"nightly --jobs {jobs}, {_SERVERS} servers ({_SERVERS * 60 / seconds:.1f} servers/min)",
            seconds,
            "s",
            f"< {_GOAL_SECONDS:.0f} s",
        )
