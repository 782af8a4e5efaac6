"""``report.sarif``: findings as SARIF 2.1.0, shaped for GitHub code scanning.

Each finding kind is a rule with descriptions, help and a ``security-severity`` fixed per kind
(:mod:`harness.report.rules`). Each finding is a result with a ``partialFingerprints`` entry built
from what the leak *is* (kind, tool or phase, destination, channel) with the run's canaries masked,
so the same leak tonight and tomorrow is one alert, not two. ``automationDetails.id`` names the
connector as the category, so several connectors can be uploaded side by side. A result is
located at a file the repository holds when one is known (the config file that declared the
server) and always relates to its line in the run's event log. An approved finding is a result
with an accepted external suppression: shown as approved, never hidden.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.model import AuditResult, Finding, Severity
from harness.report.inert import inert
from harness.report.rules import RULES, Rule, rule_for
from harness.version import __version__

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "mcpHarnessBehaviour/v1"
_MAX_TEXT = 4000

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


@dataclass(frozen=True)
class Located:
    """Where a run's results point: a file in the repository (and its line), and the event log."""

    source: str | None = None
    source_line: int = 1
    events: str = "events.jsonl"
    """The event log's path as the SARIF file should name it."""


def fingerprint(finding: Finding, canaries: Sequence[str]) -> str:
    """Same behaviour, same value across runs: canary tokens are masked before hashing."""
    tokens = sorted({*canaries, finding.canary or ""} - {""}, key=len, reverse=True)
    parts = [
        finding.kind,
        finding.tool or f"phase:{finding.phase or '-'}",
        finding.destination,
        finding.channel,
    ]
    text = "\x1f".join(parts)
    for token in tokens:
        text = text.replace(token, "<canary>")
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.kind,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {"text": f"{rule.full} {rule.why}", "markdown": rule.markdown},
        "defaultConfiguration": {"level": "error" if float(rule.security_severity) >= 7 else "warning"},
        "properties": {"security-severity": rule.security_severity, "tags": list(rule.tags)},
    }


def _location(uri: str, line: int, text: str) -> dict[str, Any]:
    return {
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": max(line, 1)}},
        "message": {"text": text},
    }


def _message(finding: Finding) -> str:
    where = finding.tool or (f"{finding.phase} phase" if finding.phase else "no call")
    text = f"{finding.title} ({where}; {finding.destination} via {finding.channel})."
    return inert(f"{text}\n\nEvidence: {finding.evidence}", _MAX_TEXT, keep_newlines=True)


def _result(finding: Finding, index: dict[str, int], canaries: Sequence[str], at: Located) -> dict[str, Any]:
    event = _location(at.events, finding.event_index + 1, "the evidence in the run's event log")
    primary = _location(at.source, at.source_line, "the server's entry") if at.source else event
    out: dict[str, Any] = {
        "ruleId": finding.kind,
        "ruleIndex": index[finding.kind],
        "level": _LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [primary],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding, canaries)},
        "properties": {
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "destination": finding.destination,
            "channel": finding.channel,
            "tool": finding.tool,
            "phase": finding.phase,
            "callId": finding.call_id,
            "canary": finding.canary,
            "occurrences": finding.count,
        },
    }
    if at.source:
        out["relatedLocations"] = [{"id": 1, **event}]
    if finding.approval is not None:
        justification = f"approved by {finding.approval.by}: {finding.approval.reason}"
        out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
    return out


def sarif_run(result: AuditResult, at: Located = Located()) -> dict[str, Any]:
    """One SARIF run for one audited connector."""
    kinds = sorted(set(RULES) | {f.kind for f in result.findings})
    index = {kind: i for i, kind in enumerate(kinds)}
    canaries = [t for c in result.calls for t in c.canaries]
    invocation: dict[str, Any] = {
        "executionSuccessful": result.exit_code != 2,
        "exitCode": result.exit_code,
        "exitCodeDescription": result.status.value,
    }
    if result.reason:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error" if result.exit_code == 2 else "note",
                "message": {"text": inert(result.reason, _MAX_TEXT)},
            }
        ]
    return {
        "tool": {
            "driver": {
                "name": "mcp-harness",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(rule_for(kind)) for kind in kinds],
            }
        },
        "automationDetails": {"id": f"mcp-harness/{result.target}/"},
        "invocations": [invocation],
        "properties": {"target": result.target},
        "results": [_result(f, index, canaries, at) for f in result.findings],
    }


def sarif_log(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": list(runs)}


def result_to_sarif(result: AuditResult, at: Located | None = None) -> dict[str, Any]:
    events = result.artifacts.get("events", "events.jsonl")
    return sarif_log([sarif_run(result, at or Located(events=events))])


def write_sarif(result: AuditResult, path: Path, at: Located | None = None) -> None:
    path.write_text(json.dumps(result_to_sarif(result, at), indent=2) + "\n", encoding="utf-8")


def write_sarif_runs(runs: Sequence[dict[str, Any]], path: Path) -> None:
    path.write_text(json.dumps(sarif_log(runs), indent=2) + "\n", encoding="utf-8")
