"""Undecoded payloads: bytes that left the server and were too costly to decode to the end.

The canary scan spends a bounded budget per flow so hostile input cannot stall the audit. A flow
that exhausts it was not fully searched: a token may hide in what was left, so the verdict on it
is "not shown clean", and the report must say so rather than stay silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.canary_leaks import excerpt
from harness.detect.scanning import scanned_flows
from harness.detect.timeline import Timeline
from harness.model import Confidence, Finding, Severity


class UndecodedPayloadDetector:
    name = "undecoded_payload"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        timeline = Timeline(evidence.events)
        for item in scanned_flows(evidence):
            if item.complete or item.hits:
                continue  # a flow already caught leaking needs no second word
            flow = item.flow
            moment = timeline.at(evidence.events[flow.index].ts)
            yield Finding(
                kind="undecoded_payload",
                severity=Severity.MEDIUM,
                title=(
                    f"{len(flow.payload)} bytes sent to {flow.host} ({flow.channel}) {moment.label} expand,"
                    " through compression and encodings, past what the scan may decode; a canary may hide"
                    " in the part it could not search"
                ),
                **moment.where,
                canary=None,
                destination=flow.host,
                channel=flow.channel,
                evidence=excerpt(flow.payload, b""),
                event_index=flow.index,
                confidence=Confidence.LOW,
            )
