"""``report.junit.xml``: one test case per finding kind, for CI dashboards that read JUnit.

A clean audit is one passing case; each finding at or above the run's ``fail_on``
severity is a failure, and one below it a passing case that says what was noted (so
the dashboard agrees with the exit code); an audit that could not complete is an
error, so a nightly run never reports green by accident.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.model import AuditResult, AuditStatus
from harness.report.inert import inert


def result_to_junit(result: AuditResult) -> ET.ElementTree[ET.Element]:
    suite = ET.Element("testsuite", name=inert(f"mcp-harness:{result.target}"))
    suite.set("time", f"{result.finished - result.started:.3f}")
    errors = 0
    if result.status is not AuditStatus.COMPLETED:
        errors = 1
        case = ET.SubElement(suite, "testcase", classname=inert(result.target), name="audit completes")
        message = inert(result.reason or result.status.value, limit=2000)
        ET.SubElement(case, "error", message=message, type=result.status.value)
    failures = 0
    for finding in result.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=inert(result.target),
            name=inert(f"{finding.kind}: {finding.destination}"),
        )
        text = inert(
            f"channel: {finding.channel}\ntool: {finding.tool}\ncanary: {finding.canary}\n"
            f"occurrences: {finding.count}\n{finding.evidence}",
            limit=20000,
            keep_newlines=True,
        )
        if finding.severity.rank < result.fail_on.rank:
            note = ET.SubElement(case, "system-out")
            below = f"{finding.severity.value}, below fail-on {result.fail_on.value}"
            note.text = f"{below}: {inert(finding.title)}\n{text}"
            continue
        failures += 1
        failure = ET.SubElement(
            case, "failure", message=inert(finding.title, limit=1000), type=finding.severity.value
        )
        failure.text = text
    if not result.findings and result.status is AuditStatus.COMPLETED:
        ET.SubElement(
            suite, "testcase", classname=inert(result.target), name="no canary leaves where it was not sent"
        )
    suite.set("tests", str(max(len(suite), 1)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    return ET.ElementTree(suite)


def write_junit(result: AuditResult, path: Path) -> None:
    result_to_junit(result).write(path, encoding="utf-8", xml_declaration=True)
