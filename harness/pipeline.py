"""The audit pipeline: the only module that knows the stage order, and the owner of teardown.

target -> images (install) -> sandbox (gateway, npm install scripts, server) -> driver -> evidence
(gateway events + capture + driver events) -> detectors -> AuditResult -> renderers.

Clean-up guarantee: the sandbox is closed in a ``finally`` that runs on
success, on any error and on cancellation (Ctrl-C), so no container outlives
the run. On the docker backend it is stopped there and its removal starts there
in a non-daemon thread that the audit joins before it returns (and the process
before it exits): the removal overlaps detection and report writing, the
evidence being complete before it starts. The probe tracer's last reads are
flushed once the server is stopped; neither the audit nor the process waits for
the kernel to detach its probes (see harness.sandbox.tracing).

Start-up overlaps too: the probe tracer attaches while the images are checked (or was
warmed by the command line before the harness loaded: harness.command), the per-run
image is committed while the gateway comes up, the server container starts while the
gateway's services do (its PID 1 holds the server back until they are ready), the driver
(the MCP SDK) loads while the sandbox starts and, on stdio, while the server itself
starts, and what detection and the report load runs while the server lingers.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import docker
from anyio.abc import TaskGroup

from harness.canary import CanaryFactory
from harness.capture.budgets import budgets_reached
from harness.capture.frames import with_frames
from harness.capture.nflog import Packet, load_dissectors, outbound, read_packets
from harness.capture.protocols import unterminated
from harness.detect import Credential, Evidence, default_detectors, run_detectors
from harness.detect.destinations import suffix_list
from harness.driver.attach import EarlyStart
from harness.driver.coverage import verdict, with_usage
from harness.driver.options import DriveOptions
from harness.errors import SandboxError
from harness.model import (
    AuditResult,
    AuditStatus,
    Datagram,
    Event,
    PhaseStarted,
    ResourceUsage,
    Severity,
    TargetSpec,
    ToolCall,
    event_from_json,
    event_to_json,
)
from harness.policy import Policy, apply_policy
from harness.report import write_html, write_json
from harness.report.html import load_template
from harness.report.junit import write_junit
from harness.report.sarif import write_sarif
from harness.sandbox.bait import Bait, changed_files, plant_bait
from harness.sandbox.ca import new_ca
from harness.sandbox.docker_sandbox import DockerSandbox, Limits, docker_client
from harness.sandbox.environment import planted_secrets, server_environment
from harness.sandbox.images import docker_name, ensure_gateway
from harness.sandbox.install import LIFECYCLE_COMMAND, Prepared, prepare
from harness.sandbox.persona import SPEED, new_persona
from harness.sandbox.protocol import Sandbox
from harness.sandbox.stderr_budget import budgeted
from harness.sandbox.tracing import ProbeTracer, started_tracer

if TYPE_CHECKING:  # the kubernetes client is imported only by runs on a cluster (see _in_cluster)
    from harness.driver.session import DriveOutcome, Driver
    from harness.driver.stdio import StdoutLedger
    from harness.driver.transports import Connect
    from harness.kube.backend import KubeSandbox
    from harness.kube.launch import ClusterRun
    from harness.kube.settings import KubeSettings

log = logging.getLogger(__name__)

_SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
_REPLAY_OPTIONS = DriveOptions(init_timeout=30.0, call_timeout=15.0, linger=1.0)
"""The second pass is a few calls against a server already known to start."""


@dataclass(frozen=True)
class AuditOptions:
    drive: DriveOptions = DriveOptions()
    install_timeout: float = 300.0
    """Seconds npm install scripts may run in the sandbox before they are killed."""
    fail_on: Severity = Severity.MEDIUM
    """The lowest finding severity that fails the audit (exit 1)."""
    policy: Policy | None = None
    """Approvals to mark findings with (shown, not counted in the exit code)."""
    observe: Callable[[Event], None] | None = None
    """Told of each stage and recorded event as it happens, for live progress; never changes the run."""
    kubernetes: KubeSettings | None = None
    """Run the sandbox as a Job on this cluster instead of on the local Docker engine."""

    def tell(self, phase: str) -> None:
        if self.observe is not None:
            self.observe(PhaseStarted(ts=time.time(), phase=phase))


def new_run_dir(reports: Path, target: TargetSpec) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = reports / f"{target.name}-{stamp}-{secrets.token_hex(2)}"
    run_dir.mkdir(parents=True)
    return run_dir


def _prepare_gateway_dir(run_dir: Path, postmark_tokens: list[str]) -> tuple[Path, bytes]:
    """Write the per-run CA and the fakes' config; return (gateway data dir, CA bundle for the server)."""
    data = run_dir / "gateway"
    data.mkdir()
    cert_pem, key_pem = new_ca()
    (data / "ca.pem").write_bytes(cert_pem)
    (data / "ca.key").write_bytes(key_pem)
    (data / "config.json").write_text(json.dumps({"postmark_tokens": postmark_tokens}))
    system = _SYSTEM_BUNDLE.read_bytes() if _SYSTEM_BUNDLE.is_file() else b""
    return data, system + b"\n" + cert_pem


