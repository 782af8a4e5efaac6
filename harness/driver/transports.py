"""The MCP client's transport to one sandboxed server: Streamable HTTP or SSE (stdio, whose bytes
need bounding, is :mod:`harness.driver.stdio`).

Each is a :data:`Connect`: given the file that collects the server's log output, an async
context that starts the server and yields the SDK's read and write streams. The driver
neither knows nor cares which one it got.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, TextIO

import anyio
import httpx2
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from harness.sandbox.relay import loopback_relay, wait_listening

TransportStreams = tuple[Any, Any]
"""The SDK's (read stream, write stream) pair, as :class:`mcp.ClientSession` takes it."""
Connect = Callable[[TextIO], AbstractAsyncContextManager[TransportStreams]]
_TIMEOUT = httpx2.Timeout(30.0, read=300.0)
"""The SDK's own defaults: a response stream may stay open long; the driver bounds each call."""


@dataclass(frozen=True)
class HttpServer:
    """A sandboxed server that serves MCP over HTTP on its loopback, and how to start and watch it."""

    kind: str
    """``http`` (Streamable HTTP) or ``sse``."""
    gateway_id: str
    server_id: str
    port: int
    endpoint: str
    start: Callable[[], Awaitable[None]]
    exited: Callable[[], Awaitable[int | None]]
    bounded: Callable[[list[str]], list[str]] = list
    """Wraps the command that follows the server's log, to keep what it writes within a budget."""


def relayed(server: HttpServer, ready_timeout: float) -> Connect:
    """HTTP to a server listening on the sandbox's loopback.

    The server starts detached; its stdout and stderr both go to the log. Once it accepts
    on ``port``, the client speaks to it through :func:`loopback_relay`, naming it by the
    Host it would see from a local client (``localhost:PORT``), which servers that guard
    against DNS rebinding accept.
    """

    @contextlib.asynccontextmanager
    async def connect(errlog: TextIO) -> AsyncIterator[TransportStreams]:
        await server.start()
        async with await anyio.open_process(
            server.bounded(["docker", "logs", "--follow", server.server_id]), stdout=errlog, stderr=errlog
        ) as logs:
            try:
                address = await wait_listening(server.gateway_id, server.port, ready_timeout, server.exited)
                async with loopback_relay(server.gateway_id, address) as host_port:
                    url = f"http://127.0.0.1:{host_port}{server.endpoint}"
                    headers = {"Host": f"localhost:{server.port}"}
                    if server.kind == "sse":
                        async with sse_client(url, headers=headers) as streams:
                            yield streams
                    else:
                        async with (
                            httpx2.AsyncClient(headers=headers, timeout=_TIMEOUT) as client,
                            streamable_http_client(url, http_client=client) as streams,
                        ):
                            yield streams
            finally:
                logs.terminate()

    return connect
