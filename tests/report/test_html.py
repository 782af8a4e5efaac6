import json

from harness.model import AuditResult, AuditStatus, Finding, Severity
from harness.report import result_to_dict, write_html, write_json
from tests import factories as f


def _result(findings=(), status=AuditStatus.COMPLETED, reason=None) -> AuditResult:
    events = (f.http("api.postmarkapp.com", b"<script>alert(1)</script>"),)
    return AuditResult(
        "demo",
        status,
        reason,
        1.0,
        2.0,
        {"name": "<b>srv</b>"},
        (),
        (),
        events,
        tuple(findings),
        {"events": "events.jsonl"},
    )


def _finding() -> Finding:
    return Finding(
        "unexpected_recipient",
        Severity.HIGH,
        "Mail also went to x@evil.example",
        "call-1",
        "sendEmail",
        "qx7t2m9klp4a",
        "x@evil.example",
        "postmark API over https",
        '"Bcc":"<img src=x onerror=alert(1)>"',
        0,
    )


def test_server_text_is_escaped_in_the_html(tmp_path):
    write_html(_result([_finding()]), tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<b>srv</b>" not in page


def test_verdict_comes_before_the_findings_and_names_the_recipient(tmp_path):
    write_html(_result([_finding()]), tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert page.index("1 finding.") < page.index("x@evil.example") < page.index("What the server was asked")


def test_clean_and_failed_runs_say_so(tmp_path):
    write_html(_result(), tmp_path / "clean.html")
    assert "No findings." in (tmp_path / "clean.html").read_text()
    write_html(_result(status=AuditStatus.TARGET_ERROR, reason="server exited"), tmp_path / "bad.html")
    assert "Could not complete the audit." in (tmp_path / "bad.html").read_text()


def test_json_report_has_the_documented_fields_and_exit_code(tmp_path):
    write_json(_result([_finding()]), tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["schema_version"] == 1 and data["exit_code"] == 1
    assert data["findings"][0]["destination"] == "x@evil.example"
    assert data["egress"] == [
        {
            "channel": "https",
            "host": "api.postmarkapp.com",
            "bytes": data["egress"][0]["bytes"],
            "event_index": 0,
        }
    ]
    assert result_to_dict(_result(status=AuditStatus.TARGET_ERROR, reason="x"))["exit_code"] == 2
