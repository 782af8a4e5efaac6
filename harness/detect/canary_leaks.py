"""Canary leaks: a token planted by one call, seen leaving toward a host or recipient that call did not name.

Where a call's data may go is :mod:`harness.detect.expected`'s answer: hosts the call
named, hosts the target declares, and, during that call, services the user configured.
Mail must still go only to the mailboxes the call named. Canary credentials planted in the
environment may go to declared hosts and to their own configured service where a client
authenticates; those planted in files (SSH key, cloud and registry tokens, ``.env``) may go
nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from harness.detect.base import Credential, Evidence
from harness.detect.dns_reassembly import parent_of
from harness.detect.encodings import Hit
from harness.detect.expected import Expectations, expectations
from harness.detect.flows import Flow, Recipient, is_dns
from harness.detect.scanning import REASSEMBLED, scanned_flows
from harness.detect.timeline import Moment, Timeline
from harness.model import Finding, Severity, ToolCall

_CONTEXT = 80


@dataclass(frozen=True)
class _Owner:
    """Who planted a token and what that planter may legitimately reach."""

    call_id: str | None
    tool: str | None
    call: ToolCall | None = None
    """The call that planted a data canary (None for credentials)."""
    credential: Credential | None = None
    """The planted credential (None for call canaries)."""
    when: str = ""
    """For a credential: the call or phase in flight when it left (``during install``)."""
    phase: str | None = None
    """For a credential that left outside any call: that phase."""

    @property
    def is_credential(self) -> bool:
        return self.credential is not None


def excerpt(data: bytes, needle: bytes) -> str:
    """Printable text around the first case-insensitive occurrence of ``needle``."""
    at = max(data.lower().find(needle.lower()), 0)
    window = data[max(at - _CONTEXT, 0) : at + len(needle) + _CONTEXT]
    return window.decode("ascii", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")


def _owners(evidence: Evidence) -> dict[str, _Owner]:
    owners = {
        token: _Owner(call.call_id, call.tool, call) for call in evidence.calls for token in call.canaries
    }
    for credential in evidence.credentials:
        owners[credential.token] = _Owner(None, None, credential=credential)
    return owners


class CanaryLeakDetector:
    name = "canary_leaks"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        owners = _owners(evidence)
        expect = expectations(evidence)
        timeline = Timeline(evidence.events)
        seen: set[tuple[str, str, str, str]] = set()
        dns_tokens: set[tuple[str, str]] = set()
        whole: set[tuple[str, str]] = set()
        for scanned in scanned_flows(evidence):
            flow = scanned.flow
            for hit in scanned.hits:
                if is_dns(flow.channel):
                    dns_tokens.add((parent_of(flow.host), hit.token))
                elif not flow.derived:
                    whole.add((flow.host, hit.token))
                elif (flow.host, hit.token) in (dns_tokens if flow.channel.endswith(REASSEMBLED) else whole):
                    continue  # already reported from a single query or request that carried it whole
                owner = owners[hit.token]
                moment = timeline.at(evidence.events[flow.index].ts)
                if owner.is_credential:  # no call planted it: the moment it left says when
                    owner = replace(
                        owner,
                        call_id=moment.call_id,
                        tool=moment.tool,
                        when=moment.label,
                        phase=moment.outside_call,
                    )
                for finding in self._judge(flow, hit, owner, expect, moment):
                    key = (
                        finding.kind,
                        owner.credential.source if owner.credential else str(owner.call_id),
                        finding.destination,
                        finding.channel,
                    )
                    if key not in seen:
                        seen.add(key)
                        yield finding

    def _judge(
        self, flow: Flow, hit: Hit, owner: _Owner, expect: Expectations, moment: Moment
    ) -> Iterator[Finding]:
        if owner.credential is not None:
            if expect.for_credential(flow, owner.credential) is None:
                yield self._host_finding(flow, hit, owner, f"{owner.when}, which is not its service")
            return
        call = owner.call
        if call is None:
            return
        if expect.for_data(flow, call, moment.call_id) is None:
            service = expect.service(flow)
            whose = (
                f", a service the user configured, {moment.label}: outside the call that handed the data over"
                if service is not None
                else ", which the call did not name"
            )
            yield self._host_finding(flow, hit, owner, whose)
        for recipient in flow.recipients:
            if recipient.address not in call.expected_recipients:
                yield self._recipient_finding(flow, hit.token, owner, recipient)

    def _host_finding(self, flow: Flow, hit: Hit, owner: _Owner, whose: str) -> Finding:
        what = (
            f"The credential planted in {owner.credential.source}"
            if owner.credential is not None
            else f"Data from {owner.tool}"
        )
        return Finding(
            kind="credential_exfiltration" if owner.is_credential else "canary_exfiltration",
            severity=Severity.CRITICAL if owner.is_credential else Severity.HIGH,
            title=f"{what} was sent to {flow.host} {whose}".replace(" ,", ","),
            call_id=owner.call_id,
            tool=owner.tool,
            canary=hit.token,
            destination=flow.host,
            channel=flow.channel,
            evidence=(f"[{' -> '.join((flow.channel, *hit.chain))}] " if hit.chain else "") + hit.excerpt,
            event_index=flow.index,
            phase=owner.phase,
        )

    def _recipient_finding(self, flow: Flow, token: str, owner: _Owner, recipient: Recipient) -> Finding:
        return Finding(
            kind="unexpected_recipient",
            severity=Severity.HIGH,
            title=(
                f"Mail from {owner.tool} carrying the caller's data also went to {recipient.address}"
                f" ({recipient.role.upper()}), a recipient the caller never named"
            ),
            call_id=owner.call_id,
            tool=owner.tool,
            canary=token,
            destination=recipient.address,
            channel=flow.channel,
            evidence=excerpt(flow.payload, recipient.address.encode()),
            event_index=flow.index,
        )
