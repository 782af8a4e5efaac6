"""Watch the server container from outside: processes it spawns and the resources it uses.

A malicious server's most telling processes are often its shortest: ``sh -c 'curl ...'``
or ``sh -c 'echo ... >> ~/.bashrc'`` live a few milliseconds, far less than any polling
interval. So processes are watched with the first of three strategies this host allows:

1. **The proc connector** (Linux netlink; needs root, or CAP_NET_ADMIN, in the initial
   PID namespace). The kernel reports every fork, exec and exit on the machine; we follow
   the descendants of the container's main process from fork to fork, so none is missed
   however short (unless the socket overflows; we then resynchronise from the cgroup).
   The event does not carry the command line: we read ``/proc/<pid>/cmdline`` on each
   exec, usually within tens of microseconds, which beats even a 1 ms ``/bin/true``, but
   not always. A process already gone by then is still reported, by its short name from
   ``/proc/<pid>/comm`` in brackets as ``ps`` shows it (``[true]``), or, once reaped,
   as :data:`GONE`. A child that never execs is reported when it exits, with its parent's
   command marked by :func:`forked`. Processes running when watching begins are read from
   the cgroup.
2. **The container's cgroup process list**, read from the host's ``/sys/fs/cgroup`` every
   10 ms, with ``/proc/<pid>`` for the command line and parent. Misses what lives under
   about 10 ms.
3. **``docker top`` every 100 ms**, when the host cannot see the container's processes
   (e.g. Docker Desktop, whose containers run in a VM). Misses what lives under 100 ms.

Each way, a process is a :class:`ProcessStart` with its host PID and parent PID, and is
reported again when it replaces its program (exec) or, when polling, its command line
changes; a polled child still showing its parent's command line (forked, not yet exec'd) waits
for the next snapshot, so the command it executes is what is reported. The server's main
process itself is never reported; when the container's main process is the sandbox's PID 1
(a *launcher*), the server is the child it forks (again after a restart), and that child is
not reported either. Memory comes from the
engine every second, on a second thread. The watcher only reads: it never enters the
container, and nothing it does is visible from inside.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import docker.errors
from docker.models.containers import Container

from harness.model import Event, ProcessStart, ResourceUsage

log = logging.getLogger(__name__)

GONE = "(exited before its command line could be read)"
"""Command reported for a process that was reaped before ``/proc`` could be read."""


def forked(parent_command: str) -> str:
    """The command reported for a child seen running no program of its own: its parent's command
    line, marked so, so that it is never mistaken for a command the child executed."""
    return f"(fork with no exec seen, running its parent's program) {parent_command}"


_TOP_INTERVAL = 0.1
_CGROUP_INTERVAL = 0.01
_STATS_INTERVAL = 1.0
_MAX_TASKS = 1024
_ACK_TIMEOUT = 1.0

# linux/connector.h, linux/cn_proc.h
_NETLINK_CONNECTOR = 11
_CN_IDX_PROC = _CN_VAL_PROC = 1
_MCAST_LISTEN, _MCAST_IGNORE = 1, 2
_NLMSG_DONE = 3
_SO_RCVBUFFORCE = 33
PROC_EVENT_NONE, PROC_EVENT_FORK, PROC_EVENT_EXEC, PROC_EVENT_EXIT = 0, 0x1, 0x2, 0x80000000
# nlmsghdr, cn_msg, then the proc_event header (what, cpu, timestamp_ns) and four fields of its union
_EVENT = struct.Struct("=IHHII IIIIHH IIQ iiii")
_REQUEST = struct.Struct("=IHHII IIIIHH I")


class ProcEvent(NamedTuple):
    """One proc-connector event, the fields we use."""

    what: int
    ts_ns: int
    """CLOCK_MONOTONIC nanoseconds."""
    pid: int
    """Thread the event is about: the child for a fork."""
    tgid: int
    """Process (thread group) it belongs to."""
    parent: int
    """For a fork, the parent's process; else 0."""
    ack: int
    """Connector ack number: an acknowledgement carries the request's plus one."""
    err: int
    """For an acknowledgement, the request's error number."""


