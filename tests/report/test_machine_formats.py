import json

from harness.model import AuditResult, AuditStatus, Finding, Severity
from harness.report.junit import write_junit
from harness.report.sarif import write_sarif


def _finding(kind: str, severity: Severity) -> Finding:
    return Finding(kind, severity, "title", "call-1", "sendEmail", "tok", "x@evil.example", "smtp", "ev", 4)


def _result(findings=(), status=AuditStatus.COMPLETED) -> AuditResult:
    return AuditResult(
        "demo",
        status,
        "why" if status != "completed" else None,
        1.0,
        2.0,
        None,
        (),
        (),
        (),
        tuple(findings),
        {"events": "events.jsonl"},
    )


def test_sarif_has_one_rule_per_kind_at_its_worst_severity_and_points_at_the_event_line(tmp_path):
    findings = [
        _finding("unexpected_recipient", Severity.MEDIUM),
        _finding("unexpected_recipient", Severity.HIGH),
    ]
    write_sarif(_result(findings), tmp_path / "r.sarif")
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["unexpected_recipient"]
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"] == "8.0"
    assert [r["level"] for r in run["results"]] == ["warning", "error"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5


def test_junit_fails_per_finding_errors_on_incomplete_and_passes_when_clean(tmp_path):
    write_junit(_result([_finding("canary_exfiltration", Severity.HIGH)]), tmp_path / "a.xml")
    assert 'failures="1"' in (tmp_path / "a.xml").read_text()
    write_junit(_result(status=AuditStatus.TARGET_ERROR), tmp_path / "b.xml")
    assert 'errors="1"' in (tmp_path / "b.xml").read_text()
    write_junit(_result(), tmp_path / "c.xml")
    clean = (tmp_path / "c.xml").read_text()
    assert 'failures="0"' in clean and 'errors="0"' in clean and 'tests="1"' in clean


def test_junit_findings_below_the_fail_threshold_pass_with_a_note(tmp_path):
    findings = [_finding("unexpected_egress", Severity.LOW), _finding("canary_exfiltration", Severity.HIGH)]
    write_junit(_result(findings), tmp_path / "a.xml")
    page = (tmp_path / "a.xml").read_text()
    assert 'failures="1"' in page and 'tests="2"' in page
    assert "low, below fail-on medium" in page
