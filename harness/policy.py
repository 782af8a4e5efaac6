"""Approvals: what a reviewer accepted about a connector, kept in a TOML policy file.

``mcp-harness approve RUN_DIR`` writes one from a run the reviewer accepted; ``audit --policy`` and
``compare --policy`` read it. An approved finding is still reported, marked with who approved it
and why; it only stops counting toward the exit code. Approvals are narrow on purpose: a host is
approved for one tool and one finding kind, so the same tool sending credentials to the same host
is still a finding. Canary tokens differ every run, so where a destination held one the policy
keeps ``*`` in its place.

Layout (``version`` 1)::

    version = 1
    [connectors."<target>".tools."<tool>"]     # a tool name, "phase:<phase>", or "*"
    hosts = [{ host = "metrics.example.com", kind = "unexpected_egress", by = "ann", reason = "..." }]
    recipients = [{ recipient = "audit@corp.example", kind = "unexpected_recipient", by = "", reason = "" }]
    kinds = [{ kind = "tool_poisoning", by = "...", reason = "..." }]
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import tomli_w

from harness.errors import TargetError
from harness.model import Approval, Finding

POLICY_VERSION = 1
_NETWORK_KINDS = frozenset(
    {"canary_exfiltration", "credential_exfiltration", "unexpected_egress", "undecoded_payload"}
)
_MAX_FIELD = 500
"""Longest value a policy keeps from a report (destinations are server-controlled)."""

Field = Literal["hosts", "recipients", "kinds"]


@dataclass(frozen=True)
class Rule:
    """One approved behaviour of one connector."""

    connector: str
    scope: str
    """The tool name, ``phase:<phase>`` for behaviour outside calls, or ``*`` for any."""
    field: Field
    kind: str
    value: str
    """Host or recipient glob (``*`` where a canary stood); the kind itself for ``kinds``."""
    approval: Approval

    def matches(self, kind: str, scope: str, destination: str) -> bool:
        if kind != self.kind or self.scope not in ("*", scope):
            return False
        return self.field == "kinds" or fnmatch.fnmatchcase(destination.lower(), self.value.lower())


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...] = ()

    def approval_for(
        self, connector: str, kind: str, tool: str | None, phase: str | None, destination: str
    ) -> Approval | None:
        scope = scope_of(tool, phase)
        for rule in self.rules:
            if rule.connector == connector and rule.matches(kind, scope, destination):
                return rule.approval
        return None

    def host_approval(self, connector: str, host: str) -> Approval | None:
        """The approval of ``host`` for any tool and kind: enough to call a reached host approved."""
        for rule in self.rules:
            if rule.connector == connector and rule.field == "hosts":
                if fnmatch.fnmatchcase(host.lower(), rule.value.lower()):
                    return rule.approval
        return None

    def hosts(self, connector: str) -> tuple[str, ...]:
        return tuple(sorted({r.value for r in self.rules if r.connector == connector and r.field == "hosts"}))

    def connectors(self) -> set[str]:
        return {r.connector for r in self.rules}


def scope_of(tool: str | None, phase: str | None) -> str:
    return tool if tool else f"phase:{phase}" if phase else "*"


def apply_policy(connector: str, findings: Iterable[Finding], policy: Policy | None) -> list[Finding]:
    """The findings with each approved one marked (never dropped)."""
    if policy is None:
        return list(findings)
    return [
        replace(f, approval=policy.approval_for(connector, f.kind, f.tool, f.phase, f.destination))
        for f in findings
    ]


# --------------------------------------------------------------------------- reading and writing


def _entry(connector: str, scope: str, field: Field, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise ValueError(f"{field} entries are tables")
    value_key = {"hosts": "host", "recipients": "recipient", "kinds": "kind"}[field]
    values = [raw.get("kind"), raw.get(value_key), raw.get("by"), raw.get("reason")]
    if not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"each of {field} needs kind, {value_key}, by and reason")
    kind, value, by, reason = (str(v) for v in values)
    return Rule(connector, scope, field, kind, value, Approval(by, reason))


def load_policy(path: Path) -> Policy:
    """Read a policy file; anything malformed is one TargetError naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetError(f"cannot read policy {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TargetError(f"policy {path} is not TOML: {exc}") from None
    if data.get("version") != POLICY_VERSION:
        raise TargetError(f"policy {path} is not a version {POLICY_VERSION} policy")
    rules: list[Rule] = []
    try:
        for connector, body in (data.get("connectors") or {}).items():
            for scope, lists in (body.get("tools") or {}).items():
                for field in ("hosts", "recipients", "kinds"):
                    rules += [_entry(connector, scope, field, raw) for raw in lists.get(field) or []]
    except (ValueError, AttributeError) as exc:
        raise TargetError(f"policy {path}: {exc}") from None
    return Policy(tuple(rules))


def dump_policy(policy: Policy) -> str:
    connectors: dict[str, Any] = {}
    for rule in policy.rules:
        tools = connectors.setdefault(rule.connector, {"tools": {}})["tools"]
        entry = {"kind": rule.kind, "by": rule.approval.by, "reason": rule.approval.reason}
        if rule.field != "kinds":
            entry = {rule.field[:-1]: rule.value, **entry}
        tools.setdefault(rule.scope, {}).setdefault(rule.field, []).append(entry)
    header = "# mcp-harness approvals: behaviour a reviewer accepted, per connector and tool.\n"
    return header + tomli_w.dumps({"version": POLICY_VERSION, "connectors": connectors})


def merged(old: Policy, new: Policy) -> Policy:
    """``old`` plus the rules of ``new`` it does not already hold (earlier approvals keep their reason)."""
    seen = {(r.connector, r.scope, r.field, r.kind, r.value) for r in old.rules}
    extra = [r for r in new.rules if (r.connector, r.scope, r.field, r.kind, r.value) not in seen]
    return Policy(old.rules + tuple(extra))


# --------------------------------------------------------------------------- approving a run


def _masked(destination: str, tokens: Iterable[str]) -> str:
    for token in sorted(set(tokens), key=len, reverse=True):
        if token:
            destination = destination.replace(token, "*")
    # a glob character the server put in its own destination must not widen the approval
    return destination.replace("[", "[[]").replace("?", "[?]")[:_MAX_FIELD]


def _rule_for(connector: str, finding: dict[str, Any], tokens: set[str], approval: Approval) -> Rule:
    kind = str(finding.get("kind"))[:_MAX_FIELD]
    scope = scope_of(finding.get("tool"), finding.get("phase"))[:_MAX_FIELD]
    destination = str(finding.get("destination") or "")
    field: Field = "kinds"
    if "@" in destination and " " not in destination:
        field = "recipients"
    elif kind in _NETWORK_KINDS:
        field = "hosts"
    value = kind if field == "kinds" else _masked(destination, tokens | {finding.get("canary") or ""})
    return Rule(connector, scope, field, kind, value, approval)


def policy_from_report(report: dict[str, Any], by: str, reason: str) -> Policy:
    """Approve every finding of one accepted run (``report.json`` as a dict)."""
    connector = str(report.get("target"))
    tokens = {t for c in report.get("calls") or [] for t in c.get("canaries") or []}
    approval = Approval(by, reason)
    rules: dict[tuple[str, ...], Rule] = {}
    for finding in report.get("findings") or []:
        rule = _rule_for(connector, finding, tokens, approval)
        rules.setdefault((rule.scope, rule.field, rule.kind, rule.value), rule)
    return Policy(tuple(rules.values()))