def _read_gateway_events(path: Path) -> list[Event]:
    events: list[Event] = []
    if not path.is_file():
        return events
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        try:
            events.append(event_from_json(line))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("gateway event line %d unreadable: %s", number, exc)
    return events


def _with_true_destinations(events: list[Event], packets: list[Packet]) -> list[Event]:
    """Fill each datagram's destination from the capture (REDIRECT hides it from the UDP listener)."""
    by_port = {p.sport: p for p in packets if p.proto == "udp"}
    out: list[Event] = []
    for event in events:
        if isinstance(event, Datagram) and event.dst_ip is None and event.src_port in by_port:
            packet = by_port[event.src_port]
            event = replace(event, dst_ip=packet.dst, dst_port=packet.dport)
        out.append(event)
    return out


def _collect(
    run_dir: Path, data: Path, drive: DriveOutcome, host_events: list[Event]
) -> tuple[list[Event], dict[str, str], list[Packet]]:
    """Merge gateway and driver events into one ordered log, move artifacts up, drop the CA key."""
    (data / "ca.key").unlink(missing_ok=True)
    artifacts: dict[str, str] = {}
    pcap = data / "capture.pcap"
    packets: list[Packet] = []
    if pcap.is_file():
        shutil.move(pcap, run_dir / "capture.pcap")
        artifacts["pcap"] = "capture.pcap"
        packets = list(read_packets(run_dir / "capture.pcap"))
    leaving = outbound(packets)
    gateway_events = _with_true_destinations(_read_gateway_events(data / "gateway.jsonl"), leaving)
    gateway_events += unterminated(leaving)
    events = sorted(gateway_events + drive.events + host_events, key=lambda e: e.ts)
    (run_dir / "events.jsonl").write_text("".join(event_to_json(e) + "\n" for e in events), encoding="utf-8")
    artifacts["events"] = "events.jsonl"
    artifacts["server_stderr"] = "server.stderr.log"
    return events, artifacts, packets


@dataclass
class _Observed:
    """Everything one sandboxed drive produced, before detection."""

    drive: DriveOutcome
    events: list[Event]
    artifacts: dict[str, str]
    credentials: tuple[Credential, ...]
    packets: list[Packet]
    install: dict[str, Any] | None
    unobserved: tuple[str, ...] = ()
    """What the run could not watch or disguise, as coverage notes: the sandbox's
    (:attr:`Sandbox.unobserved`) and the probe reads, when they were not traced."""
    removal: threading.Thread | None = None
    """The sandbox's removal, if still running: joined before the audit returns."""


