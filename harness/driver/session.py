"""Drive one MCP server through every surface it offers, over whichever transport it speaks.

Phases, each recorded as an event: ``startup`` (initialize), ``inventory``
(tools, resources, resource templates, prompts, every page), ``calls`` (every tool several
times, every resource read, every template and prompt with canary input), then ``linger``
for delayed sends. A surface is listed again on each ``list_changed`` whenever it comes
(linger included) and once more at the very end, so a definition that changes at any time is
seen; the linger lasts while the sandbox says the server has timed work pending (bounded). A
stdio server is then restarted with the same home and driven again under another client
identity (:mod:`harness.driver.launches`): its listings carry ``launch = 2``, and what it sends
at that start-up is caught like any leak. The server's own requests (sampling, elicitation) are
answered with canary content and recorded.

Listings (:mod:`harness.driver.inventory`) and results are read as the server sent them
(:mod:`harness.driver.wire`), so a definition the SDK would reject is still exercised and
reported as a defect. What the drive
reached and what it could not is kept in an :class:`Exercise`, from which the run's coverage
and its completeness follow (:mod:`harness.driver.coverage`).

The server's misbehaviour (exiting, hanging, closing its stdout, breaking the protocol) is
data: it ends the drive early with a status and reason, never with an exception.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.session import ClientRequestContext, IncomingMessage
from mcp.shared.exceptions import MCPError
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
from mcp.types import (
    CreateMessageRequestParams,
    CreateMessageResult,
    ElicitRequestParams,
    ElicitResult,
    ErrorData,
    TextContent,
)
from pydantic import BaseModel

from harness.canary import CanaryFactory
from harness.driver.arguments import Planted, argument_variants
from harness.driver.coverage import Exercise
from harness.driver.inventory import Inventory
from harness.driver.launches import ClientIdentity, identities, lease, split_rounds
from harness.driver.listings import input_schema, key_of
from harness.driver.options import DriveOptions
from harness.driver.replay import LONG, SHORT, replay_arguments
from harness.driver.stdio import StdoutLedger, stdout_evidence
from harness.driver.surfaces import elicitation_content, expand_template, prompt_arguments
from harness.driver.transports import Connect
from harness.driver.wire import HangUp, Wire, result_text
from harness.errors import HarnessError
from harness.model import (
    AuditStatus,
    Coverage,
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

_MAX_RESOURCES = 25
_MAX_RELISTS = 50
_MAX_NOTICES = 1000
_WATCH_INTERVAL = 1.0
_STILL_RUNNING = "the server closed the connection while still running"
_EXIT_SETTLE = 3.0
"""Seconds a server whose stdout ended may take to show as exited."""
_CHANGED = {f"notifications/{s}/list_changed": s for s in ("tools", "resources", "prompts")}


@dataclass
class DriveOutcome:
    """What the drive did and saw from the MCP side."""

    status: AuditStatus = AuditStatus.COMPLETED
    reason: str | None = None
    server_info: dict[str, Any] | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    coverage: Coverage = Coverage()


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


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


def _no_pipes() -> frozenset[str]:
    return frozenset()


class Driver:
    """One drive against one server.

    ``exit_code`` asks the sandbox whether the server has died; ``stdio_closed`` whether it has
    closed its stdin or stdout while still running (an attached stdout never shows its end);
    ``stdout`` is what the stdio transport saw besides JSON-RPC (None for HTTP transports);
    ``restart`` starts the server again under the same stdio (False: it could not);
    ``pending(s)`` says whether the server has timed work due within ``s`` seconds;
    ``first_started`` is when the first launch's process was started, if before the driver
    existed (:class:`harness.driver.attach.EarlyStart`): its start-up phase begins there.
    """

    def __init__(
        self,
        connect: Connect,
        stderr_path: Path,
        canaries: CanaryFactory,
        options: DriveOptions,
        exit_code: Callable[[], int | None],
        observe: Callable[[Event], None] | None = None,
        stdio_closed: Callable[[], frozenset[str]] = _no_pipes,
        stdout: StdoutLedger | None = None,
        restart: Callable[[], bool] | None = None,
        pending: Callable[[float], bool] | None = None,
        first_started: float | None = None,
    ):
        self.connect = connect
        self.observe = observe
        """Told each event as it is recorded (live progress); never changes the drive."""
        self.stderr_path = stderr_path
        self.canaries = canaries
        self.options = options
        self.exit_code = exit_code
        self.stdio_closed = stdio_closed
        self.stdout = stdout
        self.restart = restart
        self.pending = pending
        self.first_started = first_started
        self.outcome = DriveOutcome()
        self.exercise = Exercise()
        self._in_flight: str | None = None
        self._changed: dict[str, bool] = {}
        self._wake = anyio.Event()
        self._relists = 0
        self._notices = 0
        self._answers = 0
        self._wire: Wire | None = None
        self._inventory: Inventory | None = None
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
        if launches < self.options.launches:
            self.exercise.note(
                f"one launch of the {self.options.launches} planned: this server cannot be started again "
                "here, so behaviour held back for a later start was not tried"
            )
        plan = list(zip(identities(launches), split_rounds(self.options.rounds, launches), strict=True))

        async def every_launch(read: Any, write: Any) -> None:
            for self._launch, (self._identity, rounds) in enumerate(plan, 1):
                if not await self._start():
                    return
                work = functools.partial(self._exercise, rounds, self._launch == len(plan))
                async with lease(read, write) as (session_read, session_write):
                    if not await self._speak(session_read, session_write, work) or self._wire_ended():
                        return

        outcome = await self._connected(every_launch)
        if outcome.status is AuditStatus.COMPLETED and self._wire and self._wire.ended == _STILL_RUNNING:
            await self._await_exit()
        if outcome.status is AuditStatus.COMPLETED and self._wire and self._wire.ended:
            self.exercise.gaps.insert(0, f"stopped early: {self._wire.ended}")
            outcome.coverage = self.exercise.coverage()
        return outcome

    async def _await_exit(self) -> None:
        """A server that dies closes its stdout a moment before the engine shows it exited: wait
        (bounded) for that, so that its death, with its exit code, is what the report says."""
        with anyio.move_on_after(_EXIT_SETTLE):
            while await anyio.to_thread.run_sync(self.exit_code) is None:
                await anyio.sleep(0.1)
            self._why_closed()  # fails the run with the exit code and the server's last words

    async def replay(self, calls: Sequence[ToolCall]) -> DriveOutcome:
        """The second pass: each call again, short then long (:mod:`harness.driver.replay`)."""
        self._record(PhaseStarted(ts=time.time(), phase="replay"))

        async def one_session(read: Any, write: Any) -> None:
            await self._speak(read, write, functools.partial(self._replay, calls))

        return await self._connected(one_session)

    async def _replay(self, calls: Sequence[ToolCall]) -> None:
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
                params = {"name": call.tool, "arguments": call.arguments}
                await self._send(call, "tools/call", params, ("tools", call.tool))
        await anyio.sleep(self.options.linger)

    async def _connected(self, body: Callable[[Any, Any], Awaitable[None]]) -> DriveOutcome:
        """Open the transport, run ``body`` over its streams, and turn what happened into the outcome."""
        with self.stderr_path.open("a", encoding="utf-8") as errlog:
            try:
                async with self.connect(errlog) as (read, write):
                    await body(read, write)
            except Exception as exc:  # stage boundary: the server broke the transport
                log.debug("drive ended by %r", exc)
                self._fail(AuditStatus.TARGET_ERROR, self._why_ended(exc))
        self._finish()
        return self.outcome

    async def _speak(self, read: Any, write: Any, work: Callable[[], Awaitable[None]]) -> bool:
        """One MCP session under the current identity: initialize, then ``work``; False when the
        server did not initialize."""
        identity = self._identity
        dispatcher: JSONRPCDispatcher = JSONRPCDispatcher(read, write)
        self._wire = wire = Wire(dispatcher, self._why_closed)
        self._inventory = Inventory(
            wire, self.exercise, self._record, self.options.call_timeout, self._launch
        )
        session = ClientSession(
            dispatcher=dispatcher,
            client_info=identity.info,
            sampling_callback=self._on_sampling if identity.sampling else None,
            elicitation_callback=self._on_elicitation if identity.elicitation else None,
            message_handler=self._on_message,
        )
        async with session, anyio.create_task_group() as watchers:
            watchers.start_soon(self._watch, wire)
            initialized = await self._initialize(session)
            if initialized:
                wire.version = session.protocol_version
                await work()
            watchers.cancel_scope.cancel()
        return initialized

    def _wire_ended(self) -> bool:
        return self._wire is not None and self._wire.ended is not None

    async def _start(self) -> bool:
        """Record the start-up of this launch; from the second on, restart the server first."""
        early = self.first_started if self._launch == 1 else None
        self._record(PhaseStarted(ts=early or time.time(), phase="startup"))
        if self._launch > 1:
            if self.restart is None or not await anyio.to_thread.run_sync(self.restart):
                self.exercise.note(
                    f"launch {self._launch} did not happen: the server could not be started again"
                )
                return False
        log.info("launch %d as %s", self._launch, self._identity.label)
        return True

    def _finish(self) -> None:
        """Turn what the transport saw into evidence, and what was exercised into coverage."""
        if self.stdout is not None:
            defects, notes = stdout_evidence(self.stdout)
            self.outcome.events += defects
            for note in notes:
                self.exercise.note(note)
        if self._inventory is not None:
            self._inventory.note_defects()
        self.outcome.coverage = self.exercise.coverage()

    def _why_ended(self, exc: BaseException) -> str:
        code = self.exit_code()
        if code is not None:
            return f"server exited with code {code}: {_stderr_reason(self.stderr_path) or 'no stderr'}"
        if isinstance(exc, HarnessError):  # already says what happened, e.g. "did not listen on port"
            return str(exc)
        return f"MCP session failed: {exc.__class__.__name__}: {exc}"

    def _why_closed(self) -> str:
        """Why the connection to the server closed under the drive."""
        code = self.exit_code()
        if code is not None:
            reason = f"server exited with code {code}: {_stderr_reason(self.stderr_path) or 'no stderr'}"
            self._fail(AuditStatus.TARGET_ERROR, reason)
            return reason
        if self.stdout is not None and self.stdout.stuck_writing:
            return "the server stopped reading its stdin"
        return _STILL_RUNNING

    async def _watch(self, wire: Wire) -> None:
        """Notice at once a server that dies or closes its stdio, instead of after a timeout per call."""
        while wire.ended is None:
            await anyio.sleep(_WATCH_INTERVAL)
            closed = await anyio.to_thread.run_sync(self.stdio_closed)
            if closed:
                wire.hang_up(f"the server closed its {' and '.join(sorted(closed))} while still running")
            elif await anyio.to_thread.run_sync(self.exit_code) is not None:
                wire.hang_up(self._why_closed())

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
            elif self._wire is not None and self._wire.ended:
                reason = f"no answer to initialize: {self._wire.ended}"
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

    async def _list(self, surface: str, trigger: str) -> list[dict[str, Any]]:
        assert self._inventory is not None
        return await self._inventory.list(surface, trigger)

    def _offers(self, surface: str) -> bool:
        caps = getattr(self, "_capabilities", None)
        key = {"resource_templates": "resources"}.get(surface, surface)
        return caps is not None and getattr(caps, key, None) is not None

    def _surfaces(self, of: str | None = None) -> list[str]:
        """The surfaces the server offers (of those a change notice names, if ``of`` is given)."""
        named = ["tools", "resources", "resource_templates", "prompts"]
        if of is not None:
            named = ["resources", "resource_templates"] if of == "resources" else [of]
        return [s for s in named if self._offers(s)]

    # ------------------------------------------------------------------ exercising

    async def _exercise(self, rounds: int, last: bool) -> None:
        self._record(PhaseStarted(ts=time.time(), phase="inventory"))
        listed = {surface: await self._list(surface, "initial") for surface in self._surfaces()}
        tools, templates = listed.get("tools", []), listed.get("resource_templates", [])
        prompts, resources = listed.get("prompts", []), listed.get("resources", [])
        self.outcome.tools = tools
        if len(resources) > _MAX_RESOURCES:
            self.exercise.note(f"read the first {_MAX_RESOURCES} of {len(resources)} resources (the bound)")
        resources = resources[:_MAX_RESOURCES]
        for surface, items in (
            ("tools", tools),
            ("resources", resources),
            ("resource_templates", templates),
            ("prompts", prompts),
        ):
            self.exercise.offer(surface, [key_of(surface, item) for item in items])
        tools = self._sampled(tools)
        self._record(PhaseStarted(ts=time.time(), phase="calls"))
        for resource in resources:
            uri = str(resource["uri"])
            await self._read_resource(uri, {}, f"read-{uri}", ("resources", uri))
            await self._relist_changed()
        for done in range(rounds):
            if done >= 2 and self._calls_time >= self.options.call_budget:
                break  # calls are not cheap: the first two rounds are all this launch gets
            started = time.monotonic()
            self._round += 1
            round_no = self._round
            for tool in tools:
                if not await self._alive():
                    break
                await self._call_tool(tool, f"call-{round_no}-{tool['name']}")
                await self._relist_changed()
            for template in templates:
                uri, values = expand_template(str(template["uriTemplate"]), self.canaries)
                call_id = f"read-{round_no}-{template.get('name')}"
                item = ("resource_templates", str(template["uriTemplate"]))
                await self._read_resource(uri, values, call_id, item)
                await self._relist_changed()
            for prompt in prompts:
                await self._get_prompt(prompt, f"prompt-{round_no}-{prompt.get('name')}")
                await self._relist_changed()
            self._calls_time += time.monotonic() - started
        await self._linger(self.options.linger if last else 0.0)

    def _sampled(self, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The tools to call: all of them, or of a server listing more than ``tools_called``, a
        random sample (unpredictable to the server, kept for every launch), so the cost of a drive
        grows with the bound and not with the listing."""
        limit = self.options.tools_called
        if self.exercise.chosen is None:
            if len(tools) <= limit:
                return tools
            picks = sorted(random.SystemRandom().sample(range(len(tools)), limit))
            self.exercise.choose([key_of("tools", tools[n]) for n in picks])
            log.info("calling %d of %d listed tools, chosen at random", limit, len(tools))
        chosen = self.exercise.chosen or {}
        return [tool for tool in tools if key_of("tools", tool) in chosen]

    async def _linger(self, at_least: float) -> None:
        """Watch for delayed behaviour for ``at_least`` seconds, then while the server has timed
        work due (bounded); re-list whatever the server says changed, then all once more."""
        self._record(PhaseStarted(ts=time.time(), phase="linger"))
        await self._watch_changes(at_least)
        if self.pending is not None:
            deadline = time.monotonic() + max(self.options.linger_max - at_least, 0.0)
            while (left := deadline - time.monotonic()) > 0:
                if not await anyio.to_thread.run_sync(self.pending, left):
                    break
                await self._watch_changes(min(0.2, left))
        for surface in self._surfaces():
            await self._list(surface, "final")

    async def _watch_changes(self, seconds: float) -> None:
        """Wait ``seconds``, re-listing at once whatever the server says changed meanwhile."""
        deadline = anyio.current_time() + seconds
        while (left := deadline - anyio.current_time()) > 0:
            with anyio.move_on_after(left):
                await self._wake.wait()
            await self._relist_changed()

    async def _alive(self) -> bool:
        code = self.exit_code()
        if code is not None:
            self._fail(AuditStatus.TARGET_ERROR, f"server exited during the calls (code {code})")
        return code is None and not (self._wire and self._wire.ended)

    async def _relist_changed(self) -> None:
        """Re-list each surface the server announced a change of since the last look (bounded)."""
        self._wake = anyio.Event()
        changed, self._changed = [s for s, flag in self._changed.items() if flag], {}
        for surface in changed:
            if self._relists >= _MAX_RELISTS:
                self.exercise.note(f"stopped re-listing on list_changed after {_MAX_RELISTS} times")
                return
            self._relists += 1
            for each in self._surfaces(surface):
                await self._list(each, "list_changed")

    async def _call_tool(self, tool: dict[str, Any], call_id: str) -> None:
        """Call a tool; when the server rejects the arguments, retry with simpler variants (bounded)."""
        variants = argument_variants(input_schema(tool), self.canaries)
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
            params = {"name": call.tool, "arguments": call.arguments}
            if await self._send(call, "tools/call", params, ("tools", call.tool)):
                return

    async def _read_resource(
        self, uri: str, values: dict[str, str], call_id: str, item: tuple[str, str]
    ) -> None:
        before = len(self.canaries.tokens) - len(values)
        call = self._plan(call_id, uri, dict(values), before, Planted(), "resource")
        await self._send(call, "resources/read", {"uri": uri}, item)

    async def _get_prompt(self, prompt: dict[str, Any], call_id: str) -> None:
        before = len(self.canaries.tokens)
        planted = Planted()
        arguments = prompt_arguments(prompt.get("arguments") or [], self.canaries, planted)
        call = self._plan(call_id, str(prompt.get("name")), arguments, before, planted, "prompt")
        params = {"name": call.tool, "arguments": arguments}
        await self._send(call, "prompts/get", params, ("prompts", call.tool))

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

    async def _send(self, call: ToolCall, method: str, params: dict[str, Any], item: tuple[str, str]) -> bool:
        """Send one request and record its outcome; True unless the server rejected it. Nothing is
        sent once the drive has stopped: what was left unexercised shows in the coverage."""
        assert self._wire is not None
        if self._wire.ended:
            return True
        self.outcome.calls.append(call)
        self._record(
            ToolCallStarted(time.time(), call.call_id, call.tool, call.arguments, call.canaries, call.surface)
        )
        self._in_flight = call.call_id
        finished = ToolCallFinished
        try:
            result = await self._wire.request(method, params, self.options.call_timeout)
        except (TimeoutError, HangUp) as exc:
            why = str(exc) if isinstance(exc, HangUp) else f"no answer within {self.options.call_timeout:g}s"
            self._record(finished(time.time(), call.call_id, False, False, "", why, answered=False))
            self.exercise.record(*item, answered=False, ok=False)
            return True  # a hang is not a rejection: retrying would only stack more hangs
        except MCPError as exc:  # an MCP error answer is the server's behaviour: record it
            self._record(finished(time.time(), call.call_id, False, False, "", f"MCPError: {exc}"))
            self.exercise.record(*item, answered=True, ok=False)
            return False
        finally:
            self._in_flight = None
        is_error = result.get("isError") is True
        self._record(finished(time.time(), call.call_id, True, is_error, result_text(result)))
        self.exercise.record(*item, answered=True, ok=not is_error)
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
        if method in _CHANGED:
            self._changed[_CHANGED[method]] = True
            self._wake.set()
        self._notices += 1
        if self._notices > _MAX_NOTICES:
            self.exercise.note(f"recorded the first {_MAX_NOTICES} notifications; the server sent more")
            return
        params = getattr(message, "params", None)
        self._record(
            ServerNotice(time.time(), method, _dump(params) if isinstance(params, BaseModel) else {})
        )
