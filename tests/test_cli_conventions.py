"""The command line as CI and people use it: version, JSON on stdout, approvals, config-file outputs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from harness.version import __version__
from tests.conftest import REPO, run_cli, unique_dir
from tests.report.test_sarif import SCHEMA

USAGE_PING = REPO / "tests/fixtures/servers/usage-ping"


def test_version_names_the_installed_release():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"mcp-harness {__version__}"


def test_a_broken_policy_stops_the_audit_before_anything_runs(tmp_path):
    (tmp_path / "p.toml").write_text("version = 7\n")
    proc = run_cli(
        "audit", str(USAGE_PING), "--policy", str(tmp_path / "p.toml"), "--out", str(tmp_path / "o")
    )
    assert proc.returncode == 2 and "not a version 1 policy" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and not (tmp_path / "o").exists()
    as_json = run_cli("audit", str(USAGE_PING), "--policy", str(tmp_path / "p.toml"), "--format", "json")
    assert json.loads(as_json.stdout)["exit_code"] == 2 and "version 1" in json.loads(as_json.stdout)["error"]


def test_approving_a_run_that_is_not_one_is_one_clear_error(tmp_path):
    proc = run_cli("approve", str(tmp_path), "-o", str(tmp_path / "p.toml"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr


@pytest.mark.docker
def test_approving_a_low_finding_turns_the_next_audit_green_and_still_shows_it(audit, tmp_path):
    # --fail-on low: the usage ping is a low finding, which the default threshold (medium) lets pass
    first = audit(USAGE_PING, "--format", "json", "--fail-on", "low")
    assert first.stdout.startswith("{"), first.stderr
    summary = json.loads(first.stdout)
    assert (first.code, summary["exit_code"]) == (1, 1), first.stderr
    [server] = summary["servers"]
    assert [(f["kind"], f["severity"], f["approved"]) for f in server["findings"]] == [
        ("unexpected_egress", "low", None)
    ]
    assert "call 1: tool add" in first.stderr  # progress, on stderr, one plain line per step when piped
    [result] = json.loads((first.out / "report.sarif").read_text())["runs"][0]["results"]
    manifest = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert manifest == "tests/fixtures/servers/usage-ping/scenario.toml"  # a file the checkout holds

    policy = tmp_path / "policy.toml"
    approve = run_cli(
        "approve", str(first.out), "--by", "ann", "--reason", "usage counter", "-o", str(policy)
    )
    assert approve.returncode == 0 and "approved 1 new behaviour of usage-ping" in approve.stdout
    assert 'host = "stats.usage-counter.example"' in policy.read_text()

    second = audit(USAGE_PING, "--policy", str(policy), "--format", "json", "-q", "--fail-on", "low")
    summary = json.loads(second.stdout)
    assert (second.code, summary["exit_code"]) == (0, 0), second.stderr
    assert summary["servers"][0]["findings"][0]["approved"] == {"by": "ann", "reason": "usage counter"}
    assert second.stderr == ""  # -q: no progress
    assert "approved by ann" in (second.out / "report.html").read_text()


@pytest.mark.docker
def test_a_config_run_prints_the_same_shape_and_writes_combined_sarif_and_junit(tmp_path):
    config = tmp_path / "mcp.json"
    servers = {
        "adder": {"command": "node", "args": [str(USAGE_PING / "index.js")]},
        "remote": {"url": "https://x.example/mcp"},
    }
    config.write_text(json.dumps({"mcpServers": servers}, indent=2))
    out = unique_dir(tmp_path, "cfg")
    argv = [
        "--config",
        str(config),
        "--out",
        str(out),
        "--linger",
        "2",
        "--format",
        "json",
        "--fail-on",
        "low",
    ]
    proc = run_cli("audit", *argv)
    assert proc.returncode == 2, proc.stderr  # one server could not be audited
    summary = json.loads(proc.stdout)
    assert [(s["name"], s["exit_code"]) for s in summary["servers"]] == [("adder", 1), ("remote", 2)]
    assert summary["index"] == str(out / "index.html")
    sarif = json.loads((out / "report.sarif").read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    [run] = sarif["runs"]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == str(config) and location["region"]["startLine"] == 3
    suites = ET.parse(out / "report.junit.xml").getroot()
    assert suites.tag == "testsuites" and [s.get("name") for s in suites] == ["mcp-harness:adder"]
    assert "report.sarif" in (out / "index.html").read_text()


@pytest.mark.parametrize(
    ("argv", "verbose", "quiet"),
    [
        (["-v", "audit", "x"], 1, False),
        (["audit", "-vv", "-q", "x"], 2, True),
        (["compare", "a", "b"], 0, False),
    ],
)
def test_loudness_flags_work_before_or_after_the_command(argv, verbose, quiet):
    from harness.cli import _parser

    args = _parser().parse_args(argv)
    assert (args.verbose, args.quiet) == (verbose, quiet)
