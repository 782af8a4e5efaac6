"""``report.sarif``: findings as SARIF 2.1.0, for code-scanning dashboards.

Each finding kind is a rule; each finding a result whose location is the
event log line holding its evidence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.model import AuditResult, Finding, Severity
from harness.report.inert import inert

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SCORE = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _result(finding: Finding, events_file: str) -> dict[str, Any]:
    return {
        "ruleId": finding.kind,
        "level": _LEVEL[finding.severity],
        "message": {
            "text": inert(f"{finding.title}\n\nEvidence: {finding.evidence}", 20000, keep_newlines=True)
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": events_file},
                    "region": {"startLine": finding.event_index + 1},
                }
            }
        ],
        "properties": {
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            "destination": finding.destination,
            "channel": finding.channel,
            "tool": finding.tool,
            "callId": finding.call_id,
            "canary": finding.canary,
            "occurrences": finding.count,
        },
    }


def result_to_sarif(result: AuditResult) -> dict[str, Any]:
    events_file = result.artifacts.get("events", "events.jsonl")
    worst: dict[str, Severity] = {}
    order = list(Severity)
    for finding in result.findings:
        if finding.kind not in worst or order.index(finding.severity) > order.index(worst[finding.kind]):
            worst[finding.kind] = finding.severity
    rules = [
        {
            "id": kind,
            "name": kind.replace("_", " ").title().replace(" ", ""),
            "shortDescription": {"text": kind.replace("_", " ")},
            "properties": {"security-severity": _SCORE[severity]},
        }
        for kind, severity in sorted(worst.items())
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mcp-harness",
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": result.exit_code != 2,
                        "exitCodeDescription": result.status.value,
                        **(
                            {
                                "toolExecutionNotifications": [
                                    {"message": {"text": inert(result.reason, 2000)}}
                                ]
                            }
                            if result.reason
                            else {}
                        ),
                    }
                ],
                "properties": {"target": result.target},
                "results": [_result(f, events_file) for f in result.findings],
            }
        ],
    }


def write_sarif(result: AuditResult, path: Path) -> None:
    path.write_text(json.dumps(result_to_sarif(result), indent=2) + "\n", encoding="utf-8")
