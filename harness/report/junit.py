"""``report.junit.xml``: a fixed set of test cases per connector, for CI dashboards that read JUnit.

The cases are the same in every run of a connector, so a dashboard can track each one over time:
``audit completes``, one ``check: <kind>`` per finding kind the harness knows, one
``tool: <name>`` per listed tool, and ``outside tools`` for behaviour at install, start-up or
linger and on other surfaces. A case passes when nothing fired; a failure's message names the
worst severity and the first finding, its text holds every finding's evidence. Findings below the
run's ``fail_on`` and approved findings do not fail a case (so the dashboard agrees with the exit
code); they are listed in its output. An audit that could not complete is an error, so a nightly
run never reports green by accident.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.model import AuditResult, AuditStatus, Finding, Severity
from harness.report.inert import inert
from harness.report.rules import RULES

OUTSIDE = "outside tools"
_MAX_TEXT = 20000
_MAX_NAME = 200


def _xml(text: str, limit: int = _MAX_TEXT) -> str:
    """Server text made inert and bounded, which also makes it legal in XML 1.0."""
    return inert(text, limit, keep_newlines=True)


def _line(f: Finding) -> str:
    where = f.tool or (f"{f.phase} phase" if f.phase else "no call")
    times = f" x{f.count}" if f.count > 1 else ""
    return f"[{f.severity.value}] {f.kind}{times}: {f.destination} via {f.channel} ({where})"


def _note(f: Finding, fail_on: Severity) -> str:
    if f.approval is not None:
        return f"approved by {f.approval.by} ({f.approval.reason}): {_line(f)}"
    return f"{f.severity.value}, below fail-on {fail_on.value}: {_line(f)}"


def _case(
    suite: ET.Element, classname: str, name: str, findings: Sequence[Finding], fail_on: Severity
) -> int:
    case = ET.SubElement(suite, "testcase", classname=classname, name=inert(name, _MAX_NAME))
    open_ = [f for f in findings if f.approval is None and f.severity.rank >= fail_on.rank]
    noted = [f for f in findings if f not in open_]
    if noted:
        ET.SubElement(case, "system-out").text = _xml("\n".join(_note(f, fail_on) for f in noted))
    if not open_:
        return 0
    worst = max(open_, key=lambda f: f.severity.rank)
    more = f" (+{len(open_) - 1} more)" if len(open_) > 1 else ""
    failure = ET.SubElement(case, "failure", message=_xml(f"{_line(worst)}{more}"), type=worst.severity.value)
    failure.text = _xml("\n\n".join(f"{_line(f)}\n{f.title}\nevidence: {f.evidence}" for f in open_))
    return 1


def result_to_suite(result: AuditResult) -> ET.Element:
    classname = inert(f"mcp-harness.{result.target}", _MAX_NAME)
    suite = ET.Element("testsuite", name=inert(f"mcp-harness:{result.target}", _MAX_NAME))
    suite.set("time", f"{max(result.finished - result.started, 0):.3f}")
    case = ET.SubElement(suite, "testcase", classname=classname, name="audit completes")
    errors = 0
    if result.status is not AuditStatus.COMPLETED:
        errors = 1
        ET.SubElement(
            case, "error", message=_xml(result.reason or result.status.value), type=result.status.value
        )
    tools = sorted({str(t.get("name")) for t in result.tools})
    kinds = sorted(set(RULES) | {f.kind for f in result.findings})
    selectors: list[tuple[str, Callable[[Finding], bool]]] = [
        *((f"check: {k}", lambda f, k=k: f.kind == k) for k in kinds),
        *((f"tool: {t}", lambda f, t=t: f.tool == t) for t in tools),
        (OUTSIDE, lambda f: f.tool not in tools),
    ]
    failures = sum(
        _case(suite, classname, name, [f for f in result.findings if pick(f)], result.fail_on)
        for name, pick in selectors
    )
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    return suite


def result_to_junit(result: AuditResult) -> ET.ElementTree[ET.Element]:
    return ET.ElementTree(result_to_suite(result))


def write_junit(result: AuditResult, path: Path) -> None:
    result_to_junit(result).write(path, encoding="utf-8", xml_declaration=True)


def write_junit_suites(results: Sequence[AuditResult], path: Path) -> None:
    """Every connector of a ``--config`` run as one ``<testsuites>`` document."""
    root = ET.Element("testsuites", name="mcp-harness")
    root.extend(result_to_suite(r) for r in results)
    for field in ("tests", "failures", "errors"):
        root.set(field, str(sum(int(s.get(field) or 0) for s in root)))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