def _connect(
    target: TargetSpec,
    sandbox: Sandbox,
    ready_timeout: float,
    stderr_stats: Path,
    stdout: StdoutLedger,
    early: EarlyStart,
) -> Connect:
    """The transport the target speaks: its stdio (whose first process ``early`` may have started),
    or HTTP relayed into the sandbox's loopback; either way the server's log output reaches the
    host within its budget, and on stdio its messages too."""
    from harness.driver.stdio import bounded_stdio  # the MCP SDK: loaded while the sandbox started
    from harness.driver.transports import HttpServer, relayed

    if target.transport == "stdio":
        return bounded_stdio(_stdio_argv(sandbox, stderr_stats), stdout, early)
    if not isinstance(sandbox, DockerSandbox) or sandbox.server is None:
        raise SandboxError("an HTTP server needs the docker backend")
    server_id = str(sandbox.server.id)
    if sandbox.gateway is None or target.port is None or target.endpoint is None:
        raise SandboxError("an HTTP server needs the gateway running, a port and an endpoint")

    async def start() -> None:
        await anyio.to_thread.run_sync(sandbox.start_server)

    async def exited() -> int | None:
        return await anyio.to_thread.run_sync(sandbox.server_exit_code)

    server = HttpServer(
        target.transport,
        str(sandbox.gateway.id),
        server_id,
        target.port,
        target.endpoint,
        start,
        exited,
        lambda argv: budgeted(argv, stderr_stats, with_stdout=True),
    )
    return relayed(server, ready_timeout)


def _stdio_argv(sandbox: Sandbox, stderr_stats: Path) -> list[str]:
    """The command that attaches to the server's stdio, its log output kept within budget."""
    return budgeted(sandbox.stdio_argv(), stderr_stats)


async def _drive(
    target: TargetSpec,
    sandbox: Sandbox,
    run_dir: Path,
    options: AuditOptions,
    canaries: CanaryFactory,
    credentials: tuple[Credential, ...],
    host_events: list[Event],
    later: _LaterStages,
) -> DriveOutcome:
    """Drive the server in a started sandbox (both passes); what its watcher saw joins ``host_events``.
    A stdio server's process starts before the driver has loaded, so that the two start-ups
    overlap; the later stages load once the server is only watched (its linger)."""

    def observe(event: Event) -> None:
        if isinstance(event, PhaseStarted) and event.phase == "linger":
            later.start()
        if options.observe is not None:
            options.observe(event)

    data = run_dir / "gateway"
    watcher = sandbox.watch_server()
    stdio = target.transport == "stdio"
    early = EarlyStart()
    try:
        if stdio:
            await early.start(_stdio_argv(sandbox, data / "stderr.json"), run_dir / "server.stderr.log")
        from harness.driver.session import Driver  # the MCP SDK: loaded while the sandbox started
        from harness.driver.stdio import StdoutLedger

        stdout = StdoutLedger()
        driver = Driver(
            _connect(target, sandbox, options.drive.init_timeout, data / "stderr.json", stdout, early),
            run_dir / "server.stderr.log",
            canaries,
            options.drive,
            sandbox.server_exit_code,
            observe,
            stdio_closed=sandbox.stdio_probe().closed if stdio else lambda: frozenset(),
            stdout=stdout if stdio else None,
            restart=sandbox.restart_server if stdio and sandbox.relaunchable else None,
            pending=sandbox.pending,
            first_started=early.started,
        )
        outcome = await driver.run()
        await anyio.to_thread.run_sync(later.join)  # a drive that ended before its linger starts them here
        from harness.detect.opaque import replay_candidates  # the scanner: loaded off start-up's path

        replays = replay_candidates(_interim_evidence(target, outcome, data, credentials))
        if replays and outcome.status is AuditStatus.COMPLETED and sandbox.relaunchable:
            await _replay(driver, replays, outcome)
        elif replays and not sandbox.relaunchable:
            log.info("no replay of %d call(s): this sandbox cannot start the server again", len(replays))
    finally:
        await early.close()  # a process the driver never took over
        host_events += await anyio.to_thread.run_sync(watcher.stop)
    return outcome


