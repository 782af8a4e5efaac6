"""Behaviour drift between two audits of one connector: last night's version against tonight's.

The postmark-mcp lesson is that a trusted connector turns in one release. A nightly job audits
each connector and compares the new report with the last one it approved; any change in what
the server does is worth a human look, findings or not. Compared, from ``report.json``:

- *reach*: hosts the server contacted that no call named (hosts a call's own URL or mailbox
  arguments named are the caller's choice, and differ every run);
- *findings*: by kind, destination and tool;
- *tools*: added, removed, or with a changed description or input schema;
- *install*: version, integrity, dependency count and install scripts;
- *status*: whether the audit completed.

Canary tokens differ every run, so every string is compared with the run's own tokens masked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import TargetError
from harness.model import SCHEMA_VERSION

_INSTALL_FIELDS = ("version", "integrity", "dependencies", "install_scripts")


@dataclass(frozen=True)
class Drift:
    """One difference: ``+`` new in the later run, ``-`` gone from it, ``~`` changed."""

    mark: str
    section: str
    subject: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.mark} {self.section} {self.subject}" + (f": {self.detail}" if self.detail else "")


def load_report(path: Path) -> dict[str, Any]:
    """``report.json`` of a run directory (or the file itself); a TargetError says what is wrong."""
    file = path / "report.json" if path.is_dir() else path
    try:
        report = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetError(f"cannot read {file}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TargetError(f"{file} is not a report: {exc}") from None
    if not isinstance(report, dict) or report.get("schema_version") != SCHEMA_VERSION:
        raise TargetError(f"{file} is not a schema {SCHEMA_VERSION} report.json")
    return report


class _Masked:
    """The report's own canary tokens replaced by ``<canary>``, wherever they appear."""

    def __init__(self, report: dict[str, Any]):
        calls = report.get("calls") or []
        self.tokens = sorted({t for c in calls for t in c.get("canaries") or []}, key=len, reverse=True)
        self.named = {h.lower() for c in calls for h in c.get("expected_hosts") or []}
        self.named |= {
            r.rsplit("@", 1)[-1].lower() for c in calls for r in c.get("expected_recipients") or []
        }

    def __call__(self, value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        for token in self.tokens:
            text = text.replace(token, "<canary>")
        return text


def _reach(report: dict[str, Any], mask: _Masked) -> set[str]:
    return {
        f"{mask(e['host'])} ({e['channel']})"
        for e in report.get("egress") or []
        if e["host"].lower() not in mask.named
    }


def _findings(report: dict[str, Any], mask: _Masked) -> set[str]:
    return {
        f"{f['kind']} {mask(f['destination'])} ({f.get('tool') or f.get('phase') or 'no call'})"
        for f in report.get("findings") or []
    }


def _tools(report: dict[str, Any], mask: _Masked) -> dict[str, tuple[str, str]]:
    return {
        t["name"]: (mask(t.get("description") or ""), mask(t.get("inputSchema") or {}))
        for t in report.get("tools") or []
    }


def _sets(section: str, old: set[str], new: set[str]) -> Iterator[Drift]:
    yield from (Drift("+", section, item) for item in sorted(new - old))
    yield from (Drift("-", section, item) for item in sorted(old - new))


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Drift]:
    """Every behaviour difference from ``old`` to ``new``, in a stable order."""
    old_mask, new_mask = _Masked(old), _Masked(new)
    drift: list[Drift] = []
    if old.get("status") != new.get("status"):
        drift.append(
            Drift("~", "status", f"{old.get('status')} -> {new.get('status')}", new.get("reason") or "")
        )
    drift += _sets("finding", _findings(old, old_mask), _findings(new, new_mask))
    drift += _sets("reach", _reach(old, old_mask), _reach(new, new_mask))
    old_tools, new_tools = _tools(old, old_mask), _tools(new, new_mask)
    drift += _sets("tool", set(old_tools), set(new_tools))
    for name in sorted(set(old_tools) & set(new_tools)):
        (old_text, old_schema), (new_text, new_schema) = old_tools[name], new_tools[name]
        if old_text != new_text:
            drift.append(Drift("~", "tool", name, f"description {old_text[:120]!r} -> {new_text[:120]!r}"))
        if old_schema != new_schema:
            drift.append(Drift("~", "tool", name, "input schema changed"))
    old_install, new_install = old.get("install") or {}, new.get("install") or {}
    for field in _INSTALL_FIELDS:
        if old_install.get(field) != new_install.get(field):
            drift.append(
                Drift("~", "install", field, f"{old_install.get(field)} -> {new_install.get(field)}")
            )
    return drift
