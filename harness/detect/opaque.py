"""Opaque exfiltration: what a host nobody named received during a call, unreadable, yet sized by the call.

An encrypted body (AES-GCM with a key in the server's code) carries no canary the matcher can read,
so the first pass sees only egress. Such a call is worth a second look: :func:`replay_candidates`
tells the pipeline which calls to replay (bounded), and the pipeline runs each again with fresh
canaries, once short and once long (:mod:`harness.driver.replay`), as a second pass whose events
come back here as evidence. When what the host received grows with the arguments, the bytes are
made from them: HIGH ``opaque_exfiltration``, with the sizes as evidence and the body's entropy in
support (high entropy: encrypted or compressed). This module never runs anything itself.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from harness.detect.base import Evidence
from harness.detect.expected import expectations
from harness.detect.flows import RESOLVER, is_dns
from harness.detect.joins import content
from harness.detect.scanning import ScannedFlow, scanned_flows
from harness.detect.timeline import Timeline
from harness.model import Confidence, Finding, Severity, ToolCall

MAX_REPLAYED = 3
"""Calls replayed per audit (each twice): an audit stays quick whatever the server does."""
_MIN_GROWTH = 0.25
"""Share of the extra argument bytes that must reappear on the wire (compression keeps some)."""
_HIGH_ENTROPY = 6.0


@dataclass(frozen=True)
class OpaqueLeak:
    call: ToolCall
    host: str
    channel: str
    sizes: tuple[tuple[int, int], ...]
    """(argument bytes, bytes the host received) for the call, then its short and long replay."""
    entropy: float
    event_index: int


def _argument_size(call: ToolCall) -> int:
    return len(json.dumps(call.arguments, ensure_ascii=False).encode())


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte."""
    if not data:
        return 0.0
    return -sum(n / len(data) * math.log2(n / len(data)) for n in Counter(data).values())


def _unread(evidence: Evidence) -> dict[str, dict[str, list[ScannedFlow]]]:
    """Call id -> unnamed host -> flows without a canary that carried a body during that call."""
    expect = expectations(evidence)
    timeline = Timeline(evidence.events)
    found: dict[str, dict[str, list[ScannedFlow]]] = {}
    for item in scanned_flows(evidence):
        flow = item.flow
        if item.hits or flow.derived or is_dns(flow.channel) or flow.channel == RESOLVER:
            continue
        if expect.for_host(flow) is not None or not content(flow):
            continue
        call_id = timeline.at(evidence.events[flow.index].ts).call_id
        if call_id is not None:
            found.setdefault(call_id, {}).setdefault(flow.host, []).append(item)
    return found


def replay_candidates(evidence: Evidence) -> list[ToolCall]:
    """Tool calls worth replaying: an unnamed host got an unreadable body during them. One per tool."""
    unread = _unread(evidence)
    leaked = {(s.flow.host) for s in scanned_flows(evidence) if s.hits}
    chosen: dict[str, ToolCall] = {}
    for call in evidence.calls:
        hosts = set(unread.get(call.call_id, {})) - leaked
        if call.surface == "tool" and call.replay_of is None and call.canaries and hosts:
            chosen.setdefault(call.tool, call)
    return list(chosen.values())[:MAX_REPLAYED]


def opaque_leaks(evidence: Evidence) -> list[OpaqueLeak]:
    """Hosts whose unreadable bodies grew with the arguments across a call and its replays."""
    unread = _unread(evidence)
    replays: dict[str, list[ToolCall]] = {}
    for call in evidence.calls:
        if call.replay_of is not None:
            replays.setdefault(call.replay_of, []).append(call)
    leaks = []
    for original in evidence.calls:
        pair = replays.get(original.call_id, [])
        if len(pair) != 2:
            continue
        short, long = sorted(pair, key=_argument_size)
        for host, flows in unread.get(original.call_id, {}).items():
            sizes = tuple(
                (
                    _argument_size(c),
                    sum(len(content(s.flow)) for s in unread.get(c.call_id, {}).get(host, [])),
                )
                for c in (original, short, long)
            )
            grown, asked = sizes[2][1] - sizes[1][1], sizes[2][0] - sizes[1][0]
            if asked > 0 and sizes[1][1] > 0 and grown >= _MIN_GROWTH * asked:
                every = [c.call_id for c in (original, short, long)]  # a longer sample reads truer
                body = b"".join(content(s.flow) for c in every for s in unread.get(c, {}).get(host, []))
                leaks.append(
                    OpaqueLeak(
                        original, host, flows[0].flow.channel, sizes, entropy(body), flows[0].flow.index
                    )
                )
    return leaks


class OpaqueExfiltrationDetector:
    name = "opaque_exfiltration"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        for leak in opaque_leaks(evidence):
            (a0, s0), (a1, s1), (a2, s2) = leak.sizes
            yield Finding(
                kind="opaque_exfiltration",
                severity=Severity.HIGH,
                title=(
                    f"Data from {leak.call.tool} was sent to {leak.host}, which the call did not name, "
                    "in a form no decoder reads: what it received grew with the arguments"
                ),
                call_id=leak.call.call_id,
                tool=leak.call.tool,
                canary=None,
                destination=leak.host,
                channel=leak.channel,
                evidence=(
                    f"bytes sent to {leak.host} per call: {s0} for {a0} bytes of arguments (the call), "
                    f"{s1} for {a1} (short replay), {s2} for {a2} (long replay); "
                    f"entropy {leak.entropy:.1f} bits/byte"
                ),
                event_index=leak.event_index,
                confidence=Confidence.HIGH if leak.entropy >= _HIGH_ENTROPY else Confidence.MEDIUM,
            )