def _observed(
    sandbox: Sandbox,
    bait: Bait,
    run_dir: Path,
    outcome: DriveOutcome,
    host_events: list[Event],
    credentials: tuple[Credential, ...],
    record: dict[str, Any] | None,
    untraced: str | None,
    removal: threading.Thread | None = None,
) -> _Observed:
    """What a closed (or stopped and being removed) sandbox left in the run folder, as evidence;
    ``untraced`` says why the server's probe reads were not traced (None: they were)."""
    data = run_dir / "gateway"
    host_events += changed_files(bait, sandbox.home)
    host_events += budgets_reached(sandbox.home_copy, sandbox.home_limit, data)
    events, artifacts, packets = _collect(run_dir, data, outcome, host_events)
    if (run_dir / "install.log").is_file():
        artifacts["install_log"] = "install.log"
    return _Observed(
        outcome,
        events,
        artifacts,
        credentials,
        packets,
        record,
        unobserved=(*sandbox.unobserved, *_untraced(untraced)),
        removal=removal,
    )


def _untraced(reason: str | None) -> tuple[str, ...]:
    """The coverage note for probe reads that were not traced, with why; none when they were."""
    if reason is None:
        return ()
    return (f"reads of container markers, /proc/1 and hardware ids were not traced: {reason}",)


async def _in_cluster(
    settings: KubeSettings, api: Any, client: docker.DockerClient, prepared: Prepared, run: ClusterRun
) -> KubeSandbox:
    """Launch the run as a Job and wait for its server; everything made is deleted if that fails."""
    from harness.kube.launch import launch

    if prepared.lifecycle_scripts:
        scripts = ", ".join(map(str, (prepared.record or {}).get("install_scripts") or []))
        raise SandboxError(f"npm install scripts ({scripts}) run in the sandbox only on the docker backend")
    sandbox = await anyio.to_thread.run_sync(launch, api, client, settings, run)
    try:
        await anyio.to_thread.run_sync(sandbox.wait_running, settings.ready_timeout)
    except BaseException:
        sandbox.discard()
        raise
    return sandbox


