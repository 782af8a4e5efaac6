"""What ``mcp-harness audit`` prints on stdout: one shape for one target and for a config file.

Text for people (a block per server), or JSON for machines (``--format json``): the same records
either way, one per server, each pointing at its run directory. In text, server-chosen words
(destinations, reasons) appear only in indented, quoted lines made inert, and each block's verdict
is its last line, so nothing the server printed or named can pose as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.driver.coverage import describe
from harness.model import AuditResult, AuditStatus, Finding
from harness.report import review
from harness.report.inert import inert, quoted
from harness.version import __version__


@dataclass(frozen=True)
class Audited:
    """One server's outcome: its result, or why there is none."""

    name: str
    result: AuditResult | None
    run_dir: Path | None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return self.result.exit_code if self.result is not None else 2


def _finding_lines(f: Finding) -> list[str]:
    where = f.tool or (f"{f.phase} phase" if f.phase else "no call")
    times = f" x{f.count}" if f.count > 1 else ""
    approved = f" (approved by {inert(f.approval.by, 60)})" if f.approval else ""
    lines = [f"  [{f.severity}] {f.kind}{times}{approved}:"]
    lines.append(quoted(f"{f.destination} via {f.channel} ({where})", limit=200, prefix="      | "))
    if f.approval:
        lines.append(quoted(f"approved: {f.approval.reason}", limit=200, prefix="      | "))
    return lines


def _block(item: Audited, quiet: bool) -> list[str]:
    result = item.result
    if result is None:
        return [
            quoted(item.error or "", limit=600, prefix="      | "),
            f"INCOMPLETE (could not audit): {inert(item.name, 120)}",
        ]
    lines = (
        []
        if quiet or item.run_dir is None
        else [f"report: {inert(item.run_dir / 'report.html', limit=1000)}"]
    )
    if not quiet:
        lines += [line for f in result.findings for line in _finding_lines(f)]
        unnamed = review.unnamed_services(result)
        if unnamed:
            lines.append(
                "  named by no call and not configured; if one is the service you mean, audit again with:"
            )
            lines.append(
                quoted(" ".join(f"--expect-host {h}" for h in unnamed), limit=600, prefix="      | ")
            )
    if result.status is not AuditStatus.COMPLETED and not quiet:
        lines.append(f"  why incomplete ({result.status}):")
        lines.append(quoted(result.reason or "no reason given", limit=600, prefix="      | "))
    if result.coverage is not None and not quiet:
        lines.append(f"  coverage: {describe(result.coverage)}")
    target = inert(result.target, limit=120)
    if result.findings:
        approved = len(result.findings) - len(result.open_findings)
        head = "FINDINGS" if result.exit_code == 1 else "APPROVED" if not result.open_findings else ""
        head = head or f"NOTES (below --fail-on {result.fail_on})"
        note = f", highest {result.highest}" if result.highest else ""
        note += f" ({approved} approved)" if approved else ""
        lines.append(f"{head}: {len(result.findings)} in {target}{note}")
    elif result.status is AuditStatus.COMPLETED:
        lines.append(f"CLEAN: no findings in {target} ({len(result.calls)} calls)")
    if result.status is not AuditStatus.COMPLETED:
        lines.append(f"INCOMPLETE ({result.status}): see the reason above")
    return lines


def summary_text(items: list[Audited], quiet: bool = False, index: Path | None = None) -> str:
    lines = [line for item in items for line in _block(item, quiet)]
    if index is not None:
        lines.append(f"index: {index}")
    return "\n".join(lines)


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "title": f.title,
        "tool": f.tool,
        "phase": f.phase,
        "destination": f.destination,
        "channel": f.channel,
        "approved": None if f.approval is None else {"by": f.approval.by, "reason": f.approval.reason},
    }


def summary_json(items: list[Audited], index: Path | None = None) -> dict[str, Any]:
    """``version`` of the harness, overall ``exit_code``, and per server: ``name``, ``target``,
    ``status``, ``reason``, ``exit_code``, ``fail_on``, ``highest_severity`` (of the unapproved
    findings), ``run_dir``, ``report``, ``findings``."""
    servers = []
    for item in items:
        result = item.result
        servers.append(
            {
                "name": item.name,
                "target": result.target if result else None,
                "status": result.status.value if result else "could_not_audit",
                "reason": result.reason if result else item.error,
                "exit_code": item.exit_code,
                "fail_on": result.fail_on.value if result else None,
                "highest_severity": result.highest.value if result and result.highest else None,
                "run_dir": str(item.run_dir) if item.run_dir else None,
                "report": str(item.run_dir / "report.json") if item.run_dir and result else None,
                "findings": [_finding_dict(f) for f in result.findings] if result else [],
            }
        )
    return {
        "mcp_harness": __version__,
        "exit_code": max((i.exit_code for i in items), default=0),
        "index": str(index) if index else None,
        "servers": servers,
    }
