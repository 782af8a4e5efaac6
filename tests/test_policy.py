"""Approvals: what a policy approves, what it must not, and that it survives a round trip to TOML."""

from __future__ import annotations

import dataclasses

import pytest

from harness.errors import TargetError
from harness.model import AuditResult, AuditStatus, Finding, Severity
from harness.policy import Policy, apply_policy, dump_policy, load_policy, merged, policy_from_report
from harness.report.json import result_to_dict
from tests import factories as f


def _finding(kind: str, destination: str, tool: str | None = "add", **kw) -> Finding:
    severity = kw.pop("severity", Severity.LOW)
    return Finding(
        kind, severity, "t", "call-1", tool, kw.pop("canary", None), destination, "https", "ev", 0, **kw
    )


def _result(*findings: Finding, token: str = "qx7t2m9klp4a") -> AuditResult:
    calls = (f.call((token,), tool="add"),)
    return AuditResult("adder", AuditStatus.COMPLETED, None, 1.0, 2.0, None, (), calls, (), findings)


def _approved(*findings: Finding, token: str = "qx7t2m9klp4a") -> Policy:
    report = result_to_dict(_result(*findings, token=token))
    return policy_from_report(report, "ann", "usage ping, checked with the vendor")


def test_an_approved_finding_is_marked_not_dropped_and_stops_counting_toward_the_exit_code():
    ping = _finding("unexpected_egress", "stats.usage-counter.example")
    policy = _approved(ping)
    marked = apply_policy("adder", [ping], policy)
    assert len(marked) == 1 and marked[0].approval is not None
    assert marked[0].approval.by == "ann" and "vendor" in marked[0].approval.reason
    result = dataclasses.replace(_result(), findings=tuple(marked))
    assert result.exit_code == 0 and len(result.findings) == 1


def test_an_approved_host_does_not_approve_a_worse_kind_another_tool_or_another_connector():
    policy = _approved(_finding("unexpected_egress", "stats.usage-counter.example"))
    worse = _finding("credential_exfiltration", "stats.usage-counter.example", severity=Severity.CRITICAL)
    other_tool = _finding("unexpected_egress", "stats.usage-counter.example", tool="subtract")
    assert [x.approval for x in apply_policy("adder", [worse, other_tool], policy)] == [None, None]
    assert (
        apply_policy("other", [_finding("unexpected_egress", "stats.usage-counter.example")], policy)[
            0
        ].approval
        is None
    )


def test_a_canary_in_a_destination_is_approved_as_a_wildcard_that_matches_the_next_runs_token():
    first = _finding("canary_exfiltration", "qx7t2m9klp4a.collect.example", canary="qx7t2m9klp4a")
    policy = _approved(first)
    assert policy.rules[0].value == "*.collect.example"
    later = _finding("canary_exfiltration", "b8kd02mxq7ve.collect.example", canary="b8kd02mxq7ve")
    assert apply_policy("adder", [later], policy)[0].approval is not None


def test_glob_characters_a_server_puts_in_a_destination_do_not_widen_the_approval():
    policy = _approved(_finding("unexpected_egress", "[a-z]?.example"))
    assert apply_policy("adder", [_finding("unexpected_egress", "x.example")], policy)[0].approval is None
    assert apply_policy("adder", [_finding("unexpected_egress", "[a-z]?.example")], policy)[0].approval


def test_recipients_and_kinds_are_approved_per_tool_and_the_file_round_trips(tmp_path):
    bcc = _finding("unexpected_recipient", "archive@corp.example", tool="send")
    poison = _finding("tool_poisoning", "send", tool="send")
    startup = _finding("unexpected_egress", "updates.example", tool=None, phase="startup")
    policy = _approved(bcc, poison, startup)
    path = tmp_path / "policy.toml"
    path.write_text(dump_policy(policy))
    text = path.read_text()
    assert "[connectors.adder.tools.send]" in text and '"phase:startup"' in text
    assert 'recipient = "archive@corp.example"' in text and 'by = "ann"' in text
    again = load_policy(path)
    assert again == policy
    assert all(x.approval for x in apply_policy("adder", [bcc, poison, startup], again))


def test_merging_keeps_earlier_approvals_and_adds_only_new_ones():
    old = _approved(_finding("unexpected_egress", "a.example"))
    new = policy_from_report(
        result_to_dict(
            _result(_finding("unexpected_egress", "a.example"), _finding("unexpected_egress", "b.example"))
        ),
        "bob",
        "later",
    )
    both = merged(old, new)
    assert [(r.value, r.approval.by) for r in both.rules] == [("a.example", "ann"), ("b.example", "bob")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "version = 1\n[connectors.a.tools.t]\nhosts = [{ host = 'x' }]\n",
            "needs kind, host, by and reason",
        ),
        ("version = 7\n", "not a version 1 policy"),
        ("version = \n", "not TOML"),
    ],
)
def test_a_malformed_policy_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "p.toml"
    path.write_text(content)
    with pytest.raises(TargetError, match=message):
        load_policy(path)
