"""Behaviour drift between two audits of one connector: last night's version against tonight's.

The postmark-mcp lesson is that a trusted connector turns in one release. A nightly job audits
each connector and compares the new report with the last one it approved; any change in what
the server does is worth a human look, findings or not. Compared, from ``report.json``:

- *reach*: hosts the server contacted that no call named (hosts a call's own URL or mailbox
  arguments named are the caller's choice, and differ every run);
- *findings*: by kind, destination and tool;
- *tools*: added, removed, or with a changed description or input schema (with a diff; key
  order and ``$schema`` are cosmetic and ignored). A run that listed no tools while the other
  listed some most likely had its listing fail, so the tools are not compared (a warning says so)
  rather than every tool reported as added or removed;
- *install*: version, integrity, dependency count and install scripts;
- *status*: whether the audit completed.

Canary tokens differ every run, so every string is compared with the run's own tokens masked.
A policy (``--policy``) marks drift it approves; approved drift is shown and does not count.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from harness.errors import TargetError
from harness.model import SCHEMA_VERSION, Approval
from harness.policy import Policy

_INSTALL_FIELDS = ("version", "integrity", "dependencies", "install_scripts")
_COSMETIC_KEYS = frozenset({"$schema"})


@dataclass(frozen=True)
class Drift:
    """One difference: ``+`` new in the later run, ``-`` gone from it, ``~`` changed."""

    mark: str
    section: str
    subject: str
    detail: str = ""
    diff: str = ""
    """A unified diff, where one says more than the one-line detail."""
    approval: Approval | None = None

    def __str__(self) -> str:
        line = f"{self.mark} {self.section} {self.subject}" + (f": {self.detail}" if self.detail else "")
        if self.approval is not None:
            line += f" [approved by {self.approval.by}: {self.approval.reason}]"
        return line + "".join(f"\n      {d}" for d in self.diff.splitlines())


@dataclass(frozen=True)
class Comparison:
    """Drift between two reports, and what a reviewer should know before trusting it."""

    baseline: str
    candidate: str
    drift: tuple[Drift, ...]
    warnings: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return 1 if any(d.approval is None for d in self.drift) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "candidate": self.candidate,
            "exit_code": self.exit_code,
            "warnings": list(self.warnings),
            "drift": [asdict(d) for d in self.drift],
        }


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


def config_reports(run_dir: Path) -> dict[str, dict[str, Any]] | None:
    """Server name -> report of a ``--config`` run directory (None when ``run_dir`` is not one)."""
    index = run_dir / "index.json"
    if not run_dir.is_dir() or not index.is_file():
        return None
    try:
        servers = json.loads(index.read_text(encoding="utf-8")).get("servers") or []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise TargetError(f"{index} is not a run index: {exc}") from None
    return {
        str(s["server"]): load_report(run_dir / Path(s["report"]).parent)
        for s in servers
        if isinstance(s, dict) and s.get("report")
    }


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


def _canonical(schema: Any) -> Any:
    """The schema without cosmetic keys, so only a change in meaning compares unequal."""
    if isinstance(schema, dict):
        return {k: _canonical(v) for k, v in schema.items() if k not in _COSMETIC_KEYS}
    if isinstance(schema, list):
        return [_canonical(v) for v in schema]
    return schema


def _reach(report: dict[str, Any], mask: _Masked) -> dict[str, str]:
    return {
        f"{mask(e['host'])} ({e['channel']})": mask(e["host"])
        for e in report.get("egress") or []
        if e["host"].lower() not in mask.named
    }


def _findings(report: dict[str, Any], mask: _Masked) -> dict[str, dict[str, Any]]:
    return {
        f"{f['kind']} {mask(f['destination'])} ({f.get('tool') or f.get('phase') or 'no call'})": {
            **f,
            "destination": mask(f["destination"]),
        }
        for f in report.get("findings") or []
    }


def _tools(report: dict[str, Any], mask: _Masked) -> dict[str, tuple[str, str]]:
    """Name -> (masked description, canonical schema as indented JSON)."""
    tools = report.get("tools") or []
    return {
        t["name"]: (
            mask(t.get("description") or ""),
            json.dumps(json.loads(mask(_canonical(t.get("inputSchema") or {}))), indent=2, sort_keys=True),
        )
        for t in tools
    }


def _diff(old: str, new: str, label: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"baseline {label}", f"candidate {label}", lineterm="", n=1
    )
    return "\n".join(lines)


def _sets(section: str, old: set[str], new: set[str]) -> Iterator[Drift]:
    yield from (Drift("+", section, item) for item in sorted(new - old))
    yield from (Drift("-", section, item) for item in sorted(old - new))


def _tool_drift(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[Drift], list[str]]:
    old_tools, new_tools = _tools(old, _Masked(old)), _tools(new, _Masked(new))
    if bool(old_tools) != bool(new_tools):
        # a listing that failed (timeout, error, a crash) lists nothing: not a server without tools
        which, run = ("baseline", old) if not old_tools else ("candidate", new)
        why = f"the {which} run listed no tools ({run.get('status')}; its listing may have failed)"
        return [], [f"{why}: tools were not compared"]
    drift = list(_sets("tool", set(old_tools), set(new_tools)))
    for name in sorted(set(old_tools) & set(new_tools)):
        (old_text, old_schema), (new_text, new_schema) = old_tools[name], new_tools[name]
        if old_text != new_text:
            drift.append(
                Drift(
                    "~",
                    "tool",
                    name,
                    f"description {old_text[:120]!r} -> {new_text[:120]!r}",
                    _diff(old_text, new_text, "description"),
                )
            )
        if old_schema != new_schema:
            drift.append(
                Drift("~", "tool", name, "input schema changed", _diff(old_schema, new_schema, "inputSchema"))
            )
    return drift, []


def _package(report: dict[str, Any]) -> str | None:
    """What the run installed (the registry package), else what the server called itself; None if neither
    is known (a run that never started), so no warning is made up."""
    install = report.get("install") or {}
    info = report.get("server_info") or {}
    name = install.get("package") or info.get("name")
    return str(name) if name else None


def _approved(
    drift: list[Drift], new: dict[str, Any], found: dict[str, dict[str, Any]], policy: Policy | None
) -> list[Drift]:
    """Mark drift the policy (or the candidate's own run) approved."""
    connector = str(new.get("target"))
    out = []
    for item in drift:
        approval = None
        if item.mark == "+" and item.section == "finding":
            f = found[item.subject]
            own = f.get("approval")
            approval = Approval(**own) if isinstance(own, dict) else None
            if policy is not None and approval is None:
                approval = policy.approval_for(
                    connector, f["kind"], f.get("tool"), f.get("phase"), f["destination"]
                )
        elif item.mark == "+" and item.section == "reach" and policy is not None:
            host = item.subject.rsplit(" (", 1)[0]
            approval = policy.host_approval(connector, host)
        out.append(replace(item, approval=approval))
    return out


def compare(old: dict[str, Any], new: dict[str, Any], policy: Policy | None = None) -> list[Drift]:
    """Every behaviour difference from ``old`` to ``new``, in a stable order."""
    return list(comparison(old, new, policy).drift)


def comparison(old: dict[str, Any], new: dict[str, Any], policy: Policy | None = None) -> Comparison:
    old_mask, new_mask = _Masked(old), _Masked(new)
    drift: list[Drift] = []
    warnings: list[str] = []
    if None not in (_package(old), _package(new)) and _package(old) != _package(new):
        warnings.append(f"the runs are of different packages: {_package(old)} and {_package(new)}")
    if old.get("status") != new.get("status"):
        drift.append(
            Drift("~", "status", f"{old.get('status')} -> {new.get('status')}", new.get("reason") or "")
        )
    new_findings = _findings(new, new_mask)
    drift += _sets("finding", set(_findings(old, old_mask)), set(new_findings))
    drift += _sets("reach", set(_reach(old, old_mask)), set(_reach(new, new_mask)))
    tool_drift, tool_warnings = _tool_drift(old, new)
    drift += tool_drift
    warnings += tool_warnings
    old_install, new_install = old.get("install") or {}, new.get("install") or {}
    for field in _INSTALL_FIELDS:
        if old_install.get(field) != new_install.get(field):
            drift.append(
                Drift("~", "install", field, f"{old_install.get(field)} -> {new_install.get(field)}")
            )
    drift = _approved(drift, new, new_findings, policy)
    return Comparison(str(old.get("target")), str(new.get("target")), tuple(drift), tuple(warnings))


def compare_configs(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], policy: Policy | None = None
) -> dict[str, Comparison]:
    """Server by server; a server only one run audited is drift of its own."""
    out: dict[str, Comparison] = {}
    for name in sorted(set(old) | set(new)):
        if name in old and name in new:
            out[name] = comparison(old[name], new[name], policy)
        else:
            mark, present = ("+", new) if name in new else ("-", old)
            target = str(present[name].get("target"))
            out[name] = Comparison(
                target if mark == "-" else "", target if mark == "+" else "", (Drift(mark, "server", name),)
            )
    return out
