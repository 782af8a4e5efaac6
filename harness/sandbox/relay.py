"""Reach a port on the sandbox's loopback from the host without giving the sandbox a route.

A server that speaks Streamable HTTP or SSE listens inside the gateway's namespace, which
has only loopback. Rather than publish the port (which needs a network, and so a route
out), each connection the MCP client opens to a host-side ``127.0.0.1`` port is carried
over the stdin and stdout of ``docker exec -i <gateway> socat``, which connects to the
server on loopback inside. The namespace keeps no interface but ``lo``; the relay's
traffic never meets the redirect rules (they skip loopback) and so never looks like egress.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import anyio.abc
from anyio.streams.stapled import StapledByteStream

from harness.errors import SandboxError

log = logging.getLogger(__name__)

_LOOPBACKS = ("127.0.0.1", "[::1]")
_CHUNK = 65536


def _socat(gateway_id: str, address: str) -> list[str]:
    return ["docker", "exec", "-i", gateway_id, "socat", "-t", "2", "STDIO", f"TCP:{address},nodelay"]


async def _accepts(gateway_id: str, address: str) -> bool:
    probe = ["docker", "exec", gateway_id, "socat", "-u", "OPEN:/dev/null", f"TCP:{address}"]
    proc = await anyio.run_process(probe, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc.returncode == 0


async def wait_listening(
    gateway_id: str, port: int, timeout: float, exited: Callable[[], Awaitable[int | None]]
) -> str:
    """The loopback address (``host:port``) where the server accepts, once it does.

    Raises SandboxError when the server exits first or ``timeout`` passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        for host in _LOOPBACKS:
            if await _accepts(gateway_id, f"{host}:{port}"):
                return f"{host}:{port}"
        code = await exited()
        if code is not None:
            raise SandboxError(f"server exited with code {code} before listening on port {port}")
        if time.monotonic() > deadline:
            raise SandboxError(f"server did not listen on port {port} within {timeout:g}s")
        await anyio.sleep(0.3)


async def _pump(source: anyio.abc.ByteReceiveStream, sink: anyio.abc.ByteStream) -> None:
    """Copy until either side ends, then half-close ``sink`` so the other direction can finish."""
    with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
        while True:
            await sink.send(await source.receive(_CHUNK))
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        await sink.send_eof()


async def _carry(gateway_id: str, address: str, client: anyio.abc.SocketStream) -> None:
    """One client connection, carried to ``address`` inside the namespace for as long as both last."""
    async with client:
        process = await anyio.open_process(_socat(gateway_id, address), stderr=subprocess.DEVNULL)
        try:
            assert process.stdin is not None and process.stdout is not None
            inside = StapledByteStream(process.stdin, process.stdout)
            async with anyio.create_task_group() as group:
                group.start_soon(_pump, client, inside)
                await _pump(inside, client)
                group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await _end(process)


async def _end(process: anyio.abc.Process) -> None:
    """Let socat finish (its input closed) before closing the pipes: asyncio reaps a child twice,
    with a warning, when its transport closes while the child is exiting."""
    if process.stdin is not None:
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            await process.stdin.aclose()
    with anyio.move_on_after(3):
        await process.wait()
    if process.returncode is None:
        process.kill()
    await process.aclose()


@contextlib.asynccontextmanager
async def loopback_relay(gateway_id: str, address: str) -> AsyncIterator[int]:
    """A host ``127.0.0.1`` port whose connections reach ``address`` on the sandbox's loopback."""
    try:
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    except OSError as exc:
        raise SandboxError(f"cannot open the relay port: {exc}") from None
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    log.info("relay 127.0.0.1:%d -> %s in the sandbox", port, address)

    async def handle(client: anyio.abc.SocketStream) -> None:
        await _carry(gateway_id, address, client)

    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, handle)
        try:
            yield port
        finally:
            group.cancel_scope.cancel()
