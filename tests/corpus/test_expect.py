"""Holding an audit to its scenario: what passes, and what a reader is told when it does not."""

from __future__ import annotations

import json
from pathlib import Path

from harness.corpus import Run, verify
from harness.model import SCHEMA_VERSION

MANIFEST = """
name = "{name}"
[taxonomy]
category = "A5"
source = "a public case"
{extra_taxonomy}
[server]
runtime = "node"
command = ["node", "index.js"]
[expect]
findings = {findings}
{extra_expect}
"""


def _scenario(
    root: Path, name: str, findings: str = "[]", extra_taxonomy: str = "", extra_expect: str = ""
) -> Path:
    directory = root / name
    directory.mkdir(parents=True)
    (directory / "scenario.toml").write_text(
        MANIFEST.format(
            name=name, findings=findings, extra_taxonomy=extra_taxonomy, extra_expect=extra_expect
        )
    )
    return directory


def _finding(
    kind: str, destination: str = "hooks.example", tool: str = "send", severity: str = "high"
) -> dict:
    return {
        "kind": kind,
        "severity": severity,
        "title": f"{kind} to {destination}",
        "destination": destination,
        "tool": tool,
        "evidence": "POST /collect",
    }


def _run(
    out: Path, kinds: list[str], status: str = "completed", code: int | None = None, severity: str = "high"
) -> Run:
    out.mkdir(parents=True)
    report = {
        "schema_version": SCHEMA_VERSION,
        "status": status,
        "reason": "server exited before initialize" if status != "completed" else None,
        "calls": [],
        "tools": [],
        "egress": [],
        "findings": [_finding(k, severity=severity) for k in kinds],
    }
    (out / "report.json").write_text(json.dumps(report))
    return Run(1 if kinds else 0 if code is None else code, "", "", out, 3.0)


def _auditor(runs: dict[str, Run]):
    return lambda directory: runs[directory.name]


def test_a_case_whose_findings_match_exactly_passes(tmp_path):
    case = _scenario(tmp_path, "leak", '["canary_exfiltration"]')
    verdict = verify(case, _auditor({"leak": _run(tmp_path / "r", ["canary_exfiltration"] * 2)}), tmp_path)
    assert verdict.passed and verdict.observed == ("canary_exfiltration",)


def test_a_wrong_expectation_names_what_was_missing_and_what_was_unexpected(tmp_path):
    case = _scenario(tmp_path, "leak", '["unexpected_recipient"]')
    verdict = verify(case, _auditor({"leak": _run(tmp_path / "r", ["canary_exfiltration"])}), tmp_path)
    text = verdict.explain()
    assert not verdict.passed
    assert "expected findings [unexpected_recipient], observed [canary_exfiltration]" in text
    assert "missing: unexpected_recipient" in text
    assert "unexpected: canary_exfiltration: canary_exfiltration to hooks.example" in text
    assert str(tmp_path / "r" / "report.html") in text


def test_an_audit_that_did_not_complete_fails_with_its_reason(tmp_path):
    case = _scenario(tmp_path, "quiet")
    verdict = verify(case, _auditor({"quiet": _run(tmp_path / "r", [], status="target_error")}), tmp_path)
    assert verdict.problems == ("the audit did not complete (target_error): server exited before initialize",)


def test_an_exit_code_that_contradicts_the_findings_fails(tmp_path):
    case = _scenario(tmp_path, "quiet")
    verdict = verify(case, _auditor({"quiet": _run(tmp_path / "r", [], code=2)}), tmp_path)
    assert verdict.problems == ("exit code 2, expected 0",)


def test_an_honest_twin_that_expects_findings_is_itself_a_failure(tmp_path):
    case = _scenario(tmp_path, "twin", '["canary_exfiltration"]', extra_taxonomy='role = "honest"')
    verdict = verify(case, _auditor({"twin": _run(tmp_path / "r", ["canary_exfiltration"])}), tmp_path)
    assert "an honest twin must expect no findings" in verdict.explain()


def test_a_declared_drift_holds_only_when_compare_prints_exactly_those_lines(tmp_path):
    _scenario(tmp_path, "old")
    new = _scenario(
        tmp_path,
        "new",
        '["canary_exfiltration"]',
        extra_expect='drift_from = "../old"\ndrift = ["+ finding canary_exfiltration"]',
    )
    runs = {"old": _run(tmp_path / "r-old", []), "new": _run(tmp_path / "r-new", ["canary_exfiltration"])}
    verdict = verify(new, _auditor(runs), tmp_path)
    assert verdict.passed, verdict.explain()
    assert verdict.drift == ("+ finding canary_exfiltration hooks.example (send)",)
    runs["new"] = _run(tmp_path / "r-new2", ["canary_exfiltration", "unexpected_egress"])
    (new / "scenario.toml").write_text(
        (new / "scenario.toml")
        .read_text()
        .replace('["canary_exfiltration"]\n', '["canary_exfiltration", "unexpected_egress"]\n', 1)
    )
    verdict = verify(new, _auditor(runs), tmp_path)
    assert verdict.problems == ("drift: unexpected '+ finding unexpected_egress hooks.example (send)'",)


def test_a_malformed_scenario_is_a_failed_verdict_naming_file_line_and_field(tmp_path):
    case = _scenario(tmp_path, "bad")
    path = case / "scenario.toml"
    path.write_text(path.read_text().replace('category = "A5"', 'category = "A13"'))
    verdict = verify(case, _auditor({}), tmp_path)
    [problem] = verdict.problems
    assert problem.startswith(f"{path}:4: taxonomy.category: Input should be 'A1'")
    assert verdict.case is None and verdict.run is None and verdict.label == "bad"


def test_findings_below_the_default_threshold_expect_a_passing_exit_code(tmp_path):
    case = _scenario(tmp_path, "low", '["cross_call_contamination"]')
    low = _run(tmp_path / "r", ["cross_call_contamination"], code=0, severity="low")
    assert verify(case, _auditor({"low": Run(0, "", "", low.out)}), tmp_path).passed
    assert verify(case, _auditor({"low": Run(1, "", "", low.out)}), tmp_path).problems == (
        "exit code 1, expected 0",
    )
