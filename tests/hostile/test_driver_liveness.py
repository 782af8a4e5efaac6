"""Hostile servers against the driver: each must end in a verdict that says what was exercised.

One behaviour per file in ``raw-mcp/`` (raw JSON-RPC, no SDK), chosen by ``--arg``. Each test
asserts the status, the reason and the coverage; none asserts a duration (bounds only keep a
broken harness from hanging the suite).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, audit_measured, labelled_containers, unique_dir

SERVER = REPO / "tests/hostile/raw-mcp"
pytestmark = pytest.mark.docker


def _events(run, kind: str) -> list[dict]:
    lines = (run.out / "events.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["kind"] == kind]


def test_a_server_whose_every_call_hangs_is_incomplete_after_a_few_silent_calls(audit):
    run = audit(SERVER, "--arg", "hang", "--call-timeout", "5")
    report, coverage = run.report, run.report["coverage"]
    assert run.code == 2 and report["status"] == "incomplete"
    assert "3 requests in a row got no answer within 5s; stopped asking" in report["reason"]
    assert coverage["tools"] == {"listed": 6, "called": 3, "answered": 0, "succeeded": 0}
    assert (coverage["calls"], coverage["unanswered"]) == (3, 3)
    assert "INCOMPLETE" in run.stdout and "CLEAN" not in run.stdout
    assert "tools 6 listed / 3 called / 0 answered" in run.stdout


def test_a_listing_spread_over_25_pages_is_followed_to_its_last_page(audit):
    run = audit(SERVER, "--arg", "pages")
    report = run.report
    assert run.code == 0 and report["status"] == "completed", report["reason"]
    assert report["coverage"]["tools"] == {"listed": 25, "called": 25, "answered": 25, "succeeded": 25}
    assert "page_25_tool" in {c["tool"] for c in report["calls"]}


def test_a_listing_the_sdk_rejects_is_still_exercised_and_its_defects_are_info(audit):
    run = audit(SERVER, "--arg", "malformed")
    report = run.report
    assert report["status"] == "completed", report["reason"]
    assert run.code == 0 and "highest info" in run.stdout and "INCOMPLETE" not in run.stdout
    assert {c["tool"] for c in report["calls"]} == {"no_type", "lone_surrogate", "wrong_shapes"}
    assert report["coverage"]["tools"]["succeeded"] == 3
    defects = {f["destination"]: f for f in report["findings"]}
    assert {f["severity"] for f in defects.values()} == {"info"}
    assert "inputSchema.type: Field required" in defects["tools: no_type"]["evidence"]
    assert "description: Input should be a valid string" in defects["tools: wrong_shapes"]["evidence"]
    assert "lone surrogates" in defects["stdout"]["evidence"]
    assert "Broken \ufffd text." in {t.get("description") for t in report["tools"]}


def test_a_server_that_closes_stdout_and_keeps_running_is_noticed_at_its_first_call(audit):
    run = audit(SERVER, "--arg", "close-stdout", "--call-timeout", "600")
    report = run.report
    assert run.code == 2 and report["status"] == "incomplete"
    assert "stopped early: the server closed its stdout while still running" in report["reason"]
    [result] = _events(run, "tool_result")  # one call, ended by the closed pipe, not by its timeout
    assert result["error"] == "the server closed its stdout while still running" and not result["answered"]
    assert report["coverage"]["tools"] == {"listed": 3, "called": 1, "answered": 0, "succeeded": 0}


def test_a_server_spinning_its_cpu_is_stated_and_incomplete(audit):
    run = audit(SERVER, "--arg", "spin", "--call-timeout", "8")
    report = run.report
    assert run.code == 2 and report["status"] == "incomplete"
    assert "ran at its CPU limit" in report["reason"]
    assert report["coverage"]["unanswered"] == 3 and report["coverage"]["tools"]["answered"] == 0


def test_a_definition_changed_during_the_linger_is_caught_with_its_diff(audit):
    run = audit(SERVER, "--arg", "late-change", "--linger", "6")
    report = run.report
    assert report["status"] == "completed", report["reason"]
    [changed] = [f for f in report["findings"] if f["kind"] == "tool_definition_changed"]
    assert changed["tool"] == "weather" and "listing (list_changed)" in changed["detail"]
    assert "+" in changed["detail"] and "forecast-desk@weather-alerts.example" in changed["detail"]
    assert run.code == 1


def test_a_re_listing_that_hangs_is_could_not_re_list_never_disappeared(audit):
    run = audit(SERVER, "--arg", "relist-hangs", "--call-timeout", "5")
    report = run.report
    assert report["findings"] == []
    assert run.code == 2 and report["status"] == "incomplete"
    assert "could not re-list tools (final): page 1 got no answer within 5s" in report["reason"]
    assert report["coverage"]["tools"] == {"listed": 2, "called": 2, "answered": 2, "succeeded": 2}


def test_stdout_noise_is_one_info_finding_with_a_sample_and_costs_nothing(audit):
    run = audit(SERVER, "--arg", "noisy")
    report = run.report
    assert run.code == 0 and report["status"] == "completed", report["reason"]
    [noise] = report["findings"]
    assert noise["kind"] == "protocol_defect" and noise["severity"] == "info"
    assert "on stdout were not JSON-RPC" in noise["evidence"]
    assert "read back from behind other output" in noise["evidence"]
    assert "[debug] cache warm-up step 0" in noise["evidence"]
    assert len(run.stdout) + len(run.stderr) < 10_000  # no traceback per line


def test_a_256_mib_line_is_refused_and_the_harness_memory_stays_bounded(tmp_path):
    """The harness's peak memory is the kernel's high-water mark of the CLI process itself, read
    until it ends (the docker client it runs buffers on its own account, more under load)."""
    out, log = unique_dir(tmp_path, "run"), tmp_path / "cli.log"
    code, _, peak_mib = audit_measured(
        str(SERVER), "--out", str(out), "--arg", "flood", "--linger", "1", log=log
    )
    assert code == 0, log.read_text()
    assert 0 < peak_mib < 256, f"the harness held {peak_mib:.0f} MiB for a 256 MiB line"
    report = json.loads((out / "report.json").read_text())
    [refused] = [f for f in report["findings"] if f["kind"] == "protocol_defect"]
    assert "over the 16777216-byte limit refused (largest 268435456 bytes)" in refused["evidence"]
    assert labelled_containers(out.name) == []
