"""SARIF as GitHub code scanning ingests it: valid 2.1.0, full rules, stable fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from harness.model import Approval, AuditResult, AuditStatus, Finding, Severity
from harness.report.rules import RULES
from harness.report.sarif import FINGERPRINT, Located, result_to_sarif, sarif_log, sarif_run, write_sarif
from harness.version import __version__
from tests import factories as f

SCHEMA = json.loads((Path(__file__).parent / "schemas/sarif-2.1.0-rtm.5.json").read_text())
"""The SARIF 2.1.0 JSON schema (final, rtm.5), as Microsoft's @microsoft/jest-sarif ships it."""


def _leak(token: str, severity: Severity = Severity.HIGH, approval: Approval | None = None) -> Finding:
    return Finding(
        "canary_exfiltration",
        severity,
        "A call's data left",
        "call-1",
        "send",
        token,
        f"{token}.collect.example",
        "dns",
        f"query {token}.collect.example",
        3,
        approval=approval,
    )


def _result(*findings: Finding, token: str = "qx7t2m9klp4a", status=AuditStatus.COMPLETED) -> AuditResult:
    calls = (f.call((token,), tool="send"),)
    return AuditResult(
        "mailer", status, None if status == "completed" else "why", 1.0, 2.0, None, (), calls, (), findings
    )


def _validate(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


def test_the_log_is_valid_sarif_2_1_0_clean_with_findings_and_incomplete(tmp_path):
    for result in (
        _result(),
        _result(_leak("qx7t2m9klp4a"), _leak("qx7t2m9klp4a", approval=Approval("ann", "ok"))),
        _result(status=AuditStatus.TARGET_ERROR),
    ):
        write_sarif(result, tmp_path / "r.sarif")
        _validate(json.loads((tmp_path / "r.sarif").read_text()))
    broken = result_to_sarif(_result(_leak("qx7t2m9klp4a")))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)  # the schema is in force, not a formality


def test_every_rule_has_what_github_asks_for_and_a_severity_fixed_per_kind():
    run = result_to_sarif(_result(_leak("qx7t2m9klp4a", Severity.LOW)))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= set(RULES)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert (
            float(rule["properties"]["security-severity"]) >= 0 and "security" in rule["properties"]["tags"]
        )
    by_id = {r["id"]: r for r in rules}
    high = result_to_sarif(_result(_leak("qx7t2m9klp4a", Severity.HIGH)))["runs"][0]["tool"]["driver"][
        "rules"
    ]
    assert {r["id"]: r for r in high}["canary_exfiltration"] == by_id["canary_exfiltration"]
    assert [r["ruleId"] for r in run["results"]] == ["canary_exfiltration"]
    assert rules[run["results"][0]["ruleIndex"]]["id"] == "canary_exfiltration"


def test_the_same_leak_has_the_same_fingerprint_in_runs_with_different_canaries():
    first = result_to_sarif(_result(_leak("qx7t2m9klp4a"), token="qx7t2m9klp4a"))["runs"][0]["results"][0]
    second = result_to_sarif(_result(_leak("b8kd02mxq7ve"), token="b8kd02mxq7ve"))["runs"][0]["results"][0]
    assert first["partialFingerprints"] == second["partialFingerprints"]
    other = _leak("b8kd02mxq7ve")
    other = Finding(**{**other.__dict__, "destination": "b8kd02mxq7ve.elsewhere.example"})
    third = result_to_sarif(_result(other, token="b8kd02mxq7ve"))["runs"][0]["results"][0]
    assert third["partialFingerprints"][FINGERPRINT] != first["partialFingerprints"][FINGERPRINT]


def test_the_run_names_the_tool_version_and_the_connector_as_its_category():
    run = result_to_sarif(_result())["runs"][0]
    driver = run["tool"]["driver"]
    # no informationUri: the project has no published home to point at, and an invented one would mislead
    assert driver["version"] == __version__ and "informationUri" not in driver
    assert run["automationDetails"]["id"] == "mcp-harness/mailer/"


def test_a_result_points_at_the_config_file_that_declared_the_server_and_relates_to_its_event():
    at = Located("mcp.json", 7, "mailer/events.jsonl")
    [result] = sarif_log([sarif_run(_result(_leak("qx7t2m9klp4a")), at)])["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "mcp.json"}, "region": {"startLine": 7}}
    related = result["relatedLocations"][0]["physicalLocation"]
    assert related == {"artifactLocation": {"uri": "mailer/events.jsonl"}, "region": {"startLine": 4}}


def test_an_approved_finding_is_an_accepted_suppression_not_a_missing_result():
    results = result_to_sarif(_result(_leak("qx7t2m9klp4a", approval=Approval("ann", "vendor relay"))))
    [result] = results["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "approved by ann: vendor relay"}
    ]


def test_several_connectors_in_one_log_stay_valid_and_keep_distinct_categories():
    a = sarif_run(_result(_leak("qx7t2m9klp4a")))
    b = sarif_run(AuditResult("time", AuditStatus.COMPLETED, None, 1.0, 2.0, None, (), (), (), ()))
    log = sarif_log([a, b])
    _validate(log)
    assert [r["automationDetails"]["id"] for r in log["runs"]] == ["mcp-harness/mailer/", "mcp-harness/time/"]
