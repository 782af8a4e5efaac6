"""Byte channels for the TCP fakes: plain streams and TLS terminated in memory.

The catch-all has to look at a connection's first bytes before it knows
whether to speak TLS, and asyncio cannot start TLS on bytes it already read.
So TLS runs sans-io over an ``ssl.SSLObject`` and memory BIOs, fed from the
plain stream, sniffed bytes included. Every read waits at most ``idle``
seconds (``TimeoutError`` after that), so a silent client cannot hold a
handler forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any

CHUNK = 65536


class Channel:
    """A bidirectional byte stream with push-back, for sniffing."""

    def __init__(self, idle: float) -> None:
        self.idle = idle
        self._pending = b""

    def unread(self, data: bytes) -> None:
        """Put bytes back so the next :meth:`recv` returns them first."""
        self._pending = data + self._pending

    async def recv(self) -> bytes:
        """Next bytes from the peer; ``b""`` at end of stream."""
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        return await self._recv()

    async def _recv(self) -> bytes:
        raise NotImplementedError

    async def send(self, data: bytes) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class PlainChannel(Channel):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, idle: float) -> None:
        super().__init__(idle)
        self._reader = reader
        self._writer = writer

    async def _recv(self) -> bytes:
        return await asyncio.wait_for(self._reader.read(CHUNK), self.idle)

    async def send(self, data: bytes) -> None:
        self._writer.write(data)
        await asyncio.wait_for(self._writer.drain(), self.idle)

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError, TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)


class TlsChannel(Channel):
    """Server-side TLS over another channel; call :meth:`handshake` before use."""

    def __init__(self, inner: Channel, context: ssl.SSLContext) -> None:
        super().__init__(inner.idle)
        self._inner = inner
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self._eof = False

    async def handshake(self) -> None:
        """Run the server handshake; raises ``ssl.SSLError`` when the client gives up (e.g. on our cert)."""
        while True:
            try:
                self.tls.do_handshake()
            except ssl.SSLWantReadError:
                if self._eof:
                    raise ssl.SSLEOFError("client closed during the handshake") from None
                await self._flush()
                await self._fill()
                continue
            except ssl.SSLError:
                with contextlib.suppress(OSError, TimeoutError):
                    await self._flush()  # our alert, so the client learns why
                raise
            await self._flush()
            return

    async def _flush(self) -> None:
        data = self._outgoing.read()
        if data:
            await self._inner.send(data)

    async def _fill(self) -> None:
        data = await self._inner.recv()
        if data:
            self._incoming.write(data)
        else:
            self._incoming.write_eof()
            self._eof = True

    async def _recv(self) -> bytes:
        while True:
            try:
                return self.tls.read(CHUNK)
            except ssl.SSLWantReadError:
                if self._eof:
                    return b""
                await self._flush()
                await self._fill()
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""

    async def send(self, data: bytes) -> None:
        self.tls.write(data)
        await self._flush()

    async def close(self) -> None:
        with contextlib.suppress(ssl.SSLError, OSError, TimeoutError):
            self.tls.unwrap()
        with contextlib.suppress(ssl.SSLError, OSError, TimeoutError):
            await self._flush()
        await self._inner.close()


class ConnectionSet:
    """The handler tasks of one listener, capped in number, so stop() can end them all."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def admit(self) -> bool:
        """Register the running handler task; False when the listener is already full."""
        task = asyncio.current_task()
        if task is None or len(self._tasks) >= self.limit:
            return False
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def cancel_all(self, timeout: float = 5.0) -> None:
        """Cancel every handler and give their ``finally`` blocks time to record what they had."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
