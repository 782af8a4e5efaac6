"""Keep the head of the packet capture up to a byte budget and count what did not fit.

``tcpdump`` writes the capture to a pipe read here: records are copied whole until the
next would pass the budget, after which they are only counted. An egress flood cannot
fill the host's disk through ``capture.pcap``, and the cut is stated: at the end the
counts go to a small JSON file the pipeline reports. The head is what is kept because
detection never depends on the capture alone for TCP and UDP (the fakes record those);
the capture's own evidence (true datagram destinations, ICMP and other protocols) is
most often at the start of a run, before any flood.

Run as ``python harness/services/pcap_budget.py OUT STATS LIMIT < pcap-stream``: it imports
nothing of the harness, so it starts without loading the services.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import BinaryIO

_GLOBAL_HEADER = 24
_RECORD_HEADER = 16


def _read(stream: BinaryIO, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def copy_bounded(source: BinaryIO, sink: BinaryIO, limit: int) -> dict[str, int]:
    """Copy a pcap stream, whole records only, until ``limit`` bytes; return the counts."""
    counts = {"limit": limit, "kept_packets": 0, "dropped_packets": 0, "dropped_bytes": 0}
    header = _read(source, _GLOBAL_HEADER)
    if len(header) < _GLOBAL_HEADER:
        return counts
    endian = "<" if header[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    sink.write(header)
    written = len(header)
    while True:
        record = _read(source, _RECORD_HEADER)
        if len(record) < _RECORD_HEADER:
            return counts
        (length,) = struct.unpack_from(endian + "I", record, 8)
        data = _read(source, length)
        if written + len(record) + len(data) <= limit:
            sink.write(record + data)
            written += len(record) + len(data)
            counts["kept_packets"] += 1
        else:
            counts["dropped_packets"] += 1
            counts["dropped_bytes"] += len(record) + len(data)


def main(argv: list[str]) -> int:
    out, stats, limit = Path(argv[0]), Path(argv[1]), int(argv[2])
    with out.open("wb") as sink:
        counts = copy_bounded(sys.stdin.buffer, sink, limit)
    stats.write_text(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
