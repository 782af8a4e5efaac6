"""Frozen records that cross pipeline stages.

Everything the sandbox observes becomes an :class:`Event`; everything the
driver does becomes an event too, so one ordered JSONL log tells the whole
story of a run. Events are serialised with :func:`event_to_json` and read back
with :func:`event_from_json`; byte fields travel as base64 so nothing the
server sent is lost or reinterpreted on the way.

This module is also shipped into the gateway image (the fake services write
events with it), so it imports only the standard library.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

SCHEMA_VERSION = 1
"""Version of the JSON event log and ``report.json`` layout."""

MAX_BODY_BYTES = 1 << 20
"""Largest payload kept per event; longer payloads are cut and flagged ``truncated``."""


def cap(data: bytes) -> tuple[bytes, bool]:
    """Cut ``data`` to :data:`MAX_BODY_BYTES`; returns the bytes and whether they were cut."""
    if len(data) > MAX_BODY_BYTES:
        return data[:MAX_BODY_BYTES], True
    return data, False


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Event:
    """Base of every observation. ``ts`` is wall-clock seconds (host and gateway share a kernel clock)."""

    kind: ClassVar[str] = "event"
    ts: float


@dataclass(frozen=True)
class DnsQuery(Event):
    """A DNS question the sandbox asked, and the sinkhole answer it got."""

    kind: ClassVar[str] = "dns_query"
    qname: str
    qtype: str
    src_port: int
    answer: str | None
    """Address handed back, or None when the question got an empty answer."""
    transport: str = "udp"
    """How the question travelled: ``udp``, ``tcp``, ``tls`` (DoT) or ``https`` (DoH)."""
    resolver: str | None = None
    """For a question carried in a stream: the host it was sent to (the DoH resolver's name)."""


@dataclass(frozen=True)
class Connection(Event):
    """A TCP connection accepted by a gateway listener, with its true destination."""

    kind: ClassVar[str] = "connection"
    conn_id: str
    src_port: int
    dst_ip: str
    dst_port: int
    service: str
    """Which fake took it: ``http``, ``smtp``, ``raw``."""


@dataclass(frozen=True)
class TlsSession(Event):
    """TLS the gateway terminated on a connection, with the name the client asked for."""

    kind: ClassVar[str] = "tls_session"
    conn_id: str
    sni: str | None
    ok: bool
    error: str | None = None
    """Why the handshake failed (e.g. the client rejected our certificate)."""


@dataclass(frozen=True)
class HttpExchange(Event):
    """One HTTP request (over TLS or not) and the status the fake answered."""

    kind: ClassVar[str] = "http_exchange"
    conn_id: str
    dst_ip: str
    dst_port: int
    tls: bool
    sni: str | None
    method: str
    host: str
    target: str
    """Request target as sent: path plus query."""
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int
    response_body: bytes = b""
    truncated: bool = False


@dataclass(frozen=True)
class SmtpMessage(Event):
    """One SMTP transaction: envelope and the DATA bytes exactly as received."""

    kind: ClassVar[str] = "smtp_message"
    conn_id: str
    dst_ip: str
    dst_port: int
    tls: bool
    helo: str | None
    auth_user: str | None
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    truncated: bool = False
    auth_password: str | None = None


@dataclass(frozen=True)
class MailSubmission(Event):
    """A message handed to an email API (e.g. the fake Postmark), with every recipient it names."""

    kind: ClassVar[str] = "mail_submission"
    conn_id: str
    api: str
    """Which API fake accepted it, e.g. ``postmark``."""
    endpoint: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str
    payload: bytes
    """The message object as submitted (JSON bytes)."""

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc + self.bcc


@dataclass(frozen=True)
class RawStream(Event):
    """Bytes a TCP client sent to a destination no protocol fake recognised."""

    kind: ClassVar[str] = "raw_stream"
    conn_id: str
    dst_ip: str
    dst_port: int
    tls: bool
    sni: str | None
    data: bytes
    truncated: bool = False


@dataclass(frozen=True)
class WebSocketMessage(Event):
    """One whole WebSocket message a client sent (fragments joined, compression undone)."""

    kind: ClassVar[str] = "websocket_message"
    conn_id: str
    dst_ip: str
    dst_port: int
    tls: bool
    sni: str | None
    host: str
    """Host header of the upgrade request."""
    target: str
    """Request target of the upgrade: path plus query."""
    data: bytes
    text: bool
    """A text message (UTF-8) rather than a binary one."""
    truncated: bool = False


@dataclass(frozen=True)
class Datagram(Event):
    """A UDP datagram that was not DNS, or a packet of any other IP protocol (ICMP echo, UDP-Lite, ...)
    read from the capture. The true destination comes from the packet capture."""

    kind: ClassVar[str] = "datagram"
    src_port: int
    dst_ip: str | None
    dst_port: int | None
    data: bytes
    truncated: bool = False
    proto: str = "udp"
    """``udp``, or the protocol of a packet only the capture saw (``icmp``, ``udplite``, a number)."""


@dataclass(frozen=True)
class PhaseStarted(Event):
    """The driver moved to a new phase: ``startup``, ``calls``, ``linger``."""

    kind: ClassVar[str] = "phase"
    phase: str


@dataclass(frozen=True)
class ToolCallStarted(Event):
    """The driver exercised a surface (a tool call, resource read or prompt get) with canary-tagged input."""

    kind: ClassVar[str] = "tool_call"
    call_id: str
    tool: str
    arguments: dict[str, Any]
    canaries: tuple[str, ...]
    surface: str = "tool"
    """``tool``, ``resource`` or ``prompt``."""


@dataclass(frozen=True)
class ToolCallFinished(Event):
    """What the server answered to a call (or why it did not)."""

    kind: ClassVar[str] = "tool_result"
    call_id: str
    ok: bool
    is_error: bool
    text: str
    error: str | None = None
    answered: bool = True
    """False when no answer came (timeout, the server hung up): the call exercised nothing."""


@dataclass(frozen=True)
class Listing(Event):
    """What the server listed on one surface at one moment (tools, resources, templates, prompts)."""

    kind: ClassVar[str] = "listing"
    surface: str
    items: tuple[dict[str, Any], ...]
    trigger: str
    """Why it was listed: ``initial``, ``list_changed`` or ``final`` (after the linger)."""
    launch: int = 1
    """Which start of the server (1 = first; a restart with the same home is 2) the listing came from."""
    error: str | None = None
    """Why the listing is not the whole list (it failed, or pagination was cut short); None when
    complete. Items it holds are real; items it lacks were not seen, not removed."""


@dataclass(frozen=True)
class ProtocolDefect(Event):
    """Something the server sent that breaks the protocol but did not stop the drive: a definition the
    SDK would reject, output on stdout that is not JSON-RPC, a message over the size limit."""

    kind: ClassVar[str] = "protocol_defect"
    defect: str
    """``schema`` (a listed definition), ``stdout_noise``, ``oversized_message`` or ``invalid_unicode``."""
    subject: str
    """What it is about: a tool or prompt name, or ``stdout``."""
    detail: str
    count: int = 1
    sample: bytes = b""


@dataclass(frozen=True)
class ServerRequest(Event):
    """A request the server sent to the client (sampling, elicitation, roots) and what we answered."""

    kind: ClassVar[str] = "server_request"
    method: str
    params: dict[str, Any]
    answer: dict[str, Any]
    call_id: str | None
    """The call in flight when the server asked, if any."""


@dataclass(frozen=True)
class ServerNotice(Event):
    """A notification the server sent (list changes, log messages)."""

    kind: ClassVar[str] = "server_notice"
    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ProcessStart(Event):
    """A process seen in the server's container that is not the server itself."""

    kind: ClassVar[str] = "process_start"
    pid: int
    ppid: int
    command: str


@dataclass(frozen=True)
class FileProbe(Event):
    """The server (or a child) opened or tested a path that tells about its machine (traced from the host)."""

    kind: ClassVar[str] = "file_probe"
    pid: int
    """Host PID of the process."""
    command: str
    """Its short name (``comm``), as the server may have set it."""
    syscall: str
    path: str
    """The path as the server named it."""


@dataclass(frozen=True)
class FileWritten(Event):
    """A file the server created or changed in its home; ``ts`` is the file's modification time."""

    kind: ClassVar[str] = "file_written"
    path: str
    """Path as the server saw it."""
    size: int
    head: bytes
    """The first bytes of the new content."""


@dataclass(frozen=True)
class ListeningSocket(Event):
    """A socket the server put into listening state."""

    kind: ClassVar[str] = "listening_socket"
    proto: str
    address: str
    port: int


@dataclass(frozen=True)
class ResourceUsage(Event):
    """The server container's resource use at the end of the run, against its limits."""

    kind: ClassVar[str] = "resource_usage"
    memory_peak: int | None
    memory_limit: int | None
    pids_peak: int | None
    pids_limit: int | None
    oom_killed: bool
    cpu_seconds: float | None = None
    """CPU time the server used over the run."""
    cpu_limit: float | None = None
    """CPUs the server was allowed."""
    cpu_pegged: float = 0.0
    """Seconds the server ran at its CPU limit."""


@dataclass(frozen=True)
class BudgetReached(Event):
    """The server hit a bound on what it may make the harness store or hold; the rest was not kept."""

    kind: ClassVar[str] = "budget_reached"
    budget: str
    """What was bounded: ``home disk``, ``home copy``, ``stderr``, ``packet capture``, ``event log``."""
    limit: int
    unit: str
    """``bytes`` or ``files``: the unit of ``limit``."""
    dropped: str
    """What past the limit was seen and not kept, in words (``1234 events``); empty when unknown."""


@dataclass(frozen=True)
class ServerExited(Event):
    """The server process ended (seen by the driver)."""

    kind: ClassVar[str] = "server_exited"
    exit_code: int | None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        DnsQuery,
        Connection,
        TlsSession,
        HttpExchange,
        SmtpMessage,
        MailSubmission,
        RawStream,
        WebSocketMessage,
        Datagram,
        PhaseStarted,
        ToolCallStarted,
        ToolCallFinished,
        Listing,
        ProtocolDefect,
        ServerRequest,
        ServerNotice,
        ProcessStart,
        FileProbe,
        FileWritten,
        ListeningSocket,
        ResourceUsage,
        ServerExited,
        BudgetReached,
    )
}


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any, annotation: str) -> Any:
    if annotation == "bytes" and isinstance(value, dict):
        return base64.b64decode(value["b64"])
    if annotation.startswith("tuple[tuple") and isinstance(value, list):
        return tuple(tuple(v) for v in value)
    if annotation.startswith("tuple") and isinstance(value, list):
        return tuple(value)
    return value


