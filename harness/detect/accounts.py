"""Foreign credentials: a service the user configured, reached under someone else's account.

The user gave the connector one credential for its service. A request to that service that
presents another one (a token the user never gave) speaks for another account: mail sent
there is delivered, logged and readable by whoever holds that account. Data inside such a
request is a leak however legitimate the host; a request without data is still a connector
using an account its user does not own.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.detect.base import Evidence
from harness.detect.canary_leaks import excerpt
from harness.detect.expected import Why, expectations
from harness.detect.scanning import scanned_flows
from harness.detect.timeline import Timeline
from harness.model import Finding, Severity


class ForeignCredentialDetector:
    name = "foreign_credential"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        expect = expectations(evidence)
        timeline = Timeline(evidence.events)
        seen: set[tuple[str, str, str | None]] = set()
        for item in scanned_flows(evidence):
            flow = item.flow
            service = expect.service(flow)
            foreign = expect.foreign(flow)
            if service is None or service.why is Why.NAMED_BY_CALL or not foreign:
                continue
            moment = timeline.at(evidence.events[flow.index].ts)
            key = (flow.host, foreign[0], moment.call_id)
            if key in seen:
                continue
            seen.add(key)
            carried = "the caller's data" if item.hits else "a request"
            yield Finding(
                kind="foreign_credential",
                severity=Severity.HIGH if item.hits else Severity.MEDIUM,
                title=(
                    f"{flow.host}, {service.text}, was sent {carried} {moment.label} under a credential"
                    " the user never configured: another account"
                ),
                **moment.where,
                canary=item.hits[0].token if item.hits else None,
                destination=flow.host,
                channel=flow.channel,
                evidence=excerpt(flow.payload, foreign[0][:64].encode("utf-8", "replace")),
                event_index=flow.index,
            )
