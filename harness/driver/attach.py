"""The process that carries a stdio server's stdin and stdout (``docker start --attach``), and
its first start made early.

Loading the MCP SDK takes the harness most of a second; the server's own start-up (an
interpreter, its SDK) takes as long again. Started one after the other, the two add up; so
the pipeline starts the first launch's process before the driver has loaded
(:class:`EarlyStart`), and the driver's transport takes it over instead of starting one. The
server sees nothing of this: a stdio server waits for ``initialize`` whatever the delay, and
its early output waits in the pipe. This module imports nothing of the SDK, so that the
process can start while the SDK loads.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TextIO

import anyio
from anyio.abc import Process


async def start_attached(argv: list[str], errlog: TextIO) -> Process:
    """Start ``argv`` with pipes to its stdin and stdout; its stderr goes to ``errlog``."""
    return await anyio.open_process(argv, stderr=errlog)


async def _exited(process: Process, within: float) -> bool:
    """Whether the process ended within the bound (polled: waiting would also wait for its pipes)."""
    with anyio.move_on_after(within):
        while process.returncode is None:
            await anyio.sleep(0.05)
    return process.returncode is not None


async def stop_attached(process: Process) -> None:
    """Close stdin, then TERM (a wrapper may flush on it), then KILL, each after a short grace."""
    with anyio.CancelScope(shield=True):
        with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            if process.stdin is not None:
                await process.stdin.aclose()
        for stop in (process.terminate, process.kill):
            if await _exited(process, 2):
                return
            with contextlib.suppress(ProcessLookupError):
                stop()
        await _exited(process, 2)


class EarlyStart:
    """The first launch's process, started before the driver exists and taken over by its
    transport (:meth:`take`); one never taken (the run ended first) is stopped by :meth:`close`."""

    def __init__(self) -> None:
        self._process: Process | None = None
        self.started: float | None = None
        """When the process was started (None: it was not): the first launch's start-up begins there."""

    async def start(self, argv: list[str], stderr_path: Path) -> None:
        # the process holds its own copy of the log's descriptor: ours may close at once
        with stderr_path.open("a", encoding="utf-8") as errlog:
            self.started = time.time()
            self._process = await start_attached(argv, errlog)

    def take(self) -> Process | None:
        """The started process, once; None when there is none (left to start)."""
        process, self._process = self._process, None
        return process

    async def close(self) -> None:
        process = self.take()
        if process is not None:
            await stop_attached(process)
