"""WebSocket after an HTTP upgrade: answered ``101``, every message the client sends recorded whole.

A telemetry client that gets anything but ``101`` never sends a frame, and a client's frames are
masked with a fresh key each, so their raw bytes hide what they carry. wsproto does the protocol:
it accepts the upgrade (with ``permessage-deflate`` when offered), unmasks frames and inflates
compressed ones; here fragments are joined into messages, each one a
:class:`~harness.model.WebSocketMessage`. Pings are answered and a close is returned, as a real
server does; the server itself never sends a message.

Bounded: inflation stops at :data:`MAX_INFLATED` per connection, a message keeps at most
:data:`~harness.model.MAX_BODY_BYTES`, and at most :data:`MAX_MESSAGES` are recorded.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import CloseReason, FrameDecoder, FrameProtocol
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from harness.model import MAX_BODY_BYTES
from harness.services.channel import Channel

log = logging.getLogger(__name__)

MAX_INFLATED = 4 * MAX_BODY_BYTES
"""Bytes ``permessage-deflate`` may inflate to on one connection (a deflate bomb stops here)."""
MAX_MESSAGES = 1024


def is_upgrade(headers: tuple[tuple[str, str], ...]) -> bool:
    """The request asks to become a WebSocket."""
    values = {name.lower(): value.lower() for name, value in headers}
    return "websocket" in values.get("upgrade", "") and "upgrade" in values.get("connection", "")


class _BoundedDeflate(PerMessageDeflate):
    """``permessage-deflate`` whose inflation is charged to a per-connection budget."""

    def __init__(self) -> None:
        super().__init__()
        self.left = MAX_INFLATED

    def frame_inbound_payload_data(
        self, proto: FrameDecoder | FrameProtocol, data: bytes
    ) -> bytes | CloseReason:
        if not self._inbound_compressed or not self._inbound_is_compressible:
            return data
        if self._decompressor is None or self.left <= 0:
            return b""  # budget spent: what was inflated so far is all that is kept
        try:
            out = self._decompressor.decompress(bytes(data), self.left)
        except zlib.error:
            return CloseReason.INVALID_FRAME_PAYLOAD_DATA
        self.left = 0 if self._decompressor.unconsumed_tail else self.left - len(out)
        return out

    def frame_inbound_complete(
        self, proto: FrameDecoder | FrameProtocol, fin: bool
    ) -> bytes | CloseReason | None:
        if self.left <= 0 and self._inbound_compressed:
            # the base class would flush the rest of the bomb: the message ends with what was kept
            if fin:
                self._inbound_compressed, self._decompressor = None, None
            return b"" if fin else None
        return super().frame_inbound_complete(proto, fin)


@dataclass
class _Message:
    text: bool
    data: bytearray
    truncated: bool = False

    def add(self, part: bytes | bytearray) -> None:
        room = MAX_BODY_BYTES - len(self.data)
        self.data += part[:room]
        self.truncated |= len(part) > room


Record = Callable[[bytes, bool, bool], None]
"""``record(data, text, truncated)``: called once per whole message."""


async def serve(channel: Channel, received: bytes, record: Record) -> None:
    """Run one WebSocket: ``received`` holds the upgrade request's bytes and anything sent after them.

    Returns when the client closes, goes idle, breaks the protocol or hits a bound; a message cut
    short by any of those is still recorded.
    """
    ws = WSConnection(ConnectionType.SERVER)
    message: _Message | None = None
    count = 0
    data = received
    try:
        while data and count < MAX_MESSAGES:
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, Request):
                    await channel.send(ws.send(AcceptConnection(extensions=[_BoundedDeflate()])))
                elif isinstance(event, TextMessage | BytesMessage):
                    if message is None:
                        message = _Message(isinstance(event, TextMessage), bytearray())
                    part = (
                        event.data.encode("utf-8", "surrogatepass")
                        if isinstance(event.data, str)
                        else event.data
                    )
                    message.add(part)
                    if event.message_finished:
                        record(bytes(message.data), message.text, message.truncated)
                        message, count = None, count + 1
                elif isinstance(event, Ping):
                    await channel.send(ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    if ws.state is ConnectionState.REMOTE_CLOSING:
                        await channel.send(ws.send(event.response()))
                    return
                elif isinstance(event, RejectConnection):
                    return
            data = await channel.recv()
    except (TimeoutError, OSError, LocalProtocolError, RemoteProtocolError) as exc:
        log.info("websocket ended: %s", type(exc).__name__)
    finally:
        if message is not None and message.data:
            record(bytes(message.data), message.text, True)
