"""stdout of an audit: one shape for one target or many, terminal-safe, JSON for machines."""

from __future__ import annotations

from pathlib import Path

from harness.model import Approval, AuditResult, AuditStatus, Finding, Severity
from harness.report.summary import Audited, summary_json, summary_text


def _result(*findings: Finding, target: str = "mailer") -> AuditResult:
    return AuditResult(target, AuditStatus.COMPLETED, None, 1.0, 2.0, None, (), (), (), findings)


def _finding(destination: str, approval: Approval | None = None) -> Finding:
    return Finding(
        "unexpected_egress",
        Severity.LOW,
        "t",
        None,
        "add",
        None,
        destination,
        "dns",
        "",
        0,
        approval=approval,
    )


def test_single_and_config_runs_print_the_same_blocks():
    one = Audited("mailer", _result(_finding("a.example")), Path("r/mailer"))
    alone = summary_text([one])
    many = summary_text([one, Audited("remote", None, None, "remote-only url")], index=Path("r/index.html"))
    assert many.startswith(alone + "\n")
    assert many.splitlines()[-3:] == [
        "      | remote-only url",
        "INCOMPLETE (could not audit): remote",
        "index: r/index.html",
    ]


def test_server_text_cannot_drive_the_terminal():
    text = summary_text(
        [Audited("x", _result(_finding("a\x1b]0;pwned\x07.example"), target="m\x1b[2J"), None)]
    )
    assert "\x1b" not in text and "\x07" not in text
    assert "      | a␛.example via dns (add)" in text.splitlines() and text.splitlines()[-1].endswith(
        "in m␛, highest low"
    )


def test_approved_findings_are_listed_with_who_approved_them_and_do_not_count():
    item = Audited("mailer", _result(_finding("a.example", Approval("ann", "ours"))), None)
    text = summary_text([item])
    assert text.splitlines()[-1] == "APPROVED: 1 in mailer (1 approved)"
    assert "  [low] unexpected_egress (approved by ann):" in text and "      | approved: ours" in text
    data = summary_json([item])
    assert (data["servers"][0]["fail_on"], data["servers"][0]["highest_severity"]) == ("medium", None)
    assert data["exit_code"] == 0 and data["servers"][0]["findings"][0]["approved"] == {
        "by": "ann",
        "reason": "ours",
    }


def test_quiet_keeps_only_the_verdicts():
    item = Audited("mailer", _result(_finding("a.example")), Path("r"))
    assert summary_text([item], quiet=True) == "NOTES (below --fail-on medium): 1 in mailer, highest low"
    high = Finding("canary_exfiltration", Severity.HIGH, "t", "c1", "add", None, "b.example", "dns", "", 0)
    item = Audited("mailer", _result(high, _finding("a.example")), Path("r"))
    assert summary_text([item], quiet=True) == "FINDINGS: 2 in mailer, highest high"