async def _drive_in_sandbox(target: TargetSpec, run_dir: Path, options: AuditOptions) -> _Observed:
    run_dir = run_dir.resolve()  # bind mounts need absolute host paths
    cluster = options.kubernetes
    if cluster is not None:  # before anything is built: an unusable cluster is the first thing to say
        from harness.kube.cluster import api_client, supported
        from harness.kube.launch import ClusterRun, seed_files

        supported(target)
        api = await anyio.to_thread.run_sync(api_client, cluster.context)
    canaries = CanaryFactory()
    planted = server_environment(target.env, canaries)
    persona = new_persona()
    shell = planted_secrets(canaries, planted.env)
    env = {**shell.env, **planted.env}
    has_dotenv = bool(target.source_dir) and (Path(target.source_dir) / ".env").exists()
    bait = plant_bait(run_dir, canaries, app_has_dotenv=has_dotenv, persona=persona)
    # the shell's secrets are configuration too: each may log in to its own service, nowhere else
    configured = {**planted.credentials, **shell.credentials}
    credentials = tuple(Credential(t, source, configured=True) for t, source in configured.items())
    credentials += tuple(Credential(t, source) for t, source in bait.credentials.items())
    # attaching takes bpftrace most of a second: it begins before the images' checks, if not before
    tracer = started_tracer() if cluster is None else ProbeTracer()
    try:
        client = docker_client()
        options.tell("build")
        gateway_image = await anyio.to_thread.run_sync(ensure_gateway, client)
        prepared = await anyio.to_thread.run_sync(prepare, client, target)
        options.tell("sandbox")
        data, bundle = _prepare_gateway_dir(run_dir, planted.secrets)
    except BaseException:
        tracer.stop()  # a run that ends before its sandbox leaves no tracer behind
        raise
    run_id = docker_name(run_dir.name)[:40] + "-" + secrets.token_hex(3)
    # an image we did not build has no PID 1 of ours to show the persona
    machine = persona if target.kind != "docker" else None
    # fast clocks fire an HTTP server's own session timers 20 times sooner and drop the client,
    # so only a stdio server's time runs fast
    speed = SPEED if target.transport == "stdio" else 1
    host_events: list[Event] = []
    record = prepared.record
    # from here on the harness mostly waits on the engine; importing sooner slows the calls before
    threading.Thread(target=_load_driver, name="load-driver", daemon=True).start()
    later = _LaterStages()
    if cluster is not None:
        run = ClusterRun(
            run_id, data, bait.home, gateway_image, prepared.image, prepared.command, env,
            prepared.working_dir, persona.hostname, Limits().home_bytes, seed_files(data, bundle, bait),
        )  # fmt: skip
        tracer.stop()  # never started on a cluster: it lets go of its log file
        remote = await _in_cluster(cluster, api, client, prepared, run)
        try:
            outcome = await _drive(
                target, remote, run_dir, options, canaries, credentials, host_events, later
            )
        except BaseException:
            remote.discard()
            raise
        await anyio.to_thread.run_sync(remote.close)  # a SandboxError when the run's data did not come back
        await anyio.to_thread.run_sync(later.join)  # from here on, one thread imports
        untraced = "the server ran on a Kubernetes cluster"
        return _observed(remote, bait, run_dir, outcome, host_events, credentials, record, untraced)
    sandbox = DockerSandbox(client, run_id, data, bait.home, persona=machine, clock_speed=speed)
    try:
        dotenv = bait.dotenv.read_bytes() if bait.dotenv is not None else None
        image = await _start_sandbox(sandbox, gateway_image, prepared.image, bundle, dotenv)
        if prepared.lifecycle_scripts:
            await anyio.to_thread.run_sync(sandbox.plant_home, bait)
            await anyio.to_thread.run_sync(sandbox.wait_gateway)  # the scripts run with the fakes up
            host_events.append(PhaseStarted(ts=time.time(), phase="install"))
            options.tell("install")
            ran = await anyio.to_thread.run_sync(
                sandbox.run_lifecycle_scripts,
                image,
                LIFECYCLE_COMMAND,
                env,
                options.install_timeout,
            )
            (run_dir / "install.log").write_text(ran.log, encoding="utf-8")
            record = {**(record or {}), "scripts_ran_in_sandbox": True, "scripts_exit_code": ran.exit_code}
            image = ran.image
        server = functools.partial(sandbox.create_server, image, prepared.command, env, prepared.working_dir)
        await _ready_to_start(sandbox, tracer, bait, server, planted_already=bool(prepared.lifecycle_scripts))
        drive = functools.partial(
            _drive, target, sandbox, run_dir, options, canaries, credentials, host_events, later
        )
        outcome = await _once_ready(sandbox, drive)
    finally:
        # synchronous: a cancelled run must still end and remove everything; the tracer's last
        # reads are flushed once the server is stopped (the kernel then detaches it on its own)
        try:
            sandbox.stop()
        finally:
            try:
                host_events += tracer.stop()
            finally:
                removal = _removing(sandbox)
    await anyio.to_thread.run_sync(later.join)  # from here on, one thread imports
    return _observed(
        sandbox, bait, run_dir, outcome, host_events, credentials, record, tracer.unavailable, removal
    )