def event_to_dict(event: Event) -> dict[str, Any]:
    """Plain-JSON form of an event, with its ``kind`` first."""
    out: dict[str, Any] = {"kind": event.kind}
    for f in dataclasses.fields(event):
        out[f.name] = _encode(getattr(event, f.name))
    return out


def event_to_json(event: Event) -> str:
    return json.dumps(event_to_dict(event), separators=(",", ":"), ensure_ascii=True)


def event_from_json(line: str) -> Event:
    """Parse one JSONL line back into its typed event; raises ValueError on unknown kinds."""
    raw = json.loads(line)
    cls = EVENT_TYPES.get(raw.pop("kind", None))
    if cls is None:
        raise ValueError(f"unknown event kind in line: {line[:80]!r}")
    kwargs = {f.name: _decode(raw[f.name], str(f.type)) for f in dataclasses.fields(cls) if f.name in raw}
    return cls(**kwargs)


# --------------------------------------------------------------------------- targets and calls


@dataclass(frozen=True)
class TargetSpec:
    """A server to audit, resolved to something the sandbox can build and run."""

    name: str
    source_dir: str
    """Project directory copied into the runner image (the install step)."""
    runtime: str
    """Runner image family: ``node`` or ``python`` (``image`` for a ``docker:`` target)."""
    command: tuple[str, ...]
    """Argv that starts the server inside its app directory."""
    env: tuple[tuple[str, str], ...] = ()
    """Environment as declared; ``${secret}`` and ``${email}`` become canaries per run."""
    expected_hosts: tuple[str, ...] = ()
    """Service hosts the server is declared to talk to (e.g. ``api.postmarkapp.com``)."""
    expected_findings: tuple[str, ...] | None = None
    """For scenario fixtures: the finding kinds an audit must produce."""
    kind: str = "scenario"
    """``scenario`` (a directory with scenario.toml), ``path`` (a project read from its own files),
    ``npm``, ``pypi`` or ``docker``."""
    package: str | None = None
    """Registry package name (npm, pypi) or image reference (docker)."""
    version: str | None = None
    """Exact resolved version: the install cache key."""
    args: tuple[str, ...] = ()
    """Extra arguments passed to the server after its entry point."""
    transport: str = "stdio"
    """``stdio``, or ``http`` (Streamable HTTP) / ``sse`` for a server that listens on ``port``."""
    port: int | None = None
    """The sandbox-loopback port an ``http`` or ``sse`` server listens on."""
    endpoint: str | None = None
    """URL path of the MCP endpoint (``/mcp`` for ``http`` and ``/sse`` for ``sse`` when not given)."""