def parse_proc_events(data: bytes) -> list[ProcEvent]:
    """Decode the proc-connector events in one netlink datagram; anything else is skipped."""
    events = []
    offset = 0
    while offset + _EVENT.size <= len(data):
        length, _, _, _, _, idx, val, _, ack, _, _, what, _, ts, a, b, c, d = _EVENT.unpack_from(data, offset)
        if (idx, val) == (_CN_IDX_PROC, _CN_VAL_PROC):
            if what == PROC_EVENT_FORK:  # parent pid, parent tgid, child pid, child tgid
                events.append(ProcEvent(what, ts, c, d, b, ack, 0))
            elif what == PROC_EVENT_NONE:  # an acknowledgement: err
                events.append(ProcEvent(what, ts, 0, 0, 0, ack, a))
            else:  # exec, exit and the rest start with process pid, process tgid
                events.append(ProcEvent(what, ts, a, b, 0, ack, 0))
        if length < _EVENT.size:
            break
        offset += (length + 3) & ~3
    return events


def stat_ppid(stat: str) -> int:
    """Parent PID from the text of ``/proc/<pid>/stat`` (the command name may hold spaces and parens)."""
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def cgroup_procs_candidates(cgroup: str, container_id: str) -> list[Path]:
    """Where the container's ``cgroup.procs`` may be, from its main process's ``/proc/<pid>/cgroup``.

    Covers cgroup v1 (``/sys/fs/cgroup/pids/docker/<id>``), v2 with either driver
    (``.../system.slice/docker-<id>.scope``, ``.../docker/<id>``) and hybrid hosts.
    """
    found: list[Path] = []
    for line in cgroup.splitlines():
        _, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if container_id not in path:
            continue
        if controllers:
            found.append(Path("/sys/fs/cgroup", controllers.removeprefix("name="), path.lstrip("/")))
        else:  # the unified (v2) hierarchy: preferred
            found[:0] = [
                Path("/sys/fs/cgroup", path.lstrip("/")),
                Path("/sys/fs/cgroup/unified", path.lstrip("/")),
            ]
    return [p / "cgroup.procs" for p in found]


def host_processes(main: int, container_id: str) -> list[tuple[int, int]] | None:
    """(host pid, parent pid) of every process in the container whose main process is ``main``,
    read from its cgroup and ``/proc`` on the host (``docker top`` takes the engine a tenth of a
    second); None where this host cannot see them."""
    cgroup = (_read(f"/proc/{main}/cgroup") or b"").decode("utf-8", "replace")
    procs = next((p for p in cgroup_procs_candidates(cgroup, container_id) if p.is_file()), None)
    try:
        pids = [int(pid) for pid in procs.read_text().split()] if procs is not None else None
    except (OSError, ValueError):
        return None
    if pids is None:
        return None
    rows = []
    for pid in pids:
        stat = _read(f"/proc/{pid}/stat")
        if stat is not None:  # gone since the cgroup was read
            rows.append((pid, stat_ppid(stat.decode("utf-8", "replace"))))
    return rows


def _read(path: str) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return os.read(fd, 1 << 16)
    except OSError:
        return None
    finally:
        os.close(fd)


def _cmdline(pid: int) -> str | None:
    raw = _read(f"/proc/{pid}/cmdline")
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "backslashreplace") if raw else None


def _describe(pid: int) -> str:
    """The command line, else (a zombie) the bracketed short name as ``ps`` shows it, else :data:`GONE`."""
    if command := _cmdline(pid):
        return command
    comm = _read(f"/proc/{pid}/comm")
    return f"[{comm.strip().decode('utf-8', 'backslashreplace')}]" if comm else GONE


def _ppid(pid: int) -> int:
    raw = _read(f"/proc/{pid}/stat")
    try:
        return stat_ppid(raw.decode("utf-8", "replace")) if raw else 0
    except (ValueError, IndexError):
        return 0