async def _start_sandbox(
    sandbox: DockerSandbox, gateway_image: str, image: str, bundle: bytes, dotenv: bytes | None
) -> str:
    """Launch the gateway while the run's files are baked into the server's image, and return that
    image; a failure of either is raised as itself. The gateway's services may still be starting:
    :func:`_once_ready` drives the server once they are up."""
    async with _side_by_side() as starting:
        starting.start_soon(anyio.to_thread.run_sync, sandbox.launch_gateway, gateway_image)
        baked = await anyio.to_thread.run_sync(sandbox.with_run_files, image, bundle, dotenv)
    return baked


async def _ready_to_start(
    sandbox: DockerSandbox, tracer: ProbeTracer, bait: Bait, server: Callable[[], str], planted_already: bool
) -> None:
    """Plant the home while the server container is created (``server``) and the tracer finishes
    attaching: the server may start once all three are done; a failure is raised as itself."""
    async with _side_by_side() as preparing:
        if not planted_already:
            preparing.start_soon(anyio.to_thread.run_sync, sandbox.plant_home, bait)
        preparing.start_soon(anyio.to_thread.run_sync, functools.partial(tracer.bind, sandbox.server_pid))
        await anyio.to_thread.run_sync(server)


async def _once_ready(sandbox: DockerSandbox, drive: Callable[[], Awaitable[DriveOutcome]]) -> DriveOutcome:
    """``drive()`` once the gateway's services are ready, or, when the server's PID 1 waits for
    them itself (:attr:`DockerSandbox.gated`), while they finish starting: the server container's
    start then overlaps the gateway's, and the server still runs only once its network is up. A
    gateway that dies meanwhile is a SandboxError either way, and ends the drive."""
    if not sandbox.gated:
        await anyio.to_thread.run_sync(sandbox.wait_gateway)
        return await drive()
    async with _side_by_side() as starting:
        # a partial: the type checker cannot match run_sync to a method with a defaulted parameter
        starting.start_soon(anyio.to_thread.run_sync, functools.partial(sandbox.wait_gateway))
        outcome = await drive()
    return outcome


@contextlib.asynccontextmanager
async def _side_by_side() -> AsyncIterator[TaskGroup]:
    """A task group for start-up steps run side by side, whose failure is raised as the first
    exception itself (a SandboxError, a TargetError), not wrapped in a group."""
    try:
        async with anyio.create_task_group() as group:
            yield group
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None


def _load_driver() -> None:
    """Load the driver (the MCP SDK: most of a second) while the sandbox starts, when the harness
    waits on the engine anyway. Its modules are imported where they are used too: a thread that
    gets there first waits for this one to finish loading them."""
    import harness.driver.session
    import harness.driver.transports  # noqa: F401


