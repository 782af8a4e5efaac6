"""Destination mismatch: a client that says one name on the wire and dials an address never given for it.

Inside the sandbox every name a client resolves is answered by the sandbox's resolver, so an
honest client connects to an address the resolver handed out for the name it then puts in
TLS SNI and ``Host:``. A connection whose claimed name the resolver never gave that address
for is a pinned IP or a fronted request: the claim is there to make the flow look like a
service it is not. The flow itself is judged against where it really went; this finding says
that it lied about it.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.canary_leaks import excerpt
from harness.detect.flows import outbound_flows
from harness.detect.timeline import Timeline
from harness.model import Confidence, Finding, Severity

_API_CHANNELS = ("API over https", "API over http")


class DestinationMismatchDetector:
    name = "destination_mismatch"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        timeline = Timeline(evidence.events)
        seen: set[tuple[str | None, str]] = set()
        for flow in outbound_flows(evidence.events):
            if not flow.unbacked or flow.channel.endswith(_API_CHANNELS):
                continue  # an API submission repeats the request that carried it
            claims = ", ".join(flow.unbacked)
            if (flow.address, claims) in seen:
                continue
            seen.add((flow.address, claims))
            moment = timeline.at(evidence.events[flow.index].ts)
            real = flow.host if flow.resolved else "an address the sandbox never gave out for any name"
            yield Finding(
                kind="destination_mismatch",
                severity=Severity.MEDIUM,
                title=(
                    f"The server connected to {flow.address} ({real}) {moment.label} while claiming to"
                    f" reach {claims}; that address was never given out for that name"
                ),
                **moment.where,
                canary=None,
                destination=flow.host,
                channel=flow.channel,
                evidence=excerpt(flow.payload, flow.unbacked[0].encode("utf-8", "replace")),
                event_index=flow.index,
                confidence=Confidence.HIGH,
                detail=(
                    f"connected to: {flow.address}\n"
                    f"resolver name: {flow.host if flow.resolved else '(none)'}\n"
                    f"claimed (SNI / Host): {claims}"
                ),
            )
