"""The launches of one drive: which client each start of the server meets, and how many calls.

A server may act only for some clients (an IDE assistant, not a chat app), only from the
n-th call of a tool, or only at its next start (data queued in the home during one run,
sent at the next). So the drive starts the server more than once with the same home, each
launch under the identity a real assistant sends (its ``clientInfo`` and whether it offers
sampling and elicitation), and spends its calls where they catch most: every launch but the
last makes one round (enough to plant data a next start may send), and the last gets the
rest, as many as the budget allows, so an n-th-call trigger fires within one process and a
send scheduled after a call meets the final linger. :func:`lease` lets each launch's MCP
session end without closing the transport, since the server restarts under the same stdio.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
from mcp.types import Implementation


@dataclass(frozen=True)
class ClientIdentity:
    """What one real assistant says of itself when it initialises a session."""

    label: str
    info: Implementation
    sampling: bool
    elicitation: bool


def _client(name: str, version: str) -> Implementation:
    return Implementation(name=name, version=version)


CLAUDE_DESKTOP = ClientIdentity("Claude Desktop", _client("claude-ai", "0.1.0"), False, False)
CLAUDE_CODE = ClientIdentity("Claude Code", _client("claude-code", "2.0.37"), False, True)
WINDSURF = ClientIdentity("Windsurf", _client("windsurf-client", "1.0.0"), False, False)
CURSOR = ClientIdentity("Cursor", _client("cursor-vscode", "1.0.0"), False, True)
VSCODE = ClientIdentity("VS Code", _client("Visual Studio Code", "1.105.1"), True, True)

ASSISTANTS = (CLAUDE_DESKTOP, CLAUDE_CODE, WINDSURF)
"""Chat and agent apps: who the first launch meets."""
IDES = (CURSOR, VSCODE)
"""IDE assistants: who a later launch meets."""


def identities(launches: int) -> list[ClientIdentity]:
    """One identity per launch, alternating the two families, each picked at random."""
    families = (ASSISTANTS, IDES)
    return [secrets.choice(families[n % 2]) for n in range(launches)]


def split_rounds(rounds: int, launches: int) -> list[int]:
    """Rounds per launch: one for each launch before the last, the rest (at least one) to the
    last; fewer rounds than launches leave the earliest launches without calls."""
    early = min(max(rounds - 1, 0), launches - 1)
    return [0] * (launches - 1 - early) + [1] * early + [rounds - early]


@contextlib.asynccontextmanager
async def lease(read: Any, write: Any) -> AsyncIterator[tuple[Any, Any]]:
    """Streams for one MCP session over the transport's, which stay open when the session
    closes its own (the SDK's sessions close the streams they are given)."""
    to_session, session_read = anyio.create_memory_object_stream[Any](64)
    session_write, from_session = anyio.create_memory_object_stream[Any](64)

    async def inbound() -> None:
        async with to_session:
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                async for item in read:
                    await to_session.send(item)

    async def outbound() -> None:
        async with from_session:
            # a transport that has closed its side (an SSE server ending the stream) ends this too
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                async for item in from_session:
                    await write.send(item)

    async with anyio.create_task_group() as group:
        group.start_soon(inbound)
        group.start_soon(outbound)
        try:
            yield session_read, session_write
        finally:
            group.cancel_scope.cancel()
            session_read.close()
            session_write.close()