class _LaterStages:
    """What reading the capture, detection and the report need (scapy, every detector, the Public
    Suffix List, the HTML template: most of a second of CPU), loaded on a thread once the server
    is only watched (:meth:`start` at its linger), so that it takes no CPU from the start-ups of
    the gateway and the server; they are the same whenever they load, so this changes no result."""

    def __init__(self) -> None:
        self._thread = threading.Thread(target=_load_later_stages, name="load-later-stages", daemon=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread.ident is None:
                self._thread.start()

    def join(self) -> None:
        """Wait until they are loaded (starting now if not yet begun)."""
        self.start()
        self._thread.join()


def _load_later_stages() -> None:
    load_dissectors()
    default_detectors()  # and with them the scanner (numpy) that the ledger and replays use
    suffix_list()
    load_template()


def _removing(sandbox: DockerSandbox) -> threading.Thread:
    """Remove the stopped sandbox in a thread, so detection and reports need not wait for it; the
    thread is not a daemon, so even a process that ends first waits for it."""
    removal = threading.Thread(target=sandbox.remove, name=f"remove-{sandbox.run_id}")
    removal.start()
    return removal


def _interim_evidence(
    target: TargetSpec, outcome: DriveOutcome, data: Path, credentials: tuple[Credential, ...]
) -> Evidence:
    """What the first pass showed so far, for planning the second: gateway and driver events, in order."""
    events = sorted(_read_gateway_events(data / "gateway.jsonl") + outcome.events, key=lambda e: e.ts)
    return Evidence(target, tuple(outcome.calls), tuple(events), credentials)


async def _replay(driver: Driver, calls: list[ToolCall], outcome: DriveOutcome) -> None:
    """The second pass: the server is started again (same home) and each call replayed twice with
    fresh canaries of other sizes; its calls and events join the first pass's as evidence."""
    from harness.driver.session import Driver  # loaded by then: the first pass ran it

    log.info("replaying %d call(s) whose traffic no decoder could read", len(calls))
    again = Driver(driver.connect, driver.stderr_path, driver.canaries, _REPLAY_OPTIONS, driver.exit_code)
    second = await again.replay(calls)
    outcome.calls += second.calls
    outcome.events += second.events


async def audit(target: TargetSpec, run_dir: Path, options: AuditOptions = AuditOptions()) -> AuditResult:
    """Audit one target into ``run_dir``; writes report.json and report.html and returns the result."""
    started = time.time()
    observed = await _drive_in_sandbox(target, run_dir, options)
    try:
        return _result(target, run_dir, options, observed, started)
    finally:
        if observed.removal is not None:  # no container outlives the audit
            await anyio.to_thread.run_sync(observed.removal.join)


def _result(
    target: TargetSpec, run_dir: Path, options: AuditOptions, observed: _Observed, started: float
) -> AuditResult:
    """Detect, judge and write the reports of what one sandboxed drive observed."""
    outcome, events, artifacts = observed.drive, observed.events, observed.artifacts
    evidence = Evidence(target, tuple(outcome.calls), tuple(events), observed.credentials)
    findings, detector_errors = run_detectors(evidence, default_detectors())
    from harness.detect.ledger import flow_records  # loaded with the detectors, off start-up's path

    try:
        flows = flow_records(evidence)
    except Exception as exc:  # the ledger is a view of the evidence: a bug in it must not cost the findings
        log.exception("flow ledger failed")
        flows, detector_errors = (
            (),
            [*detector_errors, f"flow ledger failed: {exc.__class__.__name__}: {exc}"],
        )
    findings = apply_policy(target.name, with_frames(findings, events, observed.packets), options.policy)
    usage = next((e for e in reversed(events) if isinstance(e, ResourceUsage)), None)
    coverage = with_usage(outcome.coverage, usage)
    coverage = replace(coverage, notes=(*coverage.notes, *observed.unobserved))
    status, reason = verdict(outcome.status, outcome.reason, coverage)
    if detector_errors:
        reason = "; ".join(filter(None, [reason, *detector_errors]))
    result = AuditResult(
        target=target.name,
        status=status,
        reason=reason,
        started=started,
        finished=time.time(),
        server_info=outcome.server_info,
        tools=tuple(outcome.tools),
        calls=tuple(outcome.calls),
        events=tuple(events),
        findings=tuple(findings),
        artifacts=artifacts,
        install=observed.install,
        flows=flows,
        fail_on=options.fail_on,
        declared_hosts=target.expected_hosts,
        approved_hosts=options.policy.hosts(target.name) if options.policy else (),
        coverage=coverage,
    )
    write_report(result, run_dir)
    return result


def write_report(result: AuditResult, run_dir: Path) -> None:
    """Every rendering of one result: HTML for people, JSON, SARIF and JUnit for machines."""
    write_json(result, run_dir / "report.json")
    write_html(result, run_dir / "report.html")
    write_sarif(result, run_dir / "report.sarif")
    write_junit(result, run_dir / "report.junit.xml")


def failed_result(target: str, status: AuditStatus, reason: str, started: float) -> AuditResult:
    """A result for an audit that could not run, so the reason still reaches a report."""
    return AuditResult(target, status, reason, started, time.time(), None, (), (), (), ())
