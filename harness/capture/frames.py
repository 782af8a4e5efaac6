"""Point findings at the capture: which pcap frames carry the flow a piece of evidence came from.

Inside the namespace every flow is identified by the client's source port
(both directions of a redirected connection use it), so the frames of an
event are the packets to or from that port over the same protocol.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from harness.capture.nflog import Packet
from harness.model import Connection, Datagram, DnsQuery, Event, Finding

_MAX_FRAMES = 200


def _client(event: Event, ports: dict[str, int]) -> tuple[str, int] | None:
    if isinstance(event, Datagram):
        return event.proto, event.src_port
    if isinstance(event, DnsQuery):
        return "udp", event.src_port
    conn_id = getattr(event, "conn_id", None)
    if isinstance(conn_id, str) and conn_id in ports:
        return "tcp", ports[conn_id]
    return None


def with_frames(
    findings: Sequence[Finding], events: Sequence[Event], packets: Sequence[Packet]
) -> list[Finding]:
    """The findings, each carrying the frame numbers of its evidence's flow (empty when unknown)."""
    ports = {e.conn_id: e.src_port for e in events if isinstance(e, Connection)}
    out = []
    for finding in findings:
        client = _client(events[finding.event_index], ports) if finding.event_index < len(events) else None
        frames: tuple[int, ...] = ()
        if client is not None:
            proto, port = client
            frames = tuple(p.frame for p in packets if p.proto == proto and port in (p.sport, p.dport))
        out.append(dataclasses.replace(finding, pcap_frames=frames[:_MAX_FRAMES]))
    return out
