"""JUnit a dashboard can track: the same cases every run, failures that say what and how bad."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.model import Approval, AuditResult, AuditStatus, Finding, Severity
from harness.report.junit import OUTSIDE, write_junit, write_junit_suites
from harness.report.rules import RULES


def _finding(kind: str, tool: str | None, severity=Severity.HIGH, approval=None, destination="x.example"):
    return Finding(
        kind,
        severity,
        "title",
        "c1",
        tool,
        None,
        destination,
        "https",
        "EVIDENCE-BYTES",
        0,
        approval=approval,
    )


def _result(*findings, status=AuditStatus.COMPLETED, tools=("send", "list")) -> AuditResult:
    listed = tuple({"name": t} for t in tools)
    return AuditResult(
        "mailer", status, "why" if status != "completed" else None, 1.0, 2.0, None, listed, (), (), findings
    )


def _cases(tmp_path, result) -> dict[str, ET.Element]:
    write_junit(result, tmp_path / "r.xml")
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert int(suite.get("tests")) == len(suite)
    return {c.get("name"): c for c in suite}


def test_a_clean_run_and_a_run_with_findings_have_the_same_case_names(tmp_path):
    clean = _cases(tmp_path, _result())
    dirty = _cases(tmp_path, _result(*[_finding("unexpected_egress", "send") for _ in range(30)]))
    assert list(clean) == list(dirty)
    assert set(clean) == {"audit completes", OUTSIDE, "tool: send", "tool: list"} | {
        f"check: {k}" for k in RULES
    }
    assert not any(c.find("failure") is not None for c in clean.values())


def test_a_failure_names_the_worst_severity_and_the_evidence(tmp_path):
    cases = _cases(
        tmp_path,
        _result(
            _finding("unexpected_egress", "send", Severity.MEDIUM), _finding("canary_exfiltration", "send")
        ),
    )
    failure = cases["tool: send"].find("failure")
    assert failure.get("type") == "high" and failure.get("message").startswith("[high] canary_exfiltration")
    assert "(+1 more)" in failure.get("message") and "EVIDENCE-BYTES" in failure.text
    assert cases["check: unexpected_egress"].find("failure").get("type") == "medium"
    assert cases["tool: list"].find("failure") is None


def test_behaviour_outside_tools_and_approved_findings(tmp_path):
    startup = _finding("unexpected_egress", None)
    approved = _finding("canary_exfiltration", "send", approval=Approval("ann", "vendor relay"))
    cases = _cases(tmp_path, _result(startup, approved))
    assert cases[OUTSIDE].find("failure") is not None
    assert cases["tool: send"].find("failure") is None
    assert "approved by ann (vendor relay)" in cases["tool: send"].find("system-out").text


def test_an_incomplete_audit_is_an_error(tmp_path):
    cases = _cases(tmp_path, _result(status=AuditStatus.TARGET_ERROR, tools=()))
    assert cases["audit completes"].find("error").get("message") == "why"


def test_hostile_tool_names_still_make_well_formed_xml(tmp_path):
    name = "evil\x1b[2J\x00\x07<b>"
    cases = _cases(tmp_path, _result(_finding("tool_poisoning", name), tools=(name,)))
    assert "tool: evil␛\\x00\\x07<b>" in cases


def test_a_config_run_is_one_document_with_a_suite_per_server(tmp_path):
    other = AuditResult("time", AuditStatus.COMPLETED, None, 1.0, 2.0, None, (), (), (), ())
    write_junit_suites([_result(_finding("canary_exfiltration", "send")), other], tmp_path / "all.xml")
    root = ET.parse(tmp_path / "all.xml").getroot()
    assert root.tag == "testsuites" and [s.get("name") for s in root] == [
        "mcp-harness:mailer",
        "mcp-harness:time",
    ]
    assert int(root.get("failures")) == 2 and int(root.get("tests")) == sum(len(s) for s in root)


def test_findings_below_the_fail_threshold_pass_with_a_note_so_junit_agrees_with_the_exit_code(tmp_path):
    low, high = _finding("unexpected_egress", "send", Severity.LOW), _finding("canary_exfiltration", "list")
    cases = _cases(tmp_path, _result(low, high))
    assert cases["tool: send"].find("failure") is None
    assert "low, below fail-on medium" in cases["tool: send"].find("system-out").text
    assert cases["tool: list"].find("failure").get("type") == "high"
