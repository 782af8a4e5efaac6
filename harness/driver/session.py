"""Drive one MCP server over stdio: initialise, list tools, call each with canaries, linger.

The server's misbehaviour (exiting, hanging, breaking the protocol) is data:
it ends the drive early with a status and reason, never with an exception.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import CallToolResult, Implementation

from harness.driver.arguments import argument_variants
from harness.driver.canary import CanaryFactory
from harness.model import AuditStatus, Event, PhaseStarted, ToolCall, ToolCallFinished, ToolCallStarted

log = logging.getLogger(__name__)

_CLIENT = Implementation(name="claude-ai", version="0.1.0")
"""What we call ourselves: a common AI client, so the server behaves as it would in the field."""


@dataclass(frozen=True)
class DriveOptions:
    """Time bounds and effort of one drive."""

    init_timeout: float = 90.0
    call_timeout: float = 30.0
    rounds: int = 2
    """Calls per tool, each with fresh canaries."""
    attempts: int = 4
    """Argument variants tried per call while the server rejects them."""
    linger: float = 5.0
    """Seconds to keep the server alive after the last call, for delayed sends."""


@dataclass
class DriveOutcome:
    """What the drive did and saw from the MCP side."""

    status: AuditStatus = AuditStatus.COMPLETED
    reason: str | None = None
    server_info: dict[str, Any] | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _result_text(result: CallToolResult) -> str:
    parts = [getattr(block, "text", None) or f"[{block.type}]" for block in result.content]
    return "\n".join(parts)


def _last_line(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:200] if lines else ""


class Driver:
    """One drive against one server; ``exit_code`` asks the sandbox whether the server has died."""

    def __init__(
        self,
        argv: list[str],
        stderr_path: Path,
        canaries: CanaryFactory,
        options: DriveOptions,
        exit_code: Callable[[], int | None],
    ):
        self.argv = argv
        self.stderr_path = stderr_path
        self.canaries = canaries
        self.options = options
        self.exit_code = exit_code
        self.outcome = DriveOutcome()

    def _record(self, event: Event) -> None:
        self.outcome.events.append(event)

    def _fail(self, status: AuditStatus, reason: str) -> None:
        if self.outcome.reason is None:
            self.outcome.status, self.outcome.reason = status, reason

    async def run(self) -> DriveOutcome:
        params = StdioServerParameters(command=self.argv[0], args=self.argv[1:])
        self._record(PhaseStarted(ts=time.time(), phase="startup"))
        with self.stderr_path.open("w", encoding="utf-8") as errlog:
            try:
                async with stdio_client(params, errlog=errlog) as (read, write):
                    async with ClientSession(read, write, client_info=_CLIENT) as session:
                        if await self._initialize(session):
                            await self._exercise(session)
            except Exception as exc:  # stage boundary: the server broke the transport
                log.debug("drive ended by %r", exc)
                self._fail(AuditStatus.TARGET_ERROR, self._why_ended(exc))
        return self.outcome

    def _why_ended(self, exc: BaseException) -> str:
        code = self.exit_code()
        if code is not None:
            return f"server exited with code {code}: {_last_line(self.stderr_path) or 'no stderr'}"
        return f"MCP session failed: {exc.__class__.__name__}: {exc}"

    async def _initialize(self, session: ClientSession) -> bool:
        try:
            with anyio.fail_after(self.options.init_timeout):
                result = await session.initialize()
        except TimeoutError:
            self._fail(
                AuditStatus.TARGET_ERROR,
                f"server did not answer initialize within {self.options.init_timeout:g}s",
            )
            return False
        except Exception as exc:  # the server broke the protocol or died
            code = self.exit_code()
            if code is not None:
                stderr = _last_line(self.stderr_path) or "no stderr"
                reason = f"server exited before initialize (code {code}): {stderr}"
            else:
                reason = f"initialize failed: {exc.__class__.__name__}: {exc}"
            self._fail(AuditStatus.TARGET_ERROR, reason)
            return False
        self.outcome.server_info = result.server_info.model_dump(mode="json", exclude_none=True)
        return True

    async def _exercise(self, session: ClientSession) -> None:
        try:
            with anyio.fail_after(self.options.call_timeout):
                listed = await session.list_tools()
        except Exception as exc:
            self._fail(AuditStatus.TARGET_ERROR, f"tools/list failed: {exc.__class__.__name__}: {exc}")
            return
        self.outcome.tools = [
            t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools
        ]
        self._record(PhaseStarted(ts=time.time(), phase="calls"))
        for round_no in range(self.options.rounds):
            for tool in listed.tools:
                if self.exit_code() is not None:
                    self._fail(
                        AuditStatus.TARGET_ERROR, f"server exited during tool calls (code {self.exit_code()})"
                    )
                    return
                await self._call(session, tool.name, tool.input_schema, f"call-{round_no + 1}-{tool.name}")
        self._record(PhaseStarted(ts=time.time(), phase="linger"))
        await anyio.sleep(self.options.linger)

    async def _call(self, session: ClientSession, tool: str, schema: dict[str, Any], call_id: str) -> None:
        """Call ``tool``; when the server rejects the arguments, retry with simpler variants (bounded)."""
        variants = argument_variants(schema, self.canaries)
        for attempt in range(1, self.options.attempts + 1):
            before = len(self.canaries.tokens)
            variant = next(variants, None)
            if variant is None:
                return
            arguments, planted = variant
            call = ToolCall(
                call_id=call_id if attempt == 1 else f"{call_id}-try{attempt}",
                tool=tool,
                arguments=arguments,
                canaries=tuple(self.canaries.tokens[before:]),
                expected_recipients=frozenset(planted.emails),
                expected_hosts=frozenset(planted.hosts),
            )
            if await self._send(session, call):
                return

    async def _send(self, session: ClientSession, call: ToolCall) -> bool:
        """Send one call and record its outcome; True when the server accepted it."""
        self.outcome.calls.append(call)
        self._record(ToolCallStarted(time.time(), call.call_id, call.tool, call.arguments, call.canaries))
        finished = ToolCallFinished
        try:
            with anyio.fail_after(self.options.call_timeout):
                result = await session.call_tool(call.tool, call.arguments)
        except TimeoutError:
            self._record(finished(time.time(), call.call_id, False, False, "", "no answer within timeout"))
            return True  # a hang is not a rejection: retrying would only stack more hangs
        except Exception as exc:  # an MCP error answer is the server's behaviour: record it
            self._record(
                finished(time.time(), call.call_id, False, False, "", f"{exc.__class__.__name__}: {exc}")
            )
            return False
        self._record(finished(time.time(), call.call_id, True, bool(result.is_error), _result_text(result)))
        return not result.is_error
