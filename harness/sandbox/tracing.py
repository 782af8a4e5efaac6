"""Trace the server's looks at its machine from the host: which probe files it opens or tests.

Malware reads ``/.dockerenv``, ``/proc/1/cgroup`` or the DMI product name before it acts.
Those reads are evidence (:mod:`harness.detect.probes`), but tracing them from inside the
sandbox would show: a ptraced process sees its tracer in ``/proc/self/status``. So they are
traced from the host with eBPF (``bpftrace`` on the syscall tracepoints), which nothing in
the server's namespaces can see. The kernel filters by path prefix (:data:`PREFIXES`) and
drops root's calls (the server and its children run as uid 1000; PID 1 setting up the machine
and the engine's own processes run as root); the rest is kept only when it came from the
server container's cgroup (its cgroup v2 id, learnt once the container runs), so no other
container and nothing of the host reaches the report.

Tracing needs root, ``bpftrace``, mounted syscall tracepoints (tracefs) and a cgroup v2
hierarchy, on the kernel that runs the containers. Where any is missing (non-root, Docker
Desktop's VM, a kernel without them) :meth:`ProbeTracer.start` logs why, nothing is traced,
and :attr:`ProbeTracer.unavailable` carries the reason for the report. The bpftrace process
is ours alone and is stopped (SIGINT, then killed) on every path.

Detaching takes the kernel most of a second (about 80 ms per tracepoint, whether bpftrace ends
on SIGINT or SIGKILL), so the audit does not wait for it: once the server is stopped,
:meth:`ProbeTracer.stop` makes the harness itself trip a marker probe on every CPU (``getpgid``
of a PID that cannot exist). Events of one CPU come out in order, so when each CPU's marker is
read, every read the server made is too, and nothing is left to read: bpftrace is killed there
and then, and reaped on a daemon thread (:meth:`ProbeTracer.detached` joins it), so neither the
audit nor the process waits while the kernel detaches its probes. Where the harness cannot run
on every CPU, or a marker does not come back, it interrupts bpftrace (so it prints what it holds)
and waits for it to end instead.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import posixpath
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from harness.model import Event, FileProbe

log = logging.getLogger(__name__)

PREFIXES = (
    "/.dockerenv",
    "/run/.containerenv",
    "/proc/1/",
    "/proc/self/mountinfo",
    "/proc/self/cgroup",
    "/proc/cpuinfo",
    "/proc/meminfo",
    "/sys/class/dmi",
    "/sys/devices/virtual/dmi",
    "/sys/firmware/dmi",
    "/sys/fs/cgroup",
    "/sys/devices/system/cpu",
)
"""Paths whose reads are worth recording; which of them make a probe is the detector's call."""

_KERNEL_PREFIXES = ("/proc/", "/sys/", "/.", "/run/.")
"""The kernel's coarse test (each prefix costs the verifier time at every start); the rest of
:data:`PREFIXES` is applied here."""

SYSCALLS = (
    "open",
    "openat",
    "openat2",
    "access",
    "faccessat",
    "faccessat2",
    "newstat",
    "newlstat",
    "newfstatat",
    "statx",
)
"""Syscalls that name a path: opening it, or testing that it exists (``stat``, ``access``)."""

_TRACEFS = (Path("/sys/kernel/tracing"), Path("/sys/kernel/debug/tracing"))
_READY_TIMEOUT = 60.0
_MAX_EVENTS = 2000
_MAX_UNBOUND = 50_000
"""Lines of every cgroup kept until the server's is known (the container starting up)."""
_MAX_LINE = 512
_STRLEN = 128
_READY = "READY"
_FLUSHED = "FLUSHED "
_MARKER_PID = 0x3FFF_FFF7
"""``getpgid`` of this PID trips the marker probe: above any PID Linux gives (``pid_max`` is at
most 2^22), so the call fails with ESRCH and has no effect."""
_FLUSH_TIMEOUT = 5.0


def _path_argument(tracefs: Path, syscall: str) -> str | None:
    """The name of the path argument of ``syscall``'s entry tracepoint; None without one."""
    try:
        text = (tracefs / "events/syscalls" / f"sys_enter_{syscall}" / "format").read_text()
    except OSError:
        return None
    return "filename" if "const char * filename;" in text else None


