"""Unexpected egress: traffic without canaries toward a host nobody named.

An update check is not a leak, but a reviewer wants to see every place a
server reaches on its own, and especially what it does at start-up before any
call. Canary-carrying flows are left to the canary detector.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.canary_leaks import excerpt
from harness.detect.flows import outbound_flows
from harness.detect.timeline import Timeline
from harness.model import Confidence, Finding, Severity


def named_hosts(evidence: Evidence) -> set[str]:
    """Hosts the target declares, hosts any call named, and the domains of any mailbox a call named."""
    hosts = set(evidence.target.expected_hosts)
    for call in evidence.calls:
        hosts |= call.expected_hosts
        hosts |= {address.rsplit("@", 1)[-1] for address in call.expected_recipients}
    return hosts


class UnexpectedEgressDetector:
    name = "unexpected_egress"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        named = named_hosts(evidence)
        tokens = [t.encode() for call in evidence.calls for t in call.canaries]
        tokens += [c.token.encode() for c in evidence.credentials]
        timeline = Timeline(evidence.events)
        reported: set[str] = set()
        for flow in outbound_flows(evidence.events):
            if (
                flow.host in named
                or flow.host in reported
                or flow.channel.endswith(("API over https", "API over http"))
            ):
                continue
            lowered = flow.payload.lower()
            if any(token in lowered for token in tokens):
                continue
            reported.add(flow.host)
            moment = timeline.at(evidence.events[flow.index].ts)
            yield Finding(
                kind="unexpected_egress",
                severity=Severity.MEDIUM if moment.phase == "startup" else Severity.LOW,
                title=f"The server reached {flow.host} ({flow.channel}) {moment.label}; no call named it",
                call_id=moment.call_id,
                tool=moment.tool,
                canary=None,
                destination=flow.host,
                channel=flow.channel,
                evidence=excerpt(flow.payload, b""),
                event_index=flow.index,
                confidence=Confidence.MEDIUM,
            )
