"""Drive one MCP server through every surface it offers, over whichever transport it speaks.

Phases, each recorded as an event: ``startup`` (initialize), ``inventory``
(tools, resources, resource templates, prompts), ``calls`` (every tool several
times, every resource read, every template and prompt with canary input),
a re-listing to catch changed definitions, then ``linger`` for delayed sends,
which lasts while the sandbox says the server has timed work pending (bounded).
A stdio server is then restarted with the same home and driven again under
another client identity (:mod:`harness.driver.launches`): its listings carry
``launch = 2``, and what it sends at that start-up is caught like any leak.
The server's own requests (sampling, elicitation) are answered with canary
content and recorded.

The server's misbehaviour (exiting, hanging, breaking the protocol) is data:
it ends the drive early with a status and reason, never with an exception.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.session import ClientRequestContext, IncomingMessage
from mcp.types import (
    CreateMessageRequestParams,
    CreateMessageResult,
    ElicitRequestParams,
    ElicitResult,
    ErrorData,
    PaginatedRequestParams,
    TextContent,
)
from pydantic import BaseModel

from harness.canary import CanaryFactory
from harness.driver.arguments import Planted, argument_variants
from harness.driver.launches import ClientIdentity, identities, lease, split_rounds
from harness.driver.replay import LONG, SHORT, replay_arguments
from harness.driver.surfaces import elicitation_content, expand_template, prompt_arguments
from harness.driver.transports import Connect
from harness.errors import HarnessError
from harness.model import (
    AuditStatus,
    Event,
    Listing,
    PhaseStarted,
    ServerNotice,
    ServerRequest,
    ToolCall,
    ToolCallFinished,
    ToolCallStarted,
)

log = logging.getLogger(__name__)

_MAX_PAGES = 20
_MAX_RESOURCES = 25


@dataclass(frozen=True)
class DriveOptions:
    """Time bounds and effort of one drive."""

    init_timeout: float = 90.0
    call_timeout: float = 30.0
    rounds: int = 6
    """Calls per tool, template and prompt over all launches, each with fresh canaries; past
    the second, a round runs only while the calls so far took less than ``call_budget``."""
    call_budget: float = 4.0
    """Seconds of calls after which no optional round starts."""
    attempts: int = 4
    """Argument variants tried per call while the server rejects them."""
    linger: float = 3.0
    """Seconds to keep the server alive after the last call, for delayed sends."""
    linger_max: float = 10.0
    """Longest wait, per launch, while the server still has timed work pending."""
    launches: int = 2
    """Starts of a stdio server with the same home (each under another client identity)."""


@dataclass
class DriveOutcome:
    """What the drive did and saw from the MCP side."""

    status: AuditStatus = AuditStatus.COMPLETED
    reason: str | None = None
    server_info: dict[str, Any] | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _content_text(blocks: list[Any]) -> str:
    parts = []
    for block in blocks:
        inner = getattr(block, "resource", None) or getattr(block, "content", None) or block
        parts.append(getattr(inner, "text", None) or getattr(block, "text", None) or f"[{block.type}]")
    return "\n".join(str(p) for p in parts)


_NOISE = re.compile(r"^(at |Node\.js v\d|\^+$|node:internal|Traceback |File \"|throw |\s*$)")
_COMPLAINT = re.compile(r"error|required|missing|not set|must be|invalid|cannot|can't|denied", re.I)
_ENV_NAME = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _stderr_reason(path: Path) -> str:
    """The line of the server's stderr that says why it stopped (not a stack frame or the runtime's
    version banner), with a hint when it names an environment variable the server wanted."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    lines = [ln.strip() for ln in text.splitlines() if not _NOISE.match(ln.strip())]
    line = ([ln for ln in lines if _COMPLAINT.search(ln)] or lines or [""])[-1][:200]
    wanted = _ENV_NAME.findall(line)
    if wanted and re.search(r"env|required|missing|not set", line, re.I):
        line += f" (give it with --env {wanted[0]}=VALUE)"
    return line


