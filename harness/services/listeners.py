"""Sockets the server opens for listening, read from the shared namespace's ``/proc/net``.

The gateway and the server share one network namespace, so the kernel's
socket tables show the server's listeners too; the server runs as a non-root
user, which is how its sockets are told apart from the fakes' own. Polled
every quarter second: a listener that lives shorter than that can be missed.

An unconnected UDP socket looks the same whether it waits for datagrams or only
sends them (``sendto`` binds it to a port the kernel picks from the local port
range). So a UDP socket on a port from that range is a client's, not reported:
a UDP listener on such a port is missed, and what it sends is still egress.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from pathlib import Path

from harness.model import ListeningSocket
from harness.services.sink import EventSink

log = logging.getLogger(__name__)

_TABLES = {"tcp": "0A", "tcp6": "0A", "udp": "07", "udp6": "07"}
"""Table -> the state that means bound and waiting (TCP LISTEN, UDP unconnected)."""


def _address(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    # the kernel prints each 32-bit word in host (little-endian) order
    swapped = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(swapped))


def listening(table: str, text: str) -> list[tuple[str, int, int]]:
    """(address, port, uid) of every waiting socket in one ``/proc/net`` table."""
    state = _TABLES[table]
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[3] != state:
            continue
        address, port = fields[1].split(":")
        found.append((_address(address), int(port, 16), int(fields[7])))
    return found


def _local_ports(path: Path) -> range:
    """The ports the kernel picks for sockets that send without binding (Linux's default if unreadable)."""
    try:
        low, high = (int(n) for n in path.read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


class ListenerWatch:
    """Reports each non-root listening socket once."""

    def __init__(
        self,
        proc_net: Path = Path("/proc/net"),
        interval: float = 0.25,
        port_range: Path = Path("/proc/sys/net/ipv4/ip_local_port_range"),
    ) -> None:
        self.proc_net = proc_net
        self.interval = interval
        self._ephemeral = _local_ports(port_range)
        self._task: asyncio.Task[None] | None = None
        self._seen: set[tuple[str, str, int]] = set()

    async def start(self, sink: EventSink) -> None:
        self._task = asyncio.create_task(self._poll(sink))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _poll(self, sink: EventSink) -> None:
        while True:
            self.scan(sink)
            await asyncio.sleep(self.interval)

    def scan(self, sink: EventSink) -> None:
        for table in _TABLES:
            try:
                text = (self.proc_net / table).read_text()
            except OSError:
                continue
            for address, port, uid in listening(table, text):
                key = (table, address, port)
                if table.startswith("udp") and port in self._ephemeral:
                    continue  # a client's socket (see the module docstring)
                if uid != 0 and key not in self._seen:
                    self._seen.add(key)
                    sink.emit(ListeningSocket(time.time(), table.rstrip("6"), address, port))