def program(arguments: dict[str, str], harness_pid: int) -> str:
    """The bpftrace program: one block per syscall (name -> its path argument), printing
    ``P <nsecs> <cgroup> <pid> <syscall> <comm>\\x1f<path>`` for paths under the coarse prefixes,
    and the marker block that prints ``FLUSHED <cpu>`` when ``harness_pid`` trips it."""
    test = " || ".join(f'strncmp($p, "{p}", {len(p)}) == 0' for p in _KERNEL_PREFIXES)
    blocks = [
        f'BEGIN {{ printf("{_READY}\\n"); }}',
        f"tracepoint:syscalls:sys_enter_getpgid /pid == {harness_pid} && args->pid == {_MARKER_PID}/ {{\n"
        f'  printf("{_FLUSHED}%d\\n", cpu);\n'
        "}",
    ]
    for syscall, argument in arguments.items():
        line = f'"P %llu %llu %d {syscall} %s\\x1f%s\\n", nsecs, cgroup, pid, comm, $p'
        blocks.append(
            f"tracepoint:syscalls:sys_enter_{syscall} /uid != 0/ {{\n"
            f"  $p = str(args->{argument});\n"
            f"  if ({test}) {{ printf({line}); }}\n"
            "}"
        )
    return "\n".join(blocks) + "\n"


def parse(line: str, clock_offset: float) -> tuple[int, FileProbe] | None:
    """(cgroup id, event) of one output line; None for anything else (a malformed or foreign line)."""
    head, sep, rest = line[:_MAX_LINE].rstrip("\n").partition("\x1f")
    parts = head.split(" ", 5)
    if not sep or len(parts) != 6 or parts[0] != "P" or parts[4] not in SYSCALLS:
        return None
    if not (posixpath.normpath("/" + rest.lstrip("/")) + "/").startswith(PREFIXES):  # however spelt
        return None
    try:
        nsecs, cgroup, pid = int(parts[1]), int(parts[2]), int(parts[3])
    except ValueError:
        return None
    event = FileProbe(ts=clock_offset + nsecs / 1e9, pid=pid, command=parts[5], syscall=parts[4], path=rest)
    return cgroup, event


def cgroup_id(pid: int) -> int:
    """The cgroup v2 id of ``pid`` (the inode of its directory); OSError/ValueError when unknown."""
    line = next(x for x in Path(f"/proc/{pid}/cgroup").read_text().splitlines() if x.startswith("0::"))
    mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    root = next(m.split(" ")[4] for m in mounts if " - cgroup2 " in m)
    return os.stat(root + line[3:]).st_ino


