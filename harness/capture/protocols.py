"""Packets of protocols no fake service terminates, turned into datagram events.

TCP and UDP are redirected to the fakes, which record what they receive. Anything else a
server without capabilities can still send (ICMP echo through an unprivileged ping
socket, UDP-Lite, SCTP or DCCP where the kernel has them) goes nowhere, and the capture
is its only record: its payload becomes a :class:`~harness.model.Datagram`, with the
true destination and the protocol's name, and is scanned like any datagram. Their
payloads together have a budget; past it, the packets are counted in one
:class:`~harness.model.BudgetReached`.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.capture.nflog import Packet
from harness.model import BudgetReached, Datagram, Event, cap

BUDGET = 16 << 20
"""Bytes of payload of such packets turned into events."""

_HEADER = {"icmp": 8, "icmpv6": 8, "udplite": 8}
"""Bytes of the protocol's own header before the data a sender chose (ICMP echo: type, code,
checksum, identifier, sequence; UDP-Lite: ports, coverage, checksum)."""


def unterminated(packets: Iterable[Packet], budget: int = BUDGET) -> list[Event]:
    """A datagram event for every captured packet that is neither TCP nor UDP, within ``budget``."""
    out: list[Event] = []
    kept, dropped, last = 0, 0, 0.0
    for packet in packets:
        if packet.proto in ("tcp", "udp") or not packet.payload:
            continue
        data, cut = cap(packet.payload[_HEADER.get(packet.proto, 0) :])
        if kept + len(data) > budget:
            dropped, last = dropped + 1, packet.ts
            continue
        kept += len(data)
        out.append(
            Datagram(
                ts=packet.ts,
                src_port=packet.sport,
                dst_ip=packet.dst,
                dst_port=packet.dport or None,
                data=data,
                truncated=cut,
                proto=packet.proto,
            )
        )
    if dropped:
        out.append(BudgetReached(last, "other protocols", budget, "bytes", f"{dropped} packets"))
    return out
