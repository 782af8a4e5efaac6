"""A server listing more tools than a drive calls: a random sample is called, every definition is
judged, and the report says so in each of its forms; the run is never called clean."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO

SERVER = REPO / "tests/hostile/raw-mcp"
pytestmark = pytest.mark.docker


def test_a_sampled_drive_says_which_tools_it_called_and_is_incomplete_never_clean(audit):
    run = audit(SERVER, "--arg", "many", "--arg", "40", "--tools-called", "6", "--linger", "1")
    report, coverage = run.report, run.report["coverage"]
    assert run.code == 2 and report["status"] == "incomplete"
    assert "sampled: 6 tools of 40 called (chosen at random), 34 only listed and judged" in report["reason"]
    assert coverage["tools"] == {"listed": 40, "called": 6, "answered": 6, "succeeded": 6}
    sample = coverage["sample"]
    called = {name for name, _ in sample["called"]}
    assert len(called) == 6 and all(requests >= 2 for _, requests in sample["called"])
    assert {c["tool"] for c in report["calls"]} == called  # nothing outside the sample was called
    assert sorted(called | set(sample["judged_only"])) == sorted(f"tool_{n}" for n in range(40))
    assert "INCOMPLETE" in run.stdout and "CLEAN" not in run.stdout
    assert "sampled 6 of 40 tools, 34 listed and judged only" in run.stdout
    page = (run.out / "report.html").read_text()
    assert "the server listed 40 tools; 6 of them, chosen at random, were called" in page
    assert json.loads((run.out / "report.json").read_text())["exit_code"] == 2


def test_a_server_listing_no_more_tools_than_the_bound_is_called_whole_and_not_sampled(audit):
    run = audit(SERVER, "--arg", "many", "--arg", "6", "--tools-called", "6", "--linger", "1")
    report = run.report
    assert run.code == 0 and report["status"] == "completed", report["reason"]
    assert report["coverage"]["sample"] is None and report["coverage"]["tools"]["called"] == 6
