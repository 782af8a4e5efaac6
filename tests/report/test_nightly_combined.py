"""A night's combined SARIF and JUnit: one run and one suite per connector, drift and failures included."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from harness.compare import Drift
from harness.model import AuditResult, AuditStatus
from harness.nightly.runner import NightlyEntry
from harness.report.junit import write_junit
from harness.report.nightly import write_nightly
from harness.report.nightly_combined import DRIFT_CASE
from harness.report.sarif import Located, write_sarif
from tests import factories as f
from tests.report.test_sarif import SCHEMA, _leak


def _audited(out: Path, name: str, *findings, target: str | None = None) -> str:
    """A connector's run folder as its audit leaves it; returns its report.html relative to ``out``."""
    run_dir = out / name
    run_dir.mkdir(parents=True)
    calls = (f.call(("qx7t2m9klp4a",), tool="send"),)
    result = AuditResult(
        target or name, AuditStatus.COMPLETED, None, 1.0, 2.0, None, (), calls, (), tuple(findings)
    )
    write_sarif(result, run_dir / "report.sarif", Located(events="events.jsonl"))
    write_junit(result, run_dir / "report.junit.xml")
    return f"{name}/report.html"


def _entry(name: str, state: str, report: str | None, *drift: Drift, reason: str | None = None):
    return NightlyEntry(name, state, 0 if report else None, drift, 0, report, reason, 3.0)


@pytest.fixture
def night(tmp_path) -> Path:
    turned = Drift("+", "finding", "unexpected_recipient ops@relay.example", "(sendEmail)")
    entries = [
        _entry("quiet", "no drift", _audited(tmp_path, "quiet", target="mailer")),  # a second of one package
        _entry("mailer", "drift", _audited(tmp_path, "mailer", _leak("qx7t2m9klp4a")), turned),
        _entry("newcomer", "no baseline", _audited(tmp_path, "newcomer")),
        _entry("gone", "could not audit", None, reason="target not found: \x1b[2Jno-such-dir"),
    ]
    write_nightly(entries, tmp_path, "connectors.toml", 12.0, 2)
    return tmp_path


def test_the_combined_sarif_is_valid_2_1_0_with_one_run_per_connector_in_the_index_order(night):
    log = json.loads((night / "nightly.sarif").read_text())
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    runs = log["runs"]
    assert [r["properties"]["nightly"]["connector"] for r in runs] == ["gone", "mailer", "newcomer", "quiet"]
    assert [r["automationDetails"]["id"] for r in runs][1:] == [
        "mcp-harness/mailer/",
        "mcp-harness/newcomer/",
        "mcp-harness/quiet/",
    ]


def test_the_combined_sarif_carries_drift_findings_relocated_under_the_night_and_who_was_not_audited(night):
    gone, mailer = json.loads((night / "nightly.sarif").read_text())["runs"][:2]
    assert mailer["properties"]["nightly"]["state"] == "drift"
    assert mailer["properties"]["nightly"]["drift"] == [
        "+ finding unexpected_recipient ops@relay.example: (sendEmail)"
    ]
    [result] = mailer["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "mailer/events.jsonl"
    [invocation] = gone["invocations"]
    assert invocation["executionSuccessful"] is False and gone["results"] == []
    note = invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert "no-such-dir" in note and "\x1b" not in note


def test_the_combined_junit_parses_back_into_one_suite_per_connector_with_drift_as_a_failure(night):
    root = ET.parse(night / "nightly.junit.xml").getroot()
    suites = {s.get("name"): s for s in root}
    assert list(suites) == [
        "mcp-harness:gone",
        "mcp-harness:mailer",
        "mcp-harness:newcomer",
        "mcp-harness:quiet",
    ]
    cases = {s: {c.get("name"): c for c in suite} for s, suite in suites.items()}
    drift = cases["mcp-harness:mailer"][DRIFT_CASE].find("failure")
    assert drift is not None and drift.get("message").startswith("+ finding unexpected_recipient")
    assert cases["mcp-harness:newcomer"][DRIFT_CASE].find("skipped") is not None
    assert list(cases["mcp-harness:quiet"][DRIFT_CASE]) == []
    assert cases["mcp-harness:gone"]["audit completes"].find("error") is not None
    for suite in root:
        assert int(suite.get("tests")) == len(suite)
    assert int(root.get("tests")) == sum(len(s) for s in root)
    # the mailer's own finding case and its drift case fail; the lost connector is an error
    assert (root.get("failures"), root.get("errors"), root.get("skipped")) == ("3", "1", "1")
