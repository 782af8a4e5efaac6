"""What the reviewer's page shows, computed once from an :class:`AuditResult` (pure; html.py renders it).

- *leaks*: findings grouped by kind, destination and tool (canaries masked), one per distinct
  behaviour, each listing the calls and events it happened in;
- *destinations*: every host or mailbox the server reached, marked ``unexpected`` (an open finding
  went there, or nobody named it), ``approved`` (a policy did), ``named`` (a call's own argument)
  or ``configured`` (the user's configuration or the target's declaration; the flow ledger's
  ``expected`` where it has one), laid out for an inline SVG map;
- *timeline*: calls, results, flows, processes, file writes and phases in order, each with the
  anchor its findings link to;
- *definitions*: the full text of every listed tool, resource and prompt a finding is about.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.detect.flows import outbound_flows
from harness.model import (
    AuditResult,
    Connection,
    Event,
    FileWritten,
    ListeningSocket,
    Listing,
    PhaseStarted,
    ProcessStart,
    ServerRequest,
    ToolCallFinished,
    ToolCallStarted,
)

MAX_ROWS = 3000
"""Timeline rows shown; the rest is in events.jsonl (the page says so)."""
MAX_NODES = 40
"""Destinations drawn on the map; the rest are listed by count."""
_TEXT = 300
MAX_DEFINITION = 64 * 1024
"""Characters of one listed definition shown in full (a description can be megabytes)."""
_MARKS = ("unexpected", "approved", "named", "configured")


def _cut(text: str, limit: int = _TEXT) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


@dataclass
class Leak:
    """One distinct behaviour: every finding of one kind, destination and tool."""

    anchor: str
    kind: str
    severity: str
    title: str
    destination: str
    channel: str
    where: str
    approval: str | None
    findings: list[int] = field(default_factory=list)
    """Indices into ``r.findings`` (their cards are ``#f-N``)."""
    occurrences: int = 0
    """Occurrences the findings stand for (a finding folds repeats of one kind, destination and call)."""
    calls: list[str] = field(default_factory=list)
    events: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Destination:
    name: str
    mark: str
    """``unexpected``, ``approved``, ``named`` or ``configured``."""
    channels: str
    flows: int
    first_event: int
    x: int = 0
    y: int = 0


@dataclass(frozen=True)
class Row:
    index: int
    """Line in events.jsonl, from 0: the row's anchor is ``#ev-N``."""
    offset: str
    kind: str
    text: str
    call_id: str | None
    findings: tuple[int, ...]


def _masker(result: AuditResult) -> Any:
    tokens = sorted({t for c in result.calls for t in c.canaries}, key=len, reverse=True)

    def mask(text: str) -> str:
        for token in tokens:
            text = text.replace(token, "‹canary›")
        return text

    return mask


def leaks(result: AuditResult) -> list[Leak]:
    mask = _masker(result)
    groups: dict[tuple[str, str, str], Leak] = {}
    for index, f in enumerate(result.findings):
        where = f.tool or (f"{f.phase} phase" if f.phase else "no call")
        key = (f.kind, mask(f.destination), where)
        if key not in groups:
            approval = f"approved by {f.approval.by}: {f.approval.reason}" if f.approval else None
            groups[key] = Leak(
                f"leak-{len(groups) + 1}", f.kind, f.severity, f.title, key[1], f.channel, where, approval
            )
        leak = groups[key]
        leak.findings.append(index)
        leak.occurrences += f.count
        if f.call_id and f.call_id not in leak.calls:
            leak.calls.append(f.call_id)
        leak.events.append(f.event_index)
    order = ["critical", "high", "medium", "low", "info"]
    return sorted(groups.values(), key=lambda g: (g.approval is not None, order.index(g.severity)))


def counts(result: AuditResult, attribute: str) -> list[tuple[str, int]]:
    """Findings per kind, destination or tool, most first."""
    mask = _masker(result)
    tally: dict[str, int] = {}
    for f in result.findings:
        value = getattr(f, attribute) or (f"{f.phase} phase" if f.phase else "—")
        tally[mask(str(value))] = tally.get(mask(str(value)), 0) + 1
    return sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))


def _matches(host: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(host.lower(), p.lower()) for p in patterns)


_HOST_NAME = re.compile(r"(?=[a-z0-9.-]*[a-z])[a-z0-9-]+(?:\.[a-z0-9-]+)+")


def unnamed_services(result: AuditResult) -> list[str]:
    """Hosts that got a call's data though neither the call nor the user named them, and that a
    reviewer could name with ``--expect-host``.

    An honest connector that sends each query to its vendor's API is reported like any other
    unnamed destination: the harness never takes a server's word for which hosts are its own. So
    the reviewer is told how to say it, knowingly. Data in DNS names, or a name carrying the canary
    itself, is a covert channel, never a service, and an address is no name to approve.
    """
    configured = {r.host.lower() for r in result.flows if r.expected in ("configured", "declared")}
    hosts = {
        f.destination.lower()
        for f in result.open_findings
        if f.kind == "canary_exfiltration"
        and not f.channel.startswith("dns")
        and f.canary
        and f.canary.lower() not in f.destination.lower()
    }
    return sorted(h for h in hosts if h not in configured and _HOST_NAME.fullmatch(h))[:MAX_NODES]


