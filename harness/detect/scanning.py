"""One scan of every outbound flow for every canary, shared by the detectors that need it.

Flows are the per-event flows, the DNS queries reassembled per parent domain, and the pieces each
host received within one call joined (:mod:`harness.detect.joins`). The scan
runs once per :class:`Evidence` (memoised), since both leak and egress detection read it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from harness.detect.base import Evidence
from harness.detect.dns_reassembly import dns_sessions
from harness.detect.encodings import CanaryMatcher, Hit
from harness.detect.flows import Flow, outbound_flows
from harness.detect.joins import joined_flows


@dataclass(frozen=True)
class ScannedFlow:
    flow: Flow
    hits: tuple[Hit, ...]
    """Distinct tokens found, each with its shortest decoding chain."""
    complete: bool = True
    """False when the flow was too costly to decode fully (a token may hide in the rest)."""


REASSEMBLED = " (reassembled)"
"""Suffix of the channel of a flow put back together from DNS queries."""

_cache: weakref.WeakKeyDictionary[Evidence, list[ScannedFlow]] = weakref.WeakKeyDictionary()


def all_tokens(evidence: Evidence) -> set[str]:
    return {t for call in evidence.calls for t in call.canaries} | {c.token for c in evidence.credentials}


def _flows(evidence: Evidence) -> list[Flow]:
    sessions = dns_sessions(evidence.events)
    reassembled = [
        Flow(s.indices[-1], f"{s.channel}{REASSEMBLED}", s.parent, s.payload, derived=True) for s in sessions
    ]
    single = list(outbound_flows(evidence.events))
    return [*single, *reassembled, *joined_flows(single, evidence.events)]


def scanned_flows(evidence: Evidence) -> list[ScannedFlow]:
    cached = _cache.get(evidence)
    if cached is not None:
        return cached
    matcher = CanaryMatcher(all_tokens(evidence))
    scanned = []
    for flow in _flows(evidence):
        first: dict[str, Hit] = {}
        result = matcher.examine(flow.payload)
        for hit in result.hits:
            first.setdefault(hit.token, hit)
        scanned.append(ScannedFlow(flow, tuple(first.values()), result.complete))
    _cache[evidence] = scanned
    return scanned
