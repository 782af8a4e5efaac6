"""Canary leaks: a token planted by one call, seen leaving toward a host or recipient that call did not name.

What a call names is its own email arguments, the hosts of its URL
arguments, and the service hosts the target declares. Canary credentials
planted in the environment may go only to the declared service hosts; those
planted in files (SSH key, cloud and registry tokens, ``.env``) may go nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from harness.detect.base import Evidence
from harness.detect.dns_reassembly import parent_of
from harness.detect.encodings import Hit
from harness.detect.flows import Flow, Recipient
from harness.detect.scanning import scanned_flows
from harness.detect.timeline import Timeline
from harness.model import Finding, Severity

_CONTEXT = 80


@dataclass(frozen=True)
class _Owner:
    """Who planted a token and what that planter may legitimately reach."""

    call_id: str | None
    tool: str | None
    recipients: frozenset[str]
    hosts: frozenset[str]
    credential: str | None = None
    """Where a planted credential came from (None for call canaries)."""
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
    declared = frozenset(evidence.target.expected_hosts)
    owners = {
        token: _Owner(call.call_id, call.tool, call.expected_recipients, call.expected_hosts | declared)
        for call in evidence.calls
        for token in call.canaries
    }
    for credential in evidence.credentials:
        owners[credential.token] = _Owner(
            None, None, frozenset(), credential.allowed_hosts, credential.source
        )
    return owners


class CanaryLeakDetector:
    name = "canary_leaks"

    def detect(self, evidence: Evidence) -> Iterator[Finding]:
        owners = _owners(evidence)
        timeline = Timeline(evidence.events)
        seen: set[tuple[str, str, str, str]] = set()
        dns_tokens: set[tuple[str, str]] = set()
        for scanned in scanned_flows(evidence):
            flow = scanned.flow
            for hit in scanned.hits:
                if flow.channel == "dns":
                    dns_tokens.add((parent_of(flow.host), hit.token))
                elif flow.channel == "dns (reassembled)" and (flow.host, hit.token) in dns_tokens:
                    continue  # already reported from a single query that carried the whole token
                owner = owners[hit.token]
                if owner.is_credential:  # no call planted it: the moment it left says when
                    moment = timeline.at(evidence.events[flow.index].ts)
                    owner = replace(
                        owner,
                        call_id=moment.call_id,
                        tool=moment.tool,
                        when=moment.label,
                        phase=moment.outside_call,
                    )
                for finding in self._judge(flow, hit, owner):
                    key = (
                        finding.kind,
                        str(owner.credential) if owner.is_credential else str(owner.call_id),
                        finding.destination,
                        finding.channel,
                    )
                    if key not in seen:
                        seen.add(key)
                        yield finding

    def _judge(self, flow: Flow, hit: Hit, owner: _Owner) -> Iterator[Finding]:
        if flow.host not in owner.hosts:
            yield self._host_finding(flow, hit, owner)
        for recipient in flow.recipients:
            if recipient.address not in owner.recipients and not owner.is_credential:
                yield self._recipient_finding(flow, hit.token, owner, recipient)

    def _host_finding(self, flow: Flow, hit: Hit, owner: _Owner) -> Finding:
        what = (
            f"The credential planted in {owner.credential}"
            if owner.is_credential
            else f"Data from {owner.tool}"
        )
        whose = (
            f"{owner.when}, which is no declared service"
            if owner.is_credential
            else ", which the call did not name"
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