def destinations(result: AuditResult) -> tuple[list[Destination], int]:
    """Every destination reached, marked and placed on the map; and how many did not fit."""
    named = {h.lower() for c in result.calls for h in c.expected_hosts}
    named |= {r.lower() for c in result.calls for r in c.expected_recipients}
    named |= {r.rsplit("@", 1)[-1].lower() for c in result.calls for r in c.expected_recipients}
    open_to = {f.destination.lower() for f in result.open_findings}
    approved_to = {f.destination.lower() for f in result.findings if f.approval}
    expected = {r.host.lower(): r.expected for r in result.flows if r.expected}
    """What the flow ledger says made each host expected (a call, the user's config, the target)."""
    seen: dict[str, tuple[set[str], int, int]] = {}
    for flow in outbound_flows(result.events):
        names = [flow.host] + [r.address for r in flow.recipients]
        for name in names:
            channels, count, first = seen.get(name.lower(), (set(), 0, flow.index))
            seen[name.lower()] = (channels | {flow.channel}, count + 1, first)
    out = []
    for name, (channels, count, first) in seen.items():
        if name in open_to:
            mark = "unexpected"
        elif name in approved_to or _matches(name, result.approved_hosts):
            mark = "approved"
        elif name in named or expected.get(name) == "named_by_call":
            mark = "named"
        elif _matches(name, result.declared_hosts) or expected.get(name) in ("configured", "declared"):
            mark = "configured"
        else:
            mark = "unexpected"
        out.append(Destination(_cut(name), mark, ", ".join(sorted(channels)), count, first))
    out.sort(key=lambda d: (_MARKS.index(d.mark), d.name))
    shown = out[:MAX_NODES]
    return [
        Destination(d.name, d.mark, d.channels, d.flows, d.first_event, 330, 30 + 34 * i)
        for i, d in enumerate(shown)
    ], len(out) - len(shown)


def _describe(event: Event) -> tuple[str, str, str | None] | None:
    """(kind, text, call id) of a timeline row, or None for events the timeline leaves to the flows."""
    if isinstance(event, PhaseStarted):
        return "phase", f"phase {event.phase}", None
    if isinstance(event, ToolCallStarted):
        args = _cut(json.dumps(event.arguments, ensure_ascii=False), 160)
        return "call", f"{event.surface} {event.tool} {args}", event.call_id
    if isinstance(event, ToolCallFinished):
        state = "error" if event.is_error or not event.ok else "ok"
        return "result", f"{state}: {_cut(event.error or event.text, 160)}", event.call_id
    if isinstance(event, ProcessStart):
        return "process", f"pid {event.pid} (parent {event.ppid}): {_cut(event.command, 200)}", None
    if isinstance(event, FileWritten):
        return "file", f"{event.path} ({event.size} bytes)", None
    if isinstance(event, ListeningSocket):
        return "socket", f"listening {event.proto} {event.address}:{event.port}", None
    if isinstance(event, Listing):
        return "listing", f"{event.surface} listed ({len(event.items)}, {event.trigger})", None
    if isinstance(event, ServerRequest):
        return "request", f"server asked {event.method}", event.call_id
    if isinstance(event, Connection):
        return "connect", f"connection to {event.dst_ip}:{event.dst_port} ({event.service})", None
    return None


def timeline(result: AuditResult) -> tuple[list[Row], int]:
    """The run in order, with findings attached to the event that holds their evidence."""
    by_event: dict[int, list[int]] = {}
    for index, f in enumerate(result.findings):
        by_event.setdefault(f.event_index, []).append(index)
    flows = {flow.index: flow for flow in outbound_flows(result.events)}
    start = result.events[0].ts if result.events else result.started
    rows: list[Row] = []
    for index, event in enumerate(result.events):
        flow = flows.get(index)
        if flow is not None:
            to = ", ".join(r.address for r in flow.recipients) or flow.host
            described: tuple[str, str, str | None] | None = (
                "flow",
                f"{flow.channel} to {to} ({len(flow.payload)} bytes)",
                None,
            )
        else:
            described = _describe(event)
        if described is None and index not in by_event:
            continue
        kind, text, call_id = described or (event.kind, event.kind.replace("_", " "), None)
        rows.append(
            Row(index, f"+{event.ts - start:.2f}s", kind, text, call_id, tuple(by_event.get(index, ())))
        )
    return rows[:MAX_ROWS], max(len(rows) - MAX_ROWS, 0)


def definitions(result: AuditResult) -> dict[str, str]:
    """Name -> the full definition as listed, for every listed item a finding names."""
    wanted = {f.destination for f in result.findings} | {f.tool for f in result.findings if f.tool}
    out: dict[str, str] = {}
    for event in result.events:
        if isinstance(event, Listing):
            for item in event.items:
                name = str(item.get("name") or item.get("uri") or "")
                if name in wanted and name not in out:
                    out[name] = _cut(json.dumps(item, indent=2, ensure_ascii=False), MAX_DEFINITION)
    for tool in result.tools:
        name = str(tool.get("name"))
        if name in wanted and name not in out:
            out[name] = _cut(json.dumps(tool, indent=2, ensure_ascii=False), MAX_DEFINITION)
    return out
