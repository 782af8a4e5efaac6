"""The reviewer's view: one card per behaviour, marked destinations, bounded server text."""

from __future__ import annotations

from harness.model import Approval, AuditResult, AuditStatus, Finding, Severity
from harness.report import review
from tests import factories as f


def _leak(token: str, call_id: str, approval: Approval | None = None) -> Finding:
    return Finding(
        "canary_exfiltration",
        Severity.HIGH,
        "t",
        call_id,
        "send",
        token,
        f"{token}.c.example",
        "dns",
        "",
        0,
        approval=approval,
    )


def _result(findings=(), events=(), calls=(), **kw) -> AuditResult:
    return AuditResult("m", AuditStatus.COMPLETED, None, 0.0, 1.0, None, (), calls, events, findings, **kw)


def test_the_same_leak_with_each_calls_own_canary_is_one_behaviour_listing_both_calls():
    calls = (f.call(("qx7t2m9klp4a",), call_id="call-1"), f.call(("b8kd02mxq7ve",), call_id="call-2"))
    [leak] = review.leaks(
        _result((_leak("qx7t2m9klp4a", "call-1"), _leak("b8kd02mxq7ve", "call-2")), calls=calls)
    )
    assert leak.destination == "‹canary›.c.example" and leak.calls == ["call-1", "call-2"]
    assert leak.findings == [0, 1]


def test_approved_behaviour_sorts_after_open_behaviour_of_any_severity():
    low = Finding(
        "unexpected_egress", Severity.LOW, "t", None, None, None, "a.example", "dns", "", 0, phase="startup"
    )
    approved = _leak("qx7t2m9klp4a", "call-1", Approval("ann", "ok"))
    assert [g.kind for g in review.leaks(_result((approved, low)))] == [
        "unexpected_egress",
        "canary_exfiltration",
    ]


def test_each_destination_is_marked_by_what_made_it_expected_or_not():
    hosts = ("api.svc.example", "docs.example", "x.vendor.example", "odd.example")
    events = tuple(e for h in hosts for e in (f.dns(h, f.address(h)), f.http(h, conn_id=h)))
    calls = (f.call((), hosts=("docs.example",)),)
    nodes, hidden = review.destinations(
        _result(
            events=events,
            calls=calls,
            declared_hosts=("api.svc.example",),
            approved_hosts=("*.vendor.example",),
        )
    )
    assert {n.name: n.mark for n in nodes} == {
        "odd.example": "unexpected",
        "x.vendor.example": "approved",
        "docs.example": "named",
        "api.svc.example": "configured",
    }
    assert hidden == 0 and len({n.y for n in nodes}) == 4


def test_a_huge_definition_is_cut_and_says_so():
    listing = f.listing("tools", [{"name": "send", "description": "x" * 200_000}])
    finding = Finding("tool_poisoning", Severity.LOW, "t", None, "send", None, "send", "tools/list", "", 0)
    text = review.definitions(_result((finding,), (listing,)))["send"]
    assert len(text) < review.MAX_DEFINITION + 100 and text.endswith("more characters)")
