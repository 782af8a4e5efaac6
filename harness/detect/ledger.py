"""The flow ledger: every flow that left the server, where it really went, and why it was expected.

A reviewer reading a clean verdict must see why each flow was allowed: the call named it,
the user configured it, or the target declared it. A flow carrying a call's data is judged
with that data's rules (:meth:`Expectations.for_data`), one carrying a planted credential
with the credential's, and one carrying neither by its host alone. A flow to a service under
a credential the user never gave is not expected either. A flow nothing made expected has no
reason, and the findings say what is wrong with it.
"""

from __future__ import annotations

from harness.detect.base import Evidence
from harness.detect.expected import Reason, Why, expectations
from harness.detect.flows import Flow
from harness.detect.scanning import ScannedFlow, scanned_flows
from harness.detect.timeline import Timeline
from harness.model import FlowRecord


def _reason(item: ScannedFlow, evidence: Evidence, timeline: Timeline) -> Reason | None:
    reason = _allowed(item, evidence, timeline)
    if (
        reason is not None
        and reason.why is not Why.NAMED_BY_CALL
        and expectations(evidence).foreign(item.flow)
    ):
        return None  # the right service, under another account: a foreign_credential finding
    return reason


def _allowed(item: ScannedFlow, evidence: Evidence, timeline: Timeline) -> Reason | None:
    expect = expectations(evidence)
    flow = item.flow
    if not item.hits:
        return expect.for_host(flow)
    during = timeline.at(evidence.events[flow.index].ts).call_id
    calls = {t: c for c in evidence.calls for t in c.canaries}
    credentials = {c.token: c for c in evidence.credentials}
    reasons = [
        expect.for_data(flow, calls[hit.token], during)
        if hit.token in calls
        else expect.for_credential(flow, credentials[hit.token])
        for hit in item.hits
    ]
    return None if None in reasons else reasons[0]


def _record(flow: Flow, reason: Reason | None) -> FlowRecord:
    return FlowRecord(
        event_index=flow.index,
        channel=flow.channel,
        host=flow.host,
        address=flow.address,
        claimed=flow.unbacked,
        size=len(flow.payload),
        expected=None if reason is None else reason.why.value,
        why=None if reason is None else reason.text,
    )


def flow_records(evidence: Evidence) -> tuple[FlowRecord, ...]:
    """One record per outbound flow, in event order (DNS reassemblies are the detectors' own)."""
    timeline = Timeline(evidence.events)
    return tuple(
        _record(item.flow, _reason(item, evidence, timeline))
        for item in scanned_flows(evidence)
        if item.flow.channel != "dns (reassembled)"
    )
