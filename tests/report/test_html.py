import dataclasses
import json

from harness.model import (
    Approval,
    AuditResult,
    AuditStatus,
    Coverage,
    Finding,
    FlowRecord,
    Sample,
    Severity,
    SurfaceCoverage,
)
from harness.report import result_to_dict, write_html, write_json
from tests import factories as f


def _flow(**overrides) -> FlowRecord:
    fields = {
        "event_index": 0,
        "channel": "https",
        "host": "203.0.113.9:443",
        "address": "203.0.113.9:443",
        "claimed": ("api.postmarkapp.com",),
        "size": 120,
        "expected": None,
        "why": None,
    }
    return FlowRecord(**(fields | overrides))


def _result(findings=(), status=AuditStatus.COMPLETED, reason=None, flows=(), **kw) -> AuditResult:
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
        flows=tuple(flows),
        **kw,
    )


def _finding(severity: Severity = Severity.HIGH) -> Finding:
    return Finding(
        "unexpected_recipient",
        severity,
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
    assert page.index("1 finding, highest HIGH.") < page.index("x@evil.example")
    assert page.index("x@evil.example") < page.index("What the server was asked")


def test_clean_and_failed_runs_say_so(tmp_path):
    write_html(_result(), tmp_path / "clean.html")
    assert "No findings." in (tmp_path / "clean.html").read_text()
    write_html(_result(status=AuditStatus.TARGET_ERROR, reason="server exited"), tmp_path / "bad.html")
    assert "Could not complete the audit." in (tmp_path / "bad.html").read_text()


def test_json_report_has_the_documented_fields_and_exit_code(tmp_path):
    why = "configured by the user (env SMTP_HOST)"
    flow = _flow(host="smtp.relay.example", claimed=(), expected="configured", why=why)
    write_json(_result([_finding()], flows=[flow]), tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["schema_version"] == 1 and data["exit_code"] == 1
    assert (data["fail_on"], data["highest_severity"]) == ("medium", "high")
    assert data["findings"][0]["destination"] == "x@evil.example"
    assert data["egress"] == [
        {
            "channel": "https",
            "host": "smtp.relay.example",
            "address": "203.0.113.9:443",
            "claimed": [],
            "bytes": 120,
            "event_index": 0,
            "expected": "configured",
            "why": why,
        }
    ]
    assert result_to_dict(_result(status=AuditStatus.TARGET_ERROR, reason="x"))["exit_code"] == 2


def test_each_flow_says_why_it_was_expected_or_that_nothing_named_it(tmp_path):
    why = "named by the call (call-3 (fetch))"
    named = _flow(event_index=1, host="api.example", claimed=(), expected="named_by_call", why=why)
    write_html(_result(flows=[_flow(), named]), tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "named by the call (call-3 (fetch))" in page and "nothing named it" in page
    assert "claimed api.postmarkapp.com, never given this address" in page


def test_the_banner_follows_the_highest_severity(tmp_path):
    pages = {}
    for severity in (Severity.CRITICAL, Severity.MEDIUM, Severity.LOW):
        write_html(_result([_finding(severity)]), tmp_path / f"{severity}.html")
        pages[severity] = (tmp_path / f"{severity}.html").read_text()
    assert (
        'class="verdict findings"' in pages[Severity.CRITICAL]
        and "highest CRITICAL" in pages[Severity.CRITICAL]
    )
    assert 'class="verdict suspicious"' in pages[Severity.MEDIUM]
    assert 'class="verdict notes"' in pages[Severity.LOW] and "No attack seen" in pages[Severity.LOW]
    assert 'class="verdict findings"' not in pages[Severity.LOW] + pages[Severity.MEDIUM]


def test_exit_code_follows_the_fail_on_threshold():
    low = [_finding(Severity.LOW)]
    assert _result(low).exit_code == 0
    assert _result(low, fail_on=Severity.LOW).exit_code == 1
    assert _result([_finding(Severity.HIGH)], fail_on=Severity.CRITICAL).exit_code == 0
    assert _result([_finding(Severity.CRITICAL)], fail_on=Severity.CRITICAL).exit_code == 1


def test_an_incomplete_audit_exits_2_unless_a_finding_reaches_the_threshold():
    incomplete = AuditStatus.INCOMPLETE
    assert _result([_finding(Severity.LOW)], status=incomplete, reason="no call answered").exit_code == 2
    assert _result([_finding(Severity.HIGH)], status=incomplete, reason="no call answered").exit_code == 1
    assert _result(status=incomplete, reason="no call answered").exit_code == 2


def test_the_page_carries_no_control_or_bidi_character_from_the_server(tmp_path):
    hostile = f.finding(destination="evil\u202etxt.exe\x1b]8;;https://x.example\x07", count=7)
    write_html(_result([hostile], AuditStatus.TARGET_ERROR, "died: \x1b[2J\x00"), tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert not any(c in page for c in "\x1b\x07\x00\u202e")
    assert "occurrences" in page and ">7 " in page


def test_a_run_whose_only_findings_are_approved_says_so_and_still_shows_them(tmp_path):
    approved = dataclasses.replace(_finding(), approval=Approval("ann", "our archive"))
    write_html(_result([approved]), tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "No open findings." in page and "approved by ann" in page and "x@evil.example" in page
    assert _result([approved]).exit_code == 0


def _incomplete() -> AuditResult:
    coverage = Coverage(
        tools=SurfaceCoverage(listed=6, called=3),
        calls=3,
        unanswered=3,
        gaps=("stopped early: 3 requests in a row got no answer within 5s; stopped asking",),
        notes=("the server ran at its CPU limit (1 CPU) for 19s",),
    )
    return dataclasses.replace(
        _result(status=AuditStatus.INCOMPLETE, reason="not exercised enough to be called clean: ..."),
        coverage=coverage,
    )


def test_an_incomplete_run_is_an_amber_page_with_its_coverage_and_gaps(tmp_path):
    write_html(_incomplete(), tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert 'class="verdict error incomplete"' in page and "No findings." not in page
    assert "Incomplete: not exercised enough to be called clean." in page
    assert "<td>tools</td><td>6</td><td>3</td><td>0</td><td>0</td>" in page
    assert "3 requests in a row got no answer" in page and "CPU limit" in page


def test_coverage_is_in_the_json_and_an_incomplete_run_exits_2(tmp_path):
    data = result_to_dict(_incomplete())
    assert data["exit_code"] == 2 and data["status"] == "incomplete"
    assert data["coverage"]["tools"] == {"listed": 6, "called": 3, "answered": 0, "succeeded": 0}
    assert data["coverage"]["gaps"][0].startswith("stopped early")


def test_info_findings_alone_neither_exit_1_nor_paint_the_page_red(tmp_path):
    info = dataclasses.replace(_finding(), severity=Severity.INFO, kind="protocol_defect")
    result = _result([info])
    assert result.exit_code == 0
    write_html(result, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert 'class="verdict findings"' not in page and "No attack seen" in page


def test_a_sampled_run_says_which_tools_were_called_how_often_and_which_were_only_judged(tmp_path):
    sample = Sample(listed=4, called=(("tool_1", 6), ("tool_3", 5)), judged_only=("tool_0", "tool_2"))
    result = dataclasses.replace(_incomplete(), coverage=Coverage(gaps=("sampled: ...",), sample=sample))
    write_html(result, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert "the server listed 4 tools; 2 of them, chosen at random, were called" in page
    assert '<td><code>tool_1</code></td><td class="num">6</td>' in page
    assert "<code>tool_0</code>, <code>tool_2</code>" in page and "No findings." not in page
    write_json(result, tmp_path / "report.json")
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["exit_code"] == 2
    assert data["coverage"]["sample"]["called"] == [["tool_1", 6], ["tool_3", 5]]


def test_a_service_nobody_named_is_offered_for_approval_by_name_and_a_covert_name_never_is(tmp_path):
    from harness.report.summary import Audited, summary_text

    def leak(destination: str) -> Finding:
        return f.finding(kind="canary_exfiltration", severity=Severity.HIGH, canary="poplar803890",
                         destination=destination, channel="https")  # fmt: skip

    tunnel = dataclasses.replace(leak("t.sink.example"), channel="dns over https via 9.9.9.9")
    findings = [
        leak("docs-index.example"),
        leak("poplar803890.t.sink.example"),
        leak("203.0.113.9:443"),
        tunnel,
    ]
    configured = _flow(host="api.mailer.example", expected="configured", why="env MAIL_URL")
    result = _result([*findings, leak("api.mailer.example")], flows=[configured])
    write_html(result, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    offer = page[page.index('id="expect-host"') :].split("</p>")[0]
    assert "<code>docs-index.example</code>" in offer and "--expect-host HOST" in offer
    for never in ("t.sink.example", "203.0.113.9", "api.mailer.example"):
        assert never not in offer, never
    text = summary_text([Audited("demo", result, tmp_path)])
    assert "| --expect-host docs-index.example\n" in text and text.count("--expect-host") == 1
