"""Requests to the server as raw JSON-RPC, bounded in time, that end at once when the server is gone.

The driver asks for results as the server sent them (the SDK's typed helpers reject a whole
listing or result over one bad field, and would hide that the server did answer). Every request
is bounded by a timeout; a few in a row without an answer, or the server hanging up (closing its
stdout, exiting, no longer reading), ends the drive: each later request fails at once with
:class:`HangUp` instead of waiting out its own timeout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
from mcp.shared.exceptions import MCPError
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
from mcp_types import CONNECTION_CLOSED

MAX_SILENT = 3
"""Requests in a row that may go unanswered before the drive stops asking."""


class HangUp(Exception):
    """The server can no longer be exercised; the message says why."""


class Wire:
    """Raw requests over the session's dispatcher, with the drive's liveness rules."""

    def __init__(self, dispatcher: JSONRPCDispatcher, why_closed: Callable[[], str]):
        self.dispatcher = dispatcher
        self.version: str | None = None
        """The negotiated protocol version, sent as the HTTP transports' version header."""
        self.ended: str | None = None
        """Why the drive can go on no longer, once it cannot."""
        self._why_closed = why_closed
        self._silent = 0
        self._scopes: set[anyio.CancelScope] = set()

    def hang_up(self, why: str) -> None:
        """End the drive: the request in flight and every later one fail with :class:`HangUp`."""
        if self.ended is None:
            self.ended = why
        for scope in self._scopes:
            scope.cancel()

    async def request(self, method: str, params: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
        """The result as sent. Raises TimeoutError (no answer), MCPError (an error answer) or HangUp."""
        if self.ended is not None:
            raise HangUp(self.ended)
        opts: Any = {"headers": {MCP_PROTOCOL_VERSION_HEADER: self.version}} if self.version else {}
        with anyio.CancelScope() as scope:
            self._scopes.add(scope)
            try:
                with anyio.fail_after(timeout):
                    result = await self.dispatcher.send_raw_request(method, params, opts)
            except TimeoutError:
                self._silent += 1
                if self._silent >= MAX_SILENT:
                    self.hang_up(
                        f"{self._silent} requests in a row got no answer within {timeout:g}s; stopped asking"
                    )
                raise
            except MCPError as exc:
                if exc.code == CONNECTION_CLOSED:
                    self.hang_up(self._why_closed())
                    raise HangUp(self.ended) from None
                self._silent = 0
                raise
            finally:
                self._scopes.discard(scope)
            self._silent = 0
            return result
        raise HangUp(self.ended or "the request was cancelled")


def result_text(result: dict[str, Any]) -> str:
    """The text a model would read in a tool result, resource read or prompt, whatever its shape."""
    blocks: Any = result.get("content") or result.get("contents") or []
    messages = result.get("messages")
    if isinstance(messages, list):
        blocks = [m.get("content") if isinstance(m, dict) else m for m in messages]
    if not isinstance(blocks, list):
        blocks = [blocks]
    parts = []
    for block in blocks:
        if not isinstance(block, dict):
            parts.append(str(block))
            continue
        resource = block.get("resource")
        inner: dict[str, Any] = resource if isinstance(resource, dict) else block
        text = inner.get("text", block.get("text"))
        kind = block.get("type") or ("blob" if "blob" in inner else "?")
        parts.append(text if isinstance(text, str) else f"[{kind}]")
    if not parts and "structuredContent" in result:
        parts.append(json.dumps(result["structuredContent"], ensure_ascii=False))
    return "\n".join(parts)
