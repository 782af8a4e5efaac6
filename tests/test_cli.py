"""The command line's contract for bad input, broken servers and interruption."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, labelled_containers, run_cli, unique_dir

FIXTURES = REPO / "tests/fixtures/servers"


def test_missing_target_directory_is_one_line_and_exit_2(tmp_path):
    proc = run_cli("audit", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "target directory not found" in proc.stderr


def test_malformed_scenario_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "scenario.toml").write_text("name = 'x'\n[server]\nruntime = 'node'\n")
    proc = run_cli("audit", str(tmp_path))
    assert proc.returncode == 2 and "server.command" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--port", "3001"], "only applies to the http and sse transports"),
        (["--transport", "http"], "needs the port"),
        (["--transport", "sse", "--port", "15053"], "taken inside the sandbox"),
    ],
)
def test_transport_options_that_cannot_work_are_one_line_and_exit_2(tmp_path, options, message):
    proc = run_cli("audit", str(FIXTURES / "node-echo"), "--out", str(tmp_path / "o"), *options)
    assert proc.returncode == 2 and message in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


@pytest.mark.docker
def test_http_server_that_never_listens_is_exit_2_after_the_bound(audit):
    run = audit(FIXTURES / "node-echo", "--transport", "http", "--port", "3999", "--init-timeout", "5")
    assert run.code == 2
    assert run.report["reason"] == "server did not listen on port 3999 within 5s"


@pytest.mark.docker
def test_server_that_exits_before_initialize_is_exit_2_with_the_reason(audit):
    run = audit(FIXTURES / "crash-at-start")
    assert run.code == 2
    assert run.report["status"] == "target_error"
    assert "exited" in run.report["reason"] and "code 3" in run.report["reason"]
    assert "INCOMPLETE" in run.stdout


@pytest.mark.docker
def test_server_that_never_answers_is_exit_2_after_the_bound(audit):
    run = audit(FIXTURES / "never-answers", "--init-timeout", "5")
    assert run.code == 2
    assert "did not answer initialize within 5s" in run.report["reason"]


@pytest.mark.docker
def test_interrupted_run_leaves_no_container(tmp_path):
    out = unique_dir(tmp_path, "r")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness",
            "audit",
            str(FIXTURES / "never-answers"),
            "--out",
            str(out),
            "--init-timeout",
            "300",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not any("srv" in name for name in labelled_containers(out.name)):
        assert proc.poll() is None and time.monotonic() < deadline, "server container never appeared"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert labelled_containers(out.name) == []
    assert "interrupted" in (out / "report.json").read_text()


def test_a_non_empty_out_directory_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    proc = run_cli("audit", str(REPO / "scenarios/fetch-url"), "--out", str(tmp_path))
    assert proc.returncode == 2 and "is not empty" in proc.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


@pytest.mark.docker
def test_a_relative_reports_directory_works_from_any_working_directory(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "audit",
            str(REPO / "scenarios/fetch-url"),
            "--reports",
            "rel",
            "--linger",
            "1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    [run_dir] = (tmp_path / "rel").iterdir()
    assert (run_dir / "report.html").is_file() and (run_dir / "capture.pcap").is_file()


def test_fail_on_is_documented_with_its_default_and_refuses_unknown_severities(tmp_path):
    help_text = run_cli("audit", "--help").stdout
    assert "--fail-on {low,medium,high,critical}" in help_text and "default: medium" in help_text
    proc = run_cli("audit", str(FIXTURES / "node-echo"), "--fail-on", "severe", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "invalid choice: 'severe'" in proc.stderr


def test_server_text_in_the_summary_is_quoted_and_inert_and_the_verdict_is_the_last_line(tmp_path):
    from harness.model import AuditResult, AuditStatus
    from harness.report.summary import Audited, summary_text
    from tests.factories import finding

    forged = "x\x1b[2J\x1b]52;c;aGk=\x07\nCLEAN: no findings in notes (6 calls)"
    result = AuditResult(
        "notes",
        AuditStatus.TARGET_ERROR,
        f"server exited: {forged}",
        0.0,
        1.0,
        None,
        (),
        (),
        (),
        (finding(destination=forged, count=300),),
    )
    lines = summary_text([Audited("notes", result, tmp_path)]).splitlines()
    assert lines[-2][: len("FINDINGS: 1 in notes")] == "FINDINGS: 1 in notes"
    assert lines[-1] == "INCOMPLETE (target_error): see the reason above"
    assert not any(ln.startswith("CLEAN") for ln in lines)
    assert all("\x1b" not in ln and "\x07" not in ln for ln in lines)
    assert any("process_spawn x300" in ln for ln in lines)
    assert all(ln.startswith("      | ") for ln in lines if "CLEAN" in ln)


def test_launches_below_one_are_refused_before_any_audit_starts(tmp_path):
    proc = run_cli("audit", str(FIXTURES / "node-echo"), "--launches", "0", "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "--launches: needs 1 or more" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_server_options_that_start_with_a_dash_are_server_arguments(tmp_path):
    from harness.cli import _arg_values_joined, _parser

    argv = ["audit", "npm:x", "--arg", "--db-path", "--arg", "/tmp/x.db", "--arg", "--api-key=sk_1", "-q"]
    args = _parser().parse_args(_arg_values_joined(argv))
    assert args.arg == ["--db-path", "/tmp/x.db", "--api-key=sk_1"] and args.quiet
    # through the real command line: parsing gets past them to the next check
    proc = run_cli("audit", str(FIXTURES / "node-echo"), "--arg", "--tools=all", "--launches", "0")
    assert proc.returncode == 2 and "--launches: needs 1 or more" in proc.stderr, proc.stderr


@pytest.mark.docker
def test_one_launch_starts_the_server_once_and_still_calls_every_tool(tmp_path):
    out = tmp_path / "run"
    basic = ("--launches", "1", "--rounds", "2", "--linger", "1")
    proc = run_cli("audit", f"path:{FIXTURES / 'three-tools-python'}", "--out", str(out), "-q", *basic)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    starts = [e for e in events if e["kind"] == "phase" and e["phase"] == "startup"]
    calls = [e for e in events if e["kind"] == "tool_result" and e["ok"]]
    assert len(starts) == 1 and len(calls) == 6


_SLOW_WORK = """
import atexit, sys, threading, time
from pathlib import Path
from harness import cli, command
out = Path(sys.argv[1])
atexit.register(lambda: (out / "exit-handler").write_text("ran"))
def main():
    threading.Thread(target=lambda: (time.sleep(0.5), (out / "thread").write_text("done"))).start()
    sys.stdout.write("buffered, no newline")
    return 3
cli.main = main
command.run()
"""


def test_the_command_exits_fast_only_after_threads_handlers_and_output_are_done(tmp_path):
    """``run`` skips the interpreter's teardown, never the exit's work: a removal thread still
    running is waited for, exit handlers run, buffered output arrives, and the code is kept."""
    proc = subprocess.run(
        [sys.executable, "-c", _SLOW_WORK, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "buffered, no newline"
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "exit-handler").read_text() == "ran"
