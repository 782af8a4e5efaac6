"""Unexpected egress: traffic without canaries toward a host nobody named (no call, no configuration,
no declaration: :mod:`harness.detect.expected`).

An update check is not a leak, but a reviewer wants to see every place a
server reaches on its own, and especially what it does at start-up before any
call. Canary-carrying flows are left to the canary detector.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.canary_leaks import excerpt
from harness.detect.dns_reassembly import parent_of
from harness.detect.expected import expectations
from harness.detect.flows import RESOLVER, is_dns
from harness.detect.opaque import opaque_leaks
from harness.detect.probes import is_probe
from harness.detect.scanning import scanned_flows
from harness.detect.timeline import Timeline
from harness.model import Confidence, Finding, Severity

_API_CHANNELS = ("API over https", "API over http")


class UnexpectedEgressDetector:
    name = "unexpected_egress"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        expect = expectations(evidence)
        scanned = scanned_flows(evidence)
        leaking = {s.flow.host for s in scanned if s.hits} | {leak.host for leak in opaque_leaks(evidence)}
        dns_parents = {parent_of(s.flow.host) for s in scanned if s.hits and s.flow.channel.startswith("dns")}
        timeline = Timeline(evidence.events)
        reported: set[str] = set()
        resolvers = {s.flow.host for s in scanned if s.flow.channel == RESOLVER}
        for item in scanned:
            flow = item.flow
            if item.hits or flow.derived or flow.channel.endswith(_API_CHANNELS):
                continue  # canary flows are the leak detector's; API submissions repeat their HTTP request
            if flow.channel == RESOLVER or (is_dns(flow.channel) and flow.host in resolvers):
                continue  # a DoH resolver (and looking it up) is judged by the names asked through it
            if flow.host in reported or flow.host in leaking or expect.for_host(flow) is not None:
                continue
            if is_dns(flow.channel) and parent_of(flow.host) in dns_parents:
                continue  # one chunk of a DNS exfiltration already reported as a leak
            if flow.channel == "dns" and is_probe(flow.host):
                continue  # a name that cannot exist: a sandbox probe, reported as one
            reported.add(flow.host)
            moment = timeline.at(evidence.events[flow.index].ts)
            yield Finding(
                kind="unexpected_egress",
                severity=Severity.MEDIUM if moment.phase in ("install", "startup") else Severity.LOW,
                title=f"The server reached {flow.host} ({flow.channel}) {moment.label}; no call named it",
                **moment.where,
                canary=None,
                destination=flow.host,
                channel=flow.channel,
                evidence=excerpt(flow.payload, b""),
                event_index=flow.index,
                confidence=Confidence.MEDIUM,
            )
