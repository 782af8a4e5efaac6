"""The UDP catch-all: every datagram that is not DNS is recorded and left unanswered.

``REDIRECT`` hides a datagram's true destination from a UDP socket (there is
no ``SO_ORIGINAL_DST`` for UDP), so events carry only the source port; the
pipeline fills the destination in from the packet capture. Silence is the
realistic answer for an unknown UDP service.
"""

from __future__ import annotations

import asyncio
import logging
import time

from harness.model import Datagram, cap
from harness.services.sink import EventSink

log = logging.getLogger(__name__)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, sink: EventSink) -> None:
        self.sink = sink

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        kept, cut = cap(data)
        self.sink.emit(
            Datagram(
                ts=time.time(), src_port=int(addr[1]), dst_ip=None, dst_port=None, data=kept, truncated=cut
            )
        )

    def error_received(self, exc: Exception) -> None:
        log.info("UDP catch-all socket error: %s", exc)


class UdpCatchAll:
    """Records datagrams on ``host:port`` (``port`` 0 picks a free one)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 15054) -> None:
        self.host = host
        self.port = port
        self._transport: asyncio.BaseTransport | None = None

    async def start(self, sink: EventSink) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(sink), local_addr=(self.host, self.port)
        )
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        log.info("udp catch-all listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