def _subscribe() -> socket.socket:
    """A netlink socket receiving proc-connector events; raises OSError when the kernel will not send them."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_CONNECTOR)
    try:
        try:  # system-wide events arrive in bursts: take a large buffer
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, 8 << 20)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        sock.bind((0, _CN_IDX_PROC))
        ack = secrets.randbits(31)
        sock.send(_request(sock, _MCAST_LISTEN, ack))
        # The kernel acknowledges synchronously; it stays silent outside the initial namespaces.
        sock.settimeout(_ACK_TIMEOUT)
        deadline = time.monotonic() + _ACK_TIMEOUT
        while time.monotonic() < deadline:
            for event in parse_proc_events(sock.recv(1 << 16)):
                if event.what == PROC_EVENT_NONE and event.ack == ack + 1:
                    if event.err:
                        raise OSError(event.err, f"proc connector refused: {os.strerror(event.err)}")
                    sock.settimeout(_TOP_INTERVAL)
                    return sock
        raise TimeoutError("proc connector did not acknowledge")
    except BaseException:
        sock.close()
        raise


def _unsubscribe(sock: socket.socket) -> None:
    """Tell the kernel we stopped listening (older kernels count listeners), then close."""
    try:
        sock.send(_request(sock, _MCAST_IGNORE, 0))
    except OSError:
        pass
    sock.close()


def _request(sock: socket.socket, op: int, ack: int) -> bytes:
    port = sock.getsockname()[0]
    return _REQUEST.pack(_REQUEST.size, _NLMSG_DONE, 0, 0, port, _CN_IDX_PROC, _CN_VAL_PROC, 0, ack, 4, 0, op)


_Row = tuple[int, str | None, int | None]
"""A polled process: pid, command line (None when unreadable), parent pid (None: read it from /proc)."""


@dataclass(slots=True)
class _Proc:
    """A process being followed: its parent, the command it runs, when it began (adopted: when it was
    read), whether reported."""

    ppid: int
    command: str
    ts: float
    reported: bool


class ProcessWatcher:
    """Watches one container until stopped; ``stop()`` returns what it saw."""

    def __init__(
        self,
        container: Container,
        memory_limit: int | None,
        pids_limit: int | None,
        launcher: bool = False,
        cpu_limit: float | None = None,
    ):
        self.container = container
        self.launcher = launcher
        """The main process is PID 1 that only ever forks the server: its children are the server."""
        self._servers: set[int] = set()
        self.memory_limit = memory_limit
        self.pids_limit = pids_limit
        self.cpu = CpuMeter(cpu_limit)
        self._cgroup_procs: Path | None = None
        self._events: list[Event] = []
        self._memory_peak: int | None = None
        self._pids_peak = 0
        self._procs: dict[int, _Proc] = {}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name="process-watcher", daemon=True),
            threading.Thread(target=self._run_memory, name="memory-watcher", daemon=True),
        ]
        self.strategy: str | None = None
        """Which strategy is watching: ``proc-connector``, ``cgroup`` or ``docker-top``."""

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> list[Event]:
        """Stop watching and return the process events plus one resource-usage summary."""
        self._stop.set()
        deadline = time.monotonic() + 10
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        oom = False
        try:
            self.container.reload()
            oom = bool(self.container.attrs.get("State", {}).get("OOMKilled"))
        except docker.errors.APIError:
            pass
        usage = ResourceUsage(
            time.time(),
            self._memory_peak,
            self.memory_limit,
            self._pids_peak or None,
            self.pids_limit,
            oom,
            self.cpu.seconds,
            self.cpu.limit,
            self.cpu.pegged,
        )
        return [*sorted(self._events, key=lambda e: e.ts), usage]

    # ------------------------------------------------------------------ choosing a strategy

    def _run(self) -> None:
        sock: socket.socket | None = None
        try:
            sock = _subscribe()  # before the main PID is known, so that nothing slips in between
        except OSError as exc:
            log.info("proc connector unavailable (%s); polling instead", exc)
        try:
            main = self._main_pid()
            if main is not None:
                self._watch(main, sock)
        except Exception:  # the watcher must never take the run down
            log.exception("process watcher failed")
        finally:
            if sock is not None:
                _unsubscribe(sock)

    def _watch(self, main: int, sock: socket.socket | None) -> None:
        """Watch with the best strategy this host allows (see the module docstring)."""
        cid = str(self.container.id)
        cgroup = (_read(f"/proc/{main}/cgroup") or b"").decode("utf-8", "replace")
        procs = next((p for p in cgroup_procs_candidates(cgroup, cid) if p.is_file()), None)
        self._cgroup_procs = procs
        if cid in cgroup and sock is not None:
            try:
                self._watch_connector(sock, main, procs)
                return
            except OSError:
                log.exception("proc connector failed; polling instead")
        if sock is not None:
            _unsubscribe(sock)
        if procs is not None:
            self._poll(main, lambda: _cgroup_rows(procs), _CGROUP_INTERVAL, "cgroup")
        else:  # the host cannot see the container's processes (e.g. a VM in between)
            log.info("container %s not visible from this host's /proc; polling docker top", cid[:12])
            self._poll(main, self._top_rows, _TOP_INTERVAL, "docker-top")

    def _main_pid(self) -> int | None:
        while not self._stop.is_set():
            try:
                self.container.reload()
                if pid := int(self.container.attrs.get("State", {}).get("Pid") or 0):
                    return pid
            except docker.errors.APIError:
                pass  # not started yet, or already gone
            self._stop.wait(_TOP_INTERVAL)
        return None

    def _is_server(self, pid: int, ppid: int, main: int, alive: Iterable[int]) -> bool:
        """Under a launcher, its child is the server: the one it forked (seen), or, first seen
        while polling, a child of it while no server lives (an orphan it adopts is not one)."""
        if not self.launcher or ppid != main:
            return False
        if pid not in self._servers and not self._servers.intersection(alive):
            self._servers.add(pid)
        return pid in self._servers

    def _emit(self, ts: float, pid: int, ppid: int, command: str) -> None:
        self._events.append(ProcessStart(ts, pid, ppid, command))

    # ------------------------------------------------------------------ 1. proc connector

    def _watch_connector(self, sock: socket.socket, main: int, procs: Path | None) -> None:
        self.strategy = "proc-connector"
        to_wall = time.time() - time.monotonic()  # the kernel stamps events with CLOCK_MONOTONIC
        self._procs = {main: _Proc(0, _describe(main), 0.0, True)}
        self._resync(main, procs)
        try:
            while not self._stop.is_set():
                try:
                    data = sock.recv(1 << 16)
                except TimeoutError:
                    continue
                except OSError as exc:
                    if exc.errno != errno.ENOBUFS:
                        raise
                    log.warning("proc connector overflowed; resynchronising from the cgroup")
                    self._resync(main, procs)
                    continue
                try:
                    for event in parse_proc_events(data):
                        self._on_event(event, main, to_wall)
                except Exception:  # the watcher must never take the run down
                    log.exception("process watcher failed on an event")
        finally:
            for pid, proc in self._procs.items():  # forked children still running their parent's code
                if not proc.reported:
                    self._emit(proc.ts, pid, proc.ppid, forked(proc.command))

    def _on_event(self, event: ProcEvent, main: int, to_wall: float) -> None:
        """Follow the main process's descendants; report each program they run.

        A fork is remembered, not reported: the child usually execs at once, and it is
        the program it execs that matters. A child that never execs is reported when it
        exits (or at stop) with its parent's command, marked by :func:`forked`.
        """
        procs = self._procs
        if event.what == PROC_EVENT_FORK:
            parent = procs.get(event.parent)
            if parent is None or event.pid != event.tgid or event.tgid in procs:
                return  # not ours, or a thread
            if self.launcher and event.parent == main:
                self._servers.add(event.tgid)
            procs[event.tgid] = _Proc(event.parent, parent.command, event.ts_ns / 1e9 + to_wall, False)
            self._pids_peak = max(self._pids_peak, len(procs))
        elif event.what == PROC_EVENT_EXEC and (proc := procs.get(event.tgid)) is not None:
            if event.ts_ns / 1e9 + to_wall < proc.ts:
                return  # queued from before it was adopted: what was read then already shows it
            command = _describe(event.tgid)
            if (
                event.tgid != main
                and not self._is_server(event.tgid, proc.ppid, main, procs.keys())
                and (command != proc.command or not proc.reported)
            ):
                self._emit(event.ts_ns / 1e9 + to_wall, event.tgid, proc.ppid, command)
            proc.command, proc.reported = command, True
        elif event.what == PROC_EVENT_EXIT and event.pid == event.tgid and event.tgid in procs:
            proc = procs.pop(event.tgid)
            if not proc.reported and event.tgid not in self._servers:
                self._emit(proc.ts, event.tgid, proc.ppid, forked(proc.command))

    def _resync(self, main: int, procs: Path | None) -> None:
        """Adopt processes already in the container (at start, or after lost events); forget dead ones."""
        if procs is None:
            log.warning("container cgroup not found: processes started before watching are not reported")
            return
        raw = _read(str(procs))
        if raw is None:
            return
        alive = {int(pid) for pid in raw.split()}
        for pid in list(self._procs):
            if pid not in alive and pid != main:
                proc = self._procs.pop(pid)
                if not proc.reported:
                    self._emit(proc.ts, pid, proc.ppid, forked(proc.command))
        for pid in sorted(alive - self._procs.keys()):
            proc = self._procs[pid] = _Proc(_ppid(pid), _describe(pid), time.time(), True)
            if not self._is_server(pid, proc.ppid, main, alive):
                self._emit(proc.ts, pid, proc.ppid, proc.command)
        self._pids_peak = max(self._pids_peak, len(self._procs))

    # ------------------------------------------------------------------ 2 and 3. polling

    def _poll(self, main: int, snapshot: Callable[[], list[_Row] | None], interval: float, name: str) -> None:
        """Report each process that appears in a snapshot, and again when its command line changes.

        A child that still shows its parent's command line has forked but not yet exec'd: it is
        held back until a snapshot shows the program it runs, or reported (marked by
        :func:`forked`) when it ends or watching stops without one.
        """
        self.strategy = name
        known: dict[int, str] = {main: _describe(main)}
        held: dict[int, tuple[float, int, str]] = {}
        while not self._stop.wait(interval):
            try:
                rows = snapshot()
            except docker.errors.APIError:
                continue  # not running yet, or already gone
            except Exception:  # the watcher must never take the run down
                log.exception("process watcher poll failed")
                continue
            if rows is None:
                continue
            self._pids_peak = max(self._pids_peak, len(rows))
            current: dict[int, str] = {main: known[main]}
            alive = {row[0] for row in rows}
            for pid, command, ppid in rows:
                if pid == main:
                    continue
                if self._is_server(pid, _ppid(pid) if ppid is None else ppid, main, alive):
                    current[pid] = command or known.get(pid) or _describe(pid)  # a parent, not news
                    continue
                previous = known.get(pid)
                current[pid] = seen = command or previous or _describe(pid)
                parent = _ppid(pid) if ppid is None else ppid
                if previous is None and seen == known.get(parent, current.get(parent)):
                    held[pid] = (time.time(), parent, seen)
                elif seen != previous:
                    held.pop(pid, None)
                    self._emit(time.time(), pid, parent, seen)
            for pid in [p for p in held if p not in current]:
                ts, parent, command = held.pop(pid)
                self._emit(ts, pid, parent, forked(command))
            known = current
        for pid, (ts, parent, command) in held.items():
            self._emit(ts, pid, parent, forked(command))

    def _top_rows(self) -> list[_Row]:
        top: dict[str, Any] = self.container.top(ps_args="-o pid,ppid,args")
        rows = [(int(r[0]), str(r[2]), int(r[1])) for r in top.get("Processes") or []]
        return [
            (pid, None if command.endswith("<defunct>") else command, ppid) for pid, command, ppid in rows
        ]

    def _run_memory(self) -> None:
        while True:
            try:
                stats: dict[str, Any] = self.container.stats(stream=False, one_shot=True)
                memory = stats.get("memory_stats") or {}
                used = memory.get("max_usage") or memory.get("usage")
                if isinstance(used, int):
                    self._memory_peak = max(self._memory_peak or 0, used)
                cpu = stats.get("cpu_stats") or {}
                total = (cpu.get("cpu_usage") or {}).get("total_usage")
                throttling = cpu.get("throttling_data") or {}
                if isinstance(total, int):
                    periods = (throttling.get("periods") or 0, throttling.get("throttled_periods") or 0)
                    runnable = _runnable_ns(self._cgroup_procs)
                    self.cpu.sample(time.monotonic(), total, periods, runnable)
            except docker.errors.APIError:
                pass  # not running yet, or already gone
            except Exception:  # the watcher must never take the run down
                log.exception("memory watcher poll failed")
            if self._stop.wait(_STATS_INTERVAL):
                return


class CpuMeter:
    """CPU time the container used, from the engine's cumulative counters sampled every second, and
    how long it ran at its limit (a server spinning every CPU it has answers nothing).

    An interval counts as at the limit when the container used :attr:`PEGGED` of its limit, or
    wanted to: the kernel throttled it in most scheduling periods, or its threads were runnable
    (running or waiting for a CPU) that long. On a busy host a spinning server gets less than its
    limit, so what it used alone would not show it."""

    PEGGED = 0.9

    def __init__(self, limit: float | None):
        self.limit = limit
        self.seconds: float | None = None
        self.pegged = 0.0
        """Seconds of sampling intervals spent at the limit."""
        self._last: tuple[float, int, tuple[int, int], int | None] | None = None
        self._first: int | None = None

    def sample(
        self, now: float, total_ns: int, periods: tuple[int, int] = (0, 0), runnable_ns: int | None = None
    ) -> None:
        """One reading: monotonic seconds, cumulative CPU nanoseconds, (periods, throttled periods),
        and the cumulative nanoseconds the container's threads were runnable (None: unknown)."""
        if self._first is None:
            self._first = total_ns
        last = self._last
        if last is not None and self.limit and now > last[0]:
            wall, busy = now - last[0], self.PEGGED * self.limit * (now - last[0])
            used = (total_ns - last[1]) / 1e9
            ran, throttled = periods[0] - last[2][0], periods[1] - last[2][1]
            wanted = (runnable_ns - last[3]) / 1e9 if runnable_ns is not None and last[3] is not None else 0
            if used >= busy or wanted >= busy or (ran > 0 and throttled * 2 >= ran):
                self.pegged += wall
        self._last = (now, total_ns, periods, runnable_ns)
        self.seconds = (total_ns - self._first) / 1e9


def _runnable_ns(procs: Path | None) -> int | None:
    """Nanoseconds every thread of the container has spent running or waiting for a CPU (from each
    thread's ``schedstat``), or None when the host cannot see them."""
    raw = _read(str(procs)) if procs is not None else None
    if raw is None:
        return None
    total = 0
    for pid in raw.split()[:_MAX_TASKS]:
        try:
            tasks = os.listdir(f"/proc/{int(pid)}/task")[:_MAX_TASKS]
        except (OSError, ValueError):
            continue
        for task in tasks:
            stat = (_read(f"/proc/{int(pid)}/task/{task}/schedstat") or b"").split()
            if len(stat) >= 2:
                total += int(stat[0]) + int(stat[1])
    return total


def _cgroup_rows(procs: Path) -> list[_Row] | None:
    raw = _read(str(procs))
    return None if raw is None else [(pid, _cmdline(pid), None) for pid in map(int, raw.split())]