@dataclass(frozen=True)
class ToolCall:
    """One planned call: the arguments and the canaries planted in them."""

    call_id: str
    tool: str
    """Tool name, resource URI or prompt name."""
    arguments: dict[str, Any]
    canaries: tuple[str, ...]
    expected_recipients: frozenset[str]
    """Email addresses the call itself names: mail to them is asked for."""
    expected_hosts: frozenset[str]
    """Hosts named by URL arguments."""
    surface: str = "tool"
    """``tool``, ``resource``, ``prompt``, or ``sampling`` / ``elicitation`` (answers we gave)."""
    replay_of: str | None = None
    """For a replay (the second pass): the call it repeats with arguments of another size."""


# --------------------------------------------------------------------------- findings and results


class Severity(enum.StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for ``info`` up to 4 for ``critical``: severities compare by rank, not by name."""
        return list(Severity).index(self)


class Confidence(enum.StrEnum):
    """How sure the detector is that the behaviour is what its kind says."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AuditStatus(enum.StrEnum):
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    """The audit ran but did not exercise enough of the server to call it clean (coverage says why)."""
    TARGET_ERROR = "target_error"
    """The server crashed, never answered or broke the protocol."""
    INFRA_ERROR = "infra_error"
    """The harness itself could not run the audit."""


@dataclass(frozen=True)
class Approval:
    """A reviewer's acceptance of a behaviour, from a policy file (``mcp-harness approve``)."""

    by: str
    reason: str


@dataclass(frozen=True)
class Finding:
    """One suspicious behaviour, with enough evidence for a reviewer to judge it."""

    kind: str
    """E.g. ``unexpected_recipient``, ``canary_exfiltration``."""
    severity: Severity
    title: str
    call_id: str | None
    """The call that planted the leaked canary (``env`` for canary credentials)."""
    tool: str | None
    canary: str | None
    destination: str
    """Where it went: a host, ``ip:port`` or an email address."""
    channel: str
    """How it left, e.g. ``postmark-api over https``, ``smtp``, ``dns``."""
    evidence: str
    """Excerpt of the bytes around the hit, as text with unprintables escaped."""
    event_index: int
    """Index of the evidence event in ``events.jsonl``."""
    confidence: Confidence = Confidence.HIGH
    detail: str | None = None
    """Longer evidence where an excerpt is not enough (e.g. the diff of a changed tool definition)."""
    pcap_frames: tuple[int, ...] = ()
    """Frame numbers in ``capture.pcap`` of the flow the evidence came from."""
    phase: str | None = None
    """For behaviour outside any call: the phase in flight (``install``, ``startup``, ``linger``)."""
    count: int = 1
    """How many findings of this kind, destination and call this one stands for (a fork bomb: thousands)."""
    approval: Approval | None = None
    """Set when a policy approved this behaviour: still shown, no longer counted in the exit code."""


@dataclass(frozen=True)
class FlowRecord:
    """One flow that left the server, keyed by where it really went, and why it was expected."""

    event_index: int
    channel: str
    host: str
    """The true destination: the name the sandbox resolver gave the address dialled, else ``ip:port``."""
    address: str | None
    """``ip:port`` the server connected to (None for DNS questions)."""
    claimed: tuple[str, ...]
    """Names the client claimed (SNI, Host) that the resolver never gave out for ``address``."""
    size: int
    expected: str | None
    """``named_by_call``, ``configured`` or ``declared``; None when nothing made it expected."""
    why: str | None
    """The same in words, naming what made it expected (``configured by the user (env SMTP_HOST)``)."""


@dataclass(frozen=True)
class SurfaceCoverage:
    """How much of one surface (tools, resources, resource templates, prompts) was exercised."""

    listed: int = 0
    called: int = 0
    """Listed items the driver sent at least one request for."""
    answered: int = 0
    """Listed items the server answered at least once (a result or an error)."""
    succeeded: int = 0
    """Listed items answered at least once without an error."""


@dataclass(frozen=True)
class Sample:
    """Which tools a drive called when the server listed more than it calls (chosen at random)."""

    listed: int
    called: tuple[tuple[str, int], ...]
    """(tool, requests sent to it) for each tool chosen, in listing order."""
    judged_only: tuple[str, ...]
    """Tools only listed: their definitions were judged like every other, but they were never called."""


@dataclass(frozen=True)
class Coverage:
    """What the drive exercised, and what it could not: the ground a verdict stands on."""

    tools: SurfaceCoverage = SurfaceCoverage()
    resources: SurfaceCoverage = SurfaceCoverage()
    templates: SurfaceCoverage = SurfaceCoverage()
    prompts: SurfaceCoverage = SurfaceCoverage()
    calls: int = 0
    """Requests sent with canary input (every attempt, every round)."""
    unanswered: int = 0
    """Of those, requests that got no answer."""
    gaps: tuple[str, ...] = ()
    """What was offered but not exercised, and why; any gap makes the run ``incomplete``."""
    notes: tuple[str, ...] = ()
    """What was noticed about the server's liveness that did not cost coverage."""
    sample: Sample | None = None
    """Set when only some of the listed tools were called; the rest are a gap."""


@dataclass(frozen=True)
class AuditResult:
    """Everything renderers need; they read nothing else."""

    target: str
    status: AuditStatus
    reason: str | None
    started: float
    finished: float
    server_info: dict[str, Any] | None
    tools: tuple[dict[str, Any], ...]
    calls: tuple[ToolCall, ...]
    events: tuple[Event, ...]
    findings: tuple[Finding, ...]
    artifacts: dict[str, str] = field(default_factory=dict)
    """Name -> file name in the run directory (``events``, ``pcap``, ``stderr``)."""
    install: dict[str, Any] | None = None
    """What the install phase put in the image: version, integrity, dependencies, install scripts."""
    flows: tuple[FlowRecord, ...] = ()
    """Every flow that left the server, with its true destination and why it was expected."""
    fail_on: Severity = Severity.MEDIUM
    """The lowest severity that fails the audit (exit 1)."""
    coverage: Coverage | None = None
    """What the drive exercised; None when the audit never reached the server."""
    declared_hosts: tuple[str, ...] = ()
    """Service hosts the target declares (scenario, config, ``--expect-host``)."""
    approved_hosts: tuple[str, ...] = ()
    """Hosts a policy approved, for the reviewer's map."""

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        """The findings no policy approved: the ones that decide the verdict and the exit code."""
        return tuple(f for f in self.findings if f.approval is None)

    @property
    def highest(self) -> Severity | None:
        """The highest severity among the open findings (None without any)."""
        return max((f.severity for f in self.open_findings), key=lambda s: s.rank, default=None)

    @property
    def exit_code(self) -> int:
        """1 when an open (unapproved) finding reaches ``fail_on`` (even in a cut-short run); else 2 if
        the audit did not complete (incomplete, target or harness error); else 0."""
        highest = self.highest
        if highest is not None and highest.rank >= self.fail_on.rank:
            return 1
        return 0 if self.status is AuditStatus.COMPLETED else 2