def unavailable_reason() -> str | None:
    """Why this host cannot trace the server's syscalls; None when it can."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the harness does not run as root"
    if shutil.which("bpftrace") is None:
        return "bpftrace is not installed"
    if not any((t / "events/syscalls").is_dir() for t in _TRACEFS):
        return "the syscall tracepoints are not mounted (tracefs)"
    try:
        if not any(" - cgroup2 " in m for m in Path("/proc/self/mountinfo").read_text().splitlines()):
            return "the host has no cgroup v2 hierarchy to tell the server's processes apart"
    except OSError:
        return "cannot read this process's mounts"
    return None


class ProbeTracer:
    """bpftrace over the probe paths, kept to one container's cgroup: start, bind, stop."""

    def __init__(self) -> None:
        self.unavailable: str | None = None
        """Why nothing was traced, for the report; None while tracing works."""
        self._proc: subprocess.Popen[str] | None = None
        self._unbound: list[tuple[int, FileProbe]] = []
        self._events: list[FileProbe] = []
        self._dropped = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._cgroup: int | None = None
        self._reader: threading.Thread | None = None
        self._binder: threading.Thread | None = None
        self._stopping = threading.Event()
        self._flushed: set[int] = set()
        self._flushing = threading.Condition(self._lock)
        self._detacher: threading.Thread | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
        self._offset = time.time() - time.monotonic()  # bpf's nsecs is CLOCK_MONOTONIC

    def start(self) -> None:
        """Spawn bpftrace (attaching takes it about a second: :meth:`bind` waits for that); on any
        failure set :attr:`unavailable`, log it, and trace nothing."""
        self.unavailable = unavailable_reason()
        if self.unavailable is None:
            self._spawn()
        if self.unavailable is not None:
            log.warning("file probes are not traced: %s", self.unavailable)

    def _spawn(self) -> None:
        tracefs = next(t for t in _TRACEFS if (t / "events/syscalls").is_dir())
        arguments = {s: a for s in SYSCALLS if (a := _path_argument(tracefs, s))}
        env = {**os.environ, "BPFTRACE_STRLEN": str(_STRLEN)}
        try:
            self._proc = subprocess.Popen(
                ["bpftrace", "-B", "line", "-e", program(arguments, os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                errors="replace",
                env=env,
                start_new_session=True,  # our SIGINT reaches it alone
            )
        except OSError as exc:
            self.unavailable = f"bpftrace could not start: {exc}"
            return
        self._reader = threading.Thread(target=self._read, name="probe-tracer", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith(_READY):
                self._ready.set()
                continue
            if line.startswith(_FLUSHED):
                with self._flushing:
                    self._flushed.add(int(line[len(_FLUSHED) :]))
                    self._flushing.notify_all()
                continue
            parsed = parse(line, self._offset)
            if parsed is None:
                continue
            with self._lock:
                if self._cgroup is None:
                    if len(self._unbound) < _MAX_UNBOUND:
                        self._unbound.append(parsed)
                elif parsed[0] == self._cgroup:
                    self._keep(parsed[1])
        self._ready.set()  # ended before attaching: bind() sees it has exited

    def bind(self, main_pid: Callable[[], int | None], timeout: float = 120.0) -> None:
        """Wait (bounded) until bpftrace is attached, then learn the container's cgroup on a
        thread, once its main process (host PID from ``main_pid``, 0 or None before it runs) is
        there; from then on only its lines are kept. Call before the container starts."""
        if self._proc is None:
            return
        if not self._ready.wait(_READY_TIMEOUT) or self._proc.poll() is not None:
            self.unavailable = "bpftrace did not attach: " + self._stop_process()
            self._proc = None
            log.warning("file probes are not traced: %s", self.unavailable)
            return
        self._binder = threading.Thread(target=self._bind, args=(main_pid, timeout), daemon=True)
        self._binder.start()

    def _bind(self, main_pid: Callable[[], int | None], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._stopping.is_set() and time.monotonic() < deadline:
            pid = main_pid()
            if pid:
                try:
                    found = cgroup_id(pid)
                except (OSError, ValueError, StopIteration):
                    break
                with self._lock:
                    self._cgroup = found
                    for cgroup, event in self._unbound:
                        if cgroup == found:
                            self._keep(event)
                    self._unbound = []
                return
            self._stopping.wait(0.05)
        with self._lock:
            self.unavailable = (
                self.unavailable or "the server container's cgroup could not be found from the host"
            )
        log.warning("file probes are not traced: %s", self.unavailable)

    @property
    def bound(self) -> bool:
        """Whether the container's cgroup is known (its lines are being kept)."""
        with self._lock:
            return self._cgroup is not None

    def stop(self) -> list[Event]:
        """The server's probe reads, in order (none when unavailable); call once the server is
        stopped. bpftrace is killed and reaped in the background when every CPU's marker came back
        (see the module docstring), else stopped before this returns; :meth:`detached` waits for
        it either way."""
        if self._stopping.is_set():
            return self._kept()
        self._stopping.set()
        if self._binder is not None:
            self._binder.join(10)
        if self._proc is None:
            self._stderr.close()
        elif self._flush():
            self._kill_in_background()  # every line is read: nothing to lose
        else:
            self._detach()
        return self._kept()

    def discard(self) -> None:
        """Stop without reading what was traced (a tracer no run took): bpftrace is killed at once
        and reaped on a daemon thread, as :meth:`stop` does once every line is read."""
        self._stopping.set()
        if self._proc is None:
            self._stderr.close()
        else:
            self._kill_in_background()

    def _kill_in_background(self) -> None:
        """Kill bpftrace and reap it on a daemon thread: the kernel's detach may outlast the
        process, which then need not wait for it."""
        assert self._proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._detacher = threading.Thread(target=self._detach, name="probe-tracer-detach", daemon=True)
        self._detacher.start()

    def _kept(self) -> list[Event]:
        with self._lock:
            if self._cgroup is None and self.unavailable is None:
                self.unavailable = "the server container's cgroup was not known before the run ended"
            if self._cgroup is None or self.unavailable:
                return []
            if self._dropped:
                log.warning("%d probe reads past the first %d were not kept", self._dropped, _MAX_EVENTS)
            return sorted(self._events, key=lambda e: e.ts)

    def detached(self) -> None:
        """Wait until bpftrace has ended (after :meth:`stop`)."""
        if self._detacher is not None:
            self._detacher.join()

    @property
    def detaching_in_background(self) -> bool:
        """Whether :meth:`stop` left bpftrace to end on a thread of its own (every marker came back)."""
        return self._detacher is not None

    @property
    def running(self) -> bool:
        """Whether the bpftrace process has not yet been reaped."""
        return self._proc is not None

    def _flush(self) -> bool:
        """Trip the marker on every CPU and wait (bounded) until bpftrace printed each: then it
        has printed everything traced before. False where that cannot be shown."""
        assert self._proc is not None
        cpus = os.sched_getaffinity(0)
        if len(cpus) != os.cpu_count() or self._proc.poll() is not None:
            return False  # a CPU this process may not run on could hold reads not yet printed

        def trip() -> None:
            for cpu in sorted(cpus):
                os.sched_setaffinity(0, {cpu})  # this thread only
                with contextlib.suppress(ProcessLookupError):
                    os.getpgid(_MARKER_PID)

        tripping = threading.Thread(target=trip, name="probe-tracer-flush")
        tripping.start()
        tripping.join()
        with self._flushing:
            return self._flushing.wait_for(lambda: cpus <= self._flushed, _FLUSH_TIMEOUT)

    def _detach(self) -> None:
        self._stop_process()
        self._proc = None
        self._stderr.close()

    def _keep(self, event: FileProbe) -> None:
        if len(self._events) < _MAX_EVENTS:
            self._events.append(event)
        else:
            self._dropped += 1

    def _stop_process(self) -> str:
        """SIGINT bpftrace (it detaches and flushes), kill it if it lingers; its stderr's tail."""
        proc = self._proc
        assert proc is not None
        with contextlib.suppress(ProcessLookupError):  # it may end between the poll and the signal
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if self._reader is not None:
            self._reader.join(10)
        if proc.stdout is not None:
            proc.stdout.close()
        self._stderr.seek(0)
        error = self._stderr.read()[-4096:]
        lines = [x for x in error.splitlines() if x.strip() and "RLIMIT_MEMLOCK" not in x]
        return (lines[-1] if lines else f"exit status {proc.returncode}")[:300]


_warm: ProbeTracer | None = None
_warm_lock = threading.Lock()


def warm_up() -> None:
    """Start the next run's tracer now. Attaching costs bpftrace a third of a second of CPU; the
    command line spends it best before it loads the rest of the harness, while the other core is
    idle, rather than beside the start-ups of the gateway, the server and the SDK. A warm tracer
    no run took is stopped at exit."""
    global _warm
    if unavailable_reason() is not None:
        return  # nothing to warm: the run's own tracer says why, once logging is set up
    with _warm_lock:
        if _warm is None:
            _warm = ProbeTracer()
            _warm.start()
            atexit.register(_cool)


def started_tracer() -> ProbeTracer:
    """A started tracer for one run: the warm one (:func:`warm_up`), once, else a new one."""
    tracer = _take_warm()
    if tracer is None:
        tracer = ProbeTracer()
        tracer.start()
    return tracer


def _take_warm() -> ProbeTracer | None:
    global _warm
    with _warm_lock:
        tracer, _warm = _warm, None
    return tracer


def _cool() -> None:
    tracer = _take_warm()
    if tracer is not None:
        tracer.discard()
