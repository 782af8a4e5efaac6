"""Host behaviour: processes the server spawns, persistence it writes, sockets it listens on,
resources it exhausts.

Each observation is attributed by time to the call (or phase) in flight.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.timeline import Timeline
from harness.model import (
    BudgetReached,
    Confidence,
    FileWritten,
    Finding,
    ListeningSocket,
    ProcessStart,
    ResourceUsage,
    Severity,
)

_PERSISTENCE = re.compile(
    r"/(\.bashrc|\.bash_profile|\.bash_login|\.profile|\.zshrc|\.zprofile|\.zshenv|\.config/fish/config\.fish"
    r"|\.config/autostart/[^/]+|\.config/systemd/user/[^/]+|\.local/share/systemd/user/[^/]+"
    r"|\.ssh/authorized_keys|\.ssh/rc|\.crontab|\.cron[^/]*|\.xinitrc|\.xprofile|Library/LaunchAgents/[^/]+)$"
)


class HostBehaviourDetector:
    name = "host_behaviour"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        timeline = Timeline(evidence.events)
        commands: dict[int, str] = {}
        for index, event in enumerate(evidence.events):
            moment = timeline.at(event.ts)
            if isinstance(event, ProcessStart):
                parent = commands.get(event.ppid) or "the server: " + " ".join(evidence.target.command)
                commands[event.pid] = event.command
                yield Finding(
                    kind="process_spawn",
                    severity=Severity.MEDIUM,
                    title=f"The server ran {event.command[:120]!r} {moment.label}",
                    **moment.where,
                    canary=None,
                    destination=_program(event.command),
                    channel="exec",
                    evidence=f"command line: {event.command[:1000]}\n"
                    f"started by (pid {event.ppid}): {parent[:300]}",
                    event_index=index,
                )
            elif isinstance(event, FileWritten) and _PERSISTENCE.search(event.path):
                yield Finding(
                    kind="persistence",
                    severity=Severity.HIGH,
                    title=f"The server wrote {event.path} {moment.label}, a file that runs code later",
                    **moment.where,
                    canary=None,
                    destination=event.path,
                    channel="file write",
                    evidence=event.head.decode("utf-8", "backslashreplace")[:400],
                    event_index=index,
                )
            elif isinstance(event, ListeningSocket) and not _is_declared_endpoint(event, evidence):
                where = "every interface" if event.address in ("0.0.0.0", "::") else event.address
                yield Finding(
                    kind="listening_socket",
                    severity=Severity.MEDIUM,
                    title=f"The server listens on {event.proto} port {event.port} ({where}) {moment.label}",
                    **moment.where,
                    canary=None,
                    destination=f"{event.address}:{event.port}",
                    channel=event.proto,
                    evidence=f"{event.proto} {event.address}:{event.port} in listening state",
                    event_index=index,
                )
            elif isinstance(event, ResourceUsage):
                yield from _resource_abuse(event, index)
            elif isinstance(event, BudgetReached):
                yield _budget_reached(event, index)


def _budget_reached(event: BudgetReached, index: int) -> Finding:
    """A bound on what the server may make the host store was reached: stated, so no reader takes
    the kept part for the whole."""
    limit = (
        f"{event.limit >> 20} MiB"
        if event.unit == "bytes" and event.limit >= 1 << 20
        else f"{event.limit} {event.unit}"
    )
    left = f"; not kept: {event.dropped}" if event.dropped else ""
    return Finding(
        kind="resource_abuse",
        severity=Severity.MEDIUM,
        title=f"The server filled its {event.budget} budget ({limit}){left}",
        call_id=None,
        tool=None,
        canary=None,
        destination=event.budget,
        channel="resources",
        evidence=f"{event.budget}: limit {event.limit} {event.unit}{left}",
        event_index=index,
        confidence=Confidence.MEDIUM,
    )


def _program(command: str) -> str:
    """The program a command line runs (its first word), or the whole note when it is one of ours."""
    return command if command.startswith(("(", "[")) else command.split(" ", 1)[0][:200]


def _resource_abuse(usage: ResourceUsage, index: int) -> Iterator[Finding]:
    near = []
    if usage.oom_killed:
        near.append("killed for running out of memory")
    if usage.memory_peak and usage.memory_limit and usage.memory_peak >= 0.9 * usage.memory_limit:
        near.append(f"memory peaked at {usage.memory_peak >> 20} MiB of {usage.memory_limit >> 20} MiB")
    if usage.pids_peak and usage.pids_limit and usage.pids_peak >= 0.9 * usage.pids_limit:
        near.append(f"{usage.pids_peak} processes of {usage.pids_limit} allowed")
    if near:
        yield Finding(
            kind="resource_abuse",
            severity=Severity.MEDIUM,
            title="The server exhausted its sandbox's resources: " + "; ".join(near),
            call_id=None,
            tool=None,
            canary=None,
            destination="sandbox",
            channel="resources",
            evidence="; ".join(near),
            event_index=index,
            confidence=Confidence.MEDIUM,
        )


def _is_declared_endpoint(event: ListeningSocket, evidence: Evidence) -> bool:
    """The port an HTTP or SSE server was declared to serve MCP on: listening there is its job."""
    target = evidence.target
    return target.transport != "stdio" and event.proto.startswith("tcp") and event.port == target.port
