"""``nightly.sarif`` and ``nightly.junit.xml``: one night for code scanning and CI dashboards.

Every audit of the night already wrote its own ``report.sarif`` (one run) and
``report.junit.xml`` (one suite) into its run folder; the night's files gather them rather
than re-render results the runner only has as files:

- SARIF 2.1.0, one ``run`` per connector, its ``automationDetails.id`` category named by the
  connector (code scanning tracks connectors apart, two of one package included). Locations the
  child named relative to its own run folder are re-rooted at the night's folder; the
  connector's nightly state and drift lines go into the run's ``properties``; a connector that
  left no report is a run with a failed invocation saying why, so nothing goes missing silently.
- JUnit, one ``testsuite`` per connector, named by it: the audit's own cases plus ``no drift
  from the approved run`` (a failure listing the drift; skipped when there is no approved run),
  and an error case for a connector that could not be audited.

The child files were written by our own audits, but their text came from servers: it is
kept as the children made it inert, and every new string is made inert again here.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.nightly.runner import NightlyEntry
from harness.report.inert import inert
from harness.report.sarif import sarif_log
from harness.version import __version__

log = logging.getLogger(__name__)

DRIFT_CASE = "no drift from the approved run"
_MAX_TEXT = 20000
_MAX_NAME = 200


def _run_dir(entry: NightlyEntry) -> Path | None:
    """The connector's run folder relative to the night's folder, when its audit wrote a report."""
    return Path(entry.report).parent if entry.report else None


def _rerooted(location: dict[str, Any], run_dir: Path) -> None:
    """Point a location the child wrote relative to its own run folder at the night's folder."""
    artifact = location.get("physicalLocation", {}).get("artifactLocation", {})
    uri = artifact.get("uri")
    if isinstance(uri, str) and "/" not in uri:
        artifact["uri"] = (run_dir / uri).as_posix()


def _child_run(out: Path, run_dir: Path) -> dict[str, Any] | None:
    try:
        runs = json.loads((out / run_dir / "report.sarif").read_text(encoding="utf-8"))["runs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("no SARIF from %s: %s", run_dir, exc)
        return None
    if not isinstance(runs, list) or len(runs) != 1 or not isinstance(runs[0], dict):
        return None
    run: dict[str, Any] = runs[0]
    for result in run.get("results") or []:
        for location in [*result.get("locations", []), *result.get("relatedLocations", [])]:
            _rerooted(location, run_dir)
    return run


def _not_audited_run(entry: NightlyEntry) -> dict[str, Any]:
    reason = inert(entry.reason or entry.state, _MAX_TEXT)
    return {
        "tool": {"driver": {"name": "mcp-harness", "version": __version__}},
        "automationDetails": {"id": f"mcp-harness/{inert(entry.name, _MAX_NAME)}/"},
        "invocations": [
            {
                "executionSuccessful": False,
                "exitCode": 2,
                "exitCodeDescription": "could not audit",
                "toolExecutionNotifications": [{"level": "error", "message": {"text": reason}}],
            }
        ],
        "results": [],
    }


def nightly_sarif(entries: list[NightlyEntry], out: Path) -> dict[str, Any]:
    """The night as one SARIF log: a run per connector, in the index's order."""
    runs = []
    for entry in entries:
        run_dir = _run_dir(entry)
        run = _child_run(out, run_dir) if run_dir is not None else None
        run = run if run is not None else _not_audited_run(entry)
        # by connector, not target: two connectors of one package stay two categories
        run["automationDetails"] = {"id": f"mcp-harness/{inert(entry.name, _MAX_NAME)}/"}
        run.setdefault("properties", {})["nightly"] = {
            "connector": entry.name,
            "state": entry.state,
            "drift": [inert(str(d), _MAX_TEXT) for d in entry.drift],
        }
        runs.append(run)
    return sarif_log(runs)


def _child_suite(out: Path, run_dir: Path) -> ET.Element | None:
    try:
        root = ET.parse(out / run_dir / "report.junit.xml").getroot()
    except (OSError, ET.ParseError) as exc:
        log.warning("no JUnit from %s: %s", run_dir, exc)
        return None
    return root if root.tag == "testsuite" else None


def _drift_case(suite: ET.Element, entry: NightlyEntry) -> None:
    classname = inert(f"mcp-harness.{entry.name}", _MAX_NAME)
    case = ET.SubElement(suite, "testcase", classname=classname, name=DRIFT_CASE)
    if entry.state == "drift":
        lines = [inert(str(d), _MAX_TEXT) for d in entry.drift]
        more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
        failure = ET.SubElement(case, "failure", message=f"{lines[0]}{more}", type="drift")
        failure.text = inert("\n".join(lines), _MAX_TEXT, keep_newlines=True)
        suite.set("failures", str(int(suite.get("failures") or 0) + 1))
    elif entry.state == "no baseline":
        ET.SubElement(case, "skipped", message="no approved run to compare with")
        suite.set("skipped", str(int(suite.get("skipped") or 0) + 1))
    suite.set("tests", str(len(suite)))


def _not_audited_suite(entry: NightlyEntry) -> ET.Element:
    name = inert(entry.name, _MAX_NAME)
    suite = ET.Element("testsuite", name=f"mcp-harness:{name}", tests="1", failures="0", errors="1")
    case = ET.SubElement(suite, "testcase", classname=f"mcp-harness.{name}", name="audit completes")
    ET.SubElement(
        case, "error", message=inert(entry.reason or entry.state, _MAX_TEXT), type="could not audit"
    )
    return suite


def nightly_junit(entries: list[NightlyEntry], out: Path) -> ET.ElementTree[ET.Element]:
    """The night as one ``<testsuites>`` document: a suite per connector, in the index's order."""
    root = ET.Element("testsuites", name="mcp-harness nightly")
    for entry in entries:
        run_dir = _run_dir(entry)
        suite = _child_suite(out, run_dir) if run_dir is not None else None
        if suite is None or entry.state == "could not audit":
            suite = _not_audited_suite(entry)
        else:
            _drift_case(suite, entry)
            suite.set("name", f"mcp-harness:{inert(entry.name, _MAX_NAME)}")
        suite.set("time", f"{entry.seconds:.1f}")
        root.append(suite)
    for field in ("tests", "failures", "errors", "skipped"):
        root.set(field, str(sum(int(s.get(field) or 0) for s in root)))
    return ET.ElementTree(root)


def write_nightly_combined(entries: list[NightlyEntry], out: Path) -> None:
    (out / "nightly.sarif").write_text(json.dumps(nightly_sarif(entries, out), indent=2) + "\n", "utf-8")
    nightly_junit(entries, out).write(out / "nightly.junit.xml", encoding="utf-8", xml_declaration=True)