class Driver:
    """One drive against one server; ``exit_code`` asks the sandbox whether the server has died."""

    def __init__(
        self,
        connect: Connect,
        stderr_path: Path,
        canaries: CanaryFactory,
        options: DriveOptions,
        exit_code: Callable[[], int | None],
        observe: Callable[[Event], None] | None = None,
        restart: Callable[[], bool] | None = None,
        pending: Callable[[float], bool] | None = None,
    ):
        """``restart`` starts the server again under the same stdio (False: it could not);
        ``pending(s)`` says whether the server has timed work due within ``s`` seconds."""
        self.connect = connect
        self.observe = observe
        """Told each event as it is recorded (live progress); never changes the drive."""
        self.stderr_path = stderr_path
        self.canaries = canaries
        self.options = options
        self.exit_code = exit_code
        self.restart = restart
        self.pending = pending
        self.outcome = DriveOutcome()
        self._in_flight: str | None = None
        self._tools_changed = False
        self._answers = 0
        self._launch = 1
        self._identity: ClientIdentity = identities(1)[0]
        """Who the client says it is in the current session (the replay keeps the last one)."""
        self._round = 0
        self._calls_time = 0.0

    def _record(self, event: Event) -> None:
        self.outcome.events.append(event)
        if self.observe is not None:
            self.observe(event)

    def _fail(self, status: AuditStatus, reason: str) -> None:
        if self.outcome.reason is None:
            self.outcome.status, self.outcome.reason = status, reason

    async def run(self) -> DriveOutcome:
        launches = self.options.launches if self.restart is not None else 1
        plan = list(zip(identities(launches), split_rounds(self.options.rounds, launches), strict=True))
        with self.stderr_path.open("a", encoding="utf-8") as errlog:
            try:
                async with self.connect(errlog) as (read, write):
                    for self._launch, (self._identity, rounds) in enumerate(plan, 1):
                        if not await self._start(self._identity):
                            break
                        async with lease(read, write) as (session_read, session_write):
                            session = self._client_session(session_read, session_write, self._identity)
                            async with session:
                                if not await self._initialize(session):
                                    break
                                await self._exercise(session, rounds, last=self._launch == len(plan))
            except Exception as exc:  # stage boundary: the server broke the transport
                log.debug("drive ended by %r", exc)
                self._fail(AuditStatus.TARGET_ERROR, self._why_ended(exc))
        return self.outcome

    async def replay(self, calls: Sequence[ToolCall]) -> DriveOutcome:
        """The second pass: each call again, short then long (:mod:`harness.driver.replay`)."""
        self._record(PhaseStarted(ts=time.time(), phase="replay"))
        return await self._session(functools.partial(self._replay, calls))

    async def _replay(self, calls: Sequence[ToolCall], session: ClientSession) -> None:
        for original in calls:
            for size in (SHORT, LONG):
                before = len(self.canaries.tokens)
                arguments = replay_arguments(original.arguments, original.canaries, self.canaries, size)
                domains = {r.rsplit("@", 1)[-1] for r in original.expected_recipients}
                planted = Planted(
                    {v.lower() for v in _strings(arguments) if "@" in v and v.rsplit("@", 1)[-1] in domains},
                    set(original.expected_hosts),
                )
                call = self._plan(
                    f"{original.call_id}-{size}", original.tool, arguments, before, planted, "tool"
                )
                call = dataclasses.replace(call, replay_of=original.call_id)
                await self._send(call, functools.partial(session.call_tool, call.tool, call.arguments))
        await anyio.sleep(self.options.linger)

    async def _session(self, work: Callable[[ClientSession], Awaitable[None]]) -> DriveOutcome:
        with self.stderr_path.open("a", encoding="utf-8") as errlog:
            try:
                async with self.connect(errlog) as (read, write):
                    session = self._client_session(read, write, self._identity)
                    async with session:
                        if await self._initialize(session):
                            await work(session)
            except Exception as exc:  # stage boundary: the server broke the transport
                log.debug("drive ended by %r", exc)
                self._fail(AuditStatus.TARGET_ERROR, self._why_ended(exc))
        return self.outcome

    async def _start(self, identity: ClientIdentity) -> bool:
        """Record the start-up of this launch; from the second on, restart the server first."""
        self._record(PhaseStarted(ts=time.time(), phase="startup"))
        if self._launch > 1:
            if self.restart is None or not await anyio.to_thread.run_sync(self.restart):
                log.info("server could not be restarted; one launch only")
                return False
        log.info("launch %d as %s", self._launch, identity.label)
        return True

    def _client_session(self, read: Any, write: Any, identity: ClientIdentity) -> ClientSession:
        """A client session that says what ``identity`` says and offers what it offers."""
        return ClientSession(
            read,
            write,
            client_info=identity.info,
            sampling_callback=self._on_sampling if identity.sampling else None,
            elicitation_callback=self._on_elicitation if identity.elicitation else None,
            message_handler=self._on_message,
        )

    def _why_ended(self, exc: BaseException) -> str:
        code = self.exit_code()
        if code is not None:
            return f"server exited with code {code}: {_stderr_reason(self.stderr_path) or 'no stderr'}"
        if isinstance(exc, HarnessError):  # already says what happened, e.g. "did not listen on port"
            return str(exc)
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
                stderr = _stderr_reason(self.stderr_path) or "no stderr"
                reason = f"server exited before initialize (code {code}): {stderr}"
            else:
                reason = f"initialize failed: {exc.__class__.__name__}: {exc}"
            self._fail(AuditStatus.TARGET_ERROR, reason)
            return False
        self.outcome.server_info = _dump(result.server_info)
        if result.instructions:
            self.outcome.server_info["instructions"] = result.instructions
        # the server's identity and instructions reach the model too: judged like any definition
        self._record(Listing(time.time(), "server", (self.outcome.server_info,), "initial", self._launch))
        self._capabilities = result.capabilities
        return True

    # ------------------------------------------------------------------ listing

    async def _list(self, session: ClientSession, surface: str, trigger: str) -> list[dict[str, Any]]:
        """List one surface (following pagination, bounded) and record the listing; failures list nothing."""
        listers: dict[str, Callable[..., Awaitable[Any]]] = {
            "tools": session.list_tools,
            "resources": session.list_resources,
            "resource_templates": session.list_resource_templates,
            "prompts": session.list_prompts,
        }
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            try:
                with anyio.fail_after(self.options.call_timeout):
                    page = await listers[surface](
                        params=PaginatedRequestParams(cursor=cursor) if cursor else None
                    )
            except Exception as exc:  # the server's failure to list is data: it simply lists nothing more
                log.debug("%s/list failed: %r", surface, exc)
                break
            items += [_dump(item) for item in getattr(page, surface, [])]
            cursor = getattr(page, "next_cursor", None)
            if not cursor:
                break
        self._record(Listing(time.time(), surface, tuple(items), trigger, self._launch))
        return items

    def _offers(self, surface: str) -> bool:
        caps = getattr(self, "_capabilities", None)
        key = {"resource_templates": "resources"}.get(surface, surface)
        return caps is not None and getattr(caps, key, None) is not None

    # ------------------------------------------------------------------ exercising

    async def _exercise(self, session: ClientSession, rounds: int, last: bool) -> None:
        self._record(PhaseStarted(ts=time.time(), phase="inventory"))
        tools = await self._list(session, "tools", "initial") if self._offers("tools") else []
        resources = await self._list(session, "resources", "initial") if self._offers("resources") else []
        templates = (
            await self._list(session, "resource_templates", "initial") if self._offers("resources") else []
        )
        prompts = await self._list(session, "prompts", "initial") if self._offers("prompts") else []
        self.outcome.tools = tools
        self._record(PhaseStarted(ts=time.time(), phase="calls"))
        for resource in resources[:_MAX_RESOURCES]:
            await self._read_resource(session, str(resource.get("uri", "")), {}, Planted())
        for done in range(rounds):
            if done >= 2 and self._calls_time >= self.options.call_budget:
                break  # calls are not cheap: the first two rounds are all this launch gets
            started = time.monotonic()
            self._round += 1
            round_no = self._round
            for tool in tools:
                if not await self._alive():
                    return
                await self._call_tool(session, tool, f"call-{round_no}-{tool['name']}")
                await self._relist_if_changed(session)
            for template in templates:
                uri, values = expand_template(str(template.get("uriTemplate", "")), self.canaries)
                await self._read_resource(
                    session, uri, values, Planted(), f"read-{round_no}-{template.get('name')}"
                )
            for prompt in prompts:
                await self._get_prompt(session, prompt, f"prompt-{round_no}-{prompt.get('name')}")
            self._calls_time += time.monotonic() - started
        if self._offers("tools"):
            await self._list(session, "tools", "after_calls")
        self._record(PhaseStarted(ts=time.time(), phase="linger"))
        await self._linger(self.options.linger if last else 0.0)

    async def _linger(self, at_least: float) -> None:
        """Wait ``at_least`` seconds, then while the server has timed work due (bounded)."""
        await anyio.sleep(at_least)
        if self.pending is None:
            return
        deadline = time.monotonic() + max(self.options.linger_max - at_least, 0.0)
        while (left := deadline - time.monotonic()) > 0:
            if not await anyio.to_thread.run_sync(self.pending, left):
                return
            await anyio.sleep(min(0.2, left))

    async def _alive(self) -> bool:
        code = self.exit_code()
        if code is not None:
            self._fail(AuditStatus.TARGET_ERROR, f"server exited during the calls (code {code})")
        return code is None

    async def _relist_if_changed(self, session: ClientSession) -> None:
        if self._tools_changed:
            self._tools_changed = False
            await self._list(session, "tools", "list_changed")

    async def _call_tool(self, session: ClientSession, tool: dict[str, Any], call_id: str) -> None:
        """Call a tool; when the server rejects the arguments, retry with simpler variants (bounded)."""
        variants = argument_variants(tool.get("inputSchema") or {}, self.canaries)
        for attempt in range(1, self.options.attempts + 1):
            before = len(self.canaries.tokens)
            variant = next(variants, None)
            if variant is None:
                return
            arguments, planted = variant
            call = self._plan(
                call_id if attempt == 1 else f"{call_id}-try{attempt}",
                tool["name"],
                arguments,
                before,
                planted,
                "tool",
            )
            if await self._send(call, functools.partial(session.call_tool, call.tool, call.arguments)):
                return

    async def _read_resource(
        self, session: ClientSession, uri: str, values: dict[str, str], planted: Planted, call_id: str = ""
    ) -> None:
        before = len(self.canaries.tokens) - len(values)
        call = self._plan(call_id or f"read-{uri}", uri, dict(values), before, planted, "resource")
        await self._send(call, functools.partial(session.read_resource, uri))

    async def _get_prompt(self, session: ClientSession, prompt: dict[str, Any], call_id: str) -> None:
        before = len(self.canaries.tokens)
        planted = Planted()
        arguments = prompt_arguments(prompt.get("arguments") or [], self.canaries, planted)
        call = self._plan(call_id, str(prompt.get("name")), arguments, before, planted, "prompt")
        await self._send(call, functools.partial(session.get_prompt, call.tool, arguments))

    def _plan(
        self, call_id: str, name: str, arguments: dict[str, Any], before: int, planted: Planted, surface: str
    ) -> ToolCall:
        return ToolCall(
            call_id=call_id,
            tool=name,
            arguments=arguments,
            canaries=tuple(self.canaries.tokens[before:]),
            expected_recipients=frozenset(planted.emails),
            expected_hosts=frozenset(planted.hosts),
            surface=surface,
        )

    async def _send(self, call: ToolCall, request: Callable[[], Awaitable[Any]]) -> bool:
        """Send one request and record its outcome; True unless the server rejected it."""
        self.outcome.calls.append(call)
        self._record(
            ToolCallStarted(time.time(), call.call_id, call.tool, call.arguments, call.canaries, call.surface)
        )
        self._in_flight = call.call_id
        finished = ToolCallFinished
        try:
            with anyio.fail_after(self.options.call_timeout):
                result = await request()
        except TimeoutError:
            self._record(finished(time.time(), call.call_id, False, False, "", "no answer within timeout"))
            return True  # a hang is not a rejection: retrying would only stack more hangs
        except Exception as exc:  # an MCP error answer is the server's behaviour: record it
            self._record(
                finished(time.time(), call.call_id, False, False, "", f"{exc.__class__.__name__}: {exc}")
            )
            return False
        finally:
            self._in_flight = None
        is_error = bool(getattr(result, "is_error", False))
        blocks = getattr(result, "content", None) or getattr(result, "contents", None) or []
        messages = getattr(result, "messages", None)
        text = _content_text([m.content for m in messages]) if messages else _content_text(list(blocks))
        self._record(finished(time.time(), call.call_id, True, is_error, text))
        return not is_error

    # ------------------------------------------------------------------ the server's requests

    def _answer_call(
        self, surface: str, before: int, planted: Planted, arguments: dict[str, Any]
    ) -> ToolCall:
        """Our answer to a server request is planted data too: register its canaries as a call."""
        self._answers += 1
        call = self._plan(f"{surface}-{self._answers}", surface, arguments, before, planted, surface)
        self.outcome.calls.append(call)
        return call

    async def _on_sampling(
        self, context: ClientRequestContext, params: CreateMessageRequestParams
    ) -> CreateMessageResult | ErrorData:
        before = len(self.canaries.tokens)
        text = self.canaries.text()
        self._answer_call("sampling", before, Planted(), {"text": text})
        answer = CreateMessageResult(
            role="assistant", content=TextContent(type="text", text=text), model="claude"
        )
        self._record(
            ServerRequest(
                time.time(), "sampling/createMessage", _dump(params), _dump(answer), self._in_flight
            )
        )
        return answer

    async def _on_elicitation(
        self, context: ClientRequestContext, params: ElicitRequestParams
    ) -> ElicitResult:
        before = len(self.canaries.tokens)
        planted = Planted()
        schema = _dump(params).get("requestedSchema") or {}
        content = elicitation_content(schema, self.canaries, planted)
        self._answer_call("elicitation", before, planted, content)
        answer = ElicitResult(action="accept", content=content)
        self._record(
            ServerRequest(time.time(), "elicitation/create", _dump(params), _dump(answer), self._in_flight)
        )
        return answer

    async def _on_message(self, message: IncomingMessage) -> None:
        if isinstance(message, Exception):
            log.debug("transport error from server: %r", message)
            return
        method = str(getattr(message, "method", type(message).__name__))
        params = getattr(message, "params", None)
        self._record(
            ServerNotice(time.time(), method, _dump(params) if isinstance(params, BaseModel) else {})
        )
        if method == "notifications/tools/list_changed":
            self._tools_changed = True
