"""Read the gateway's NFLOG packet capture.

The gateway logs every packet in ``mangle OUTPUT``, before NAT, so each record
carries the destination the server really asked for. The pcap link type is
NFLOG (239), which scapy does not dissect: the TLV wrapper is unpacked here
and only the IP payload is handed to scapy. Importing scapy costs about 0.4 s, so it
happens on first use (or earlier, by :func:`load_dissectors`, while the server runs),
not when the command starts.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LINKTYPE_NFLOG = 239
_NFULA_PAYLOAD = 9


@dataclass(frozen=True)
class Packet:
    """One IPv4 packet as the sandbox sent it."""

    ts: float
    proto: str
    """``tcp``, ``udp`` or the IP protocol number as text."""
    src: str
    sport: int
    dst: str
    dport: int
    syn: bool
    size: int
    frame: int = 0
    """1-based frame number in the capture file, as Wireshark shows it."""
    payload: bytes = b""
    """For protocols no fake service terminates (ICMP, UDP-Lite, ...): the IP payload, the only
    record of what was sent. Empty for TCP and UDP, which the services record."""


def nflog_payload(frame: bytes) -> bytes | None:
    """The network-layer payload inside one NFLOG frame, or None if it has none."""
    offset = 4  # family, version, resource id
    while offset + 4 <= len(frame):
        length, tlv_type = struct.unpack_from("<HH", frame, offset)
        if length < 4:
            return None
        if tlv_type & 0x7FFF == _NFULA_PAYLOAD:
            return frame[offset + 4 : offset + length]
        offset += (length + 3) & ~3
    return None


PROTOCOL_NAMES = {1: "icmp", 33: "dccp", 58: "icmpv6", 132: "sctp", 136: "udplite"}
"""IP protocol numbers a server without capabilities may still emit, by name."""


def load_dissectors() -> None:
    """Import scapy's IP dissectors and pcap reader now (see the module's docstring)."""
    import scapy.layers.inet
    import scapy.layers.inet6
    import scapy.utils  # noqa: F401


def _packet(ts: float, payload: bytes, frame: int) -> Packet | None:
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import IPv6

    if not payload or payload[0] >> 4 not in (4, 6):
        return None
    ip = IP(payload) if payload[0] >> 4 == 4 else IPv6(payload)
    if TCP in ip:
        flags = int(ip[TCP].flags)
        syn = bool(flags & 0x02 and not flags & 0x10)
        return Packet(ts, "tcp", ip.src, ip[TCP].sport, ip.dst, ip[TCP].dport, syn, len(payload), frame)
    if UDP in ip:
        return Packet(ts, "udp", ip.src, ip[UDP].sport, ip.dst, ip[UDP].dport, False, len(payload), frame)
    number = int(ip.proto if isinstance(ip, IP) else ip.nh)
    inner = bytes(ip.payload)
    sport = dport = 0
    if number == 136 and len(inner) >= 8:  # UDP-Lite: ports like UDP's
        sport, dport = struct.unpack_from("!HH", inner)
    name = PROTOCOL_NAMES.get(number, str(number))
    return Packet(ts, name, ip.src, sport, ip.dst, dport, False, len(payload), frame, inner)


def read_packets(path: Path) -> Iterator[Packet]:
    """Every IPv4 packet in an NFLOG pcap; a missing, empty or cut-short file yields what it can."""
    from scapy.utils import RawPcapReader

    if not path.is_file() or path.stat().st_size < 24:
        return
    reader = RawPcapReader(str(path))
    try:
        if reader.linktype != LINKTYPE_NFLOG:
            log.warning("capture %s has link type %s, expected NFLOG", path, reader.linktype)
            return
        for frame, (data, meta) in enumerate(reader, 1):
            ts = meta.sec + meta.usec / 1e6
            payload = nflog_payload(bytes(data))
            packet = _packet(ts, payload, frame) if payload else None
            if packet is not None:
                yield packet
    finally:
        reader.close()


def outbound(packets: Iterable[Packet]) -> list[Packet]:
    """Packets that were headed away from loopback: the server's own attempts to leave."""
    return [p for p in packets if not p.dst.startswith("127.") and p.dst != "::1"]
