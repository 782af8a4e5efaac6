"""The process watcher: decoding proc-connector events, following a process tree, and,
against real containers, catching processes that live a millisecond."""

from __future__ import annotations

import os
import secrets
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.model import ProcessStart, ResourceUsage
from harness.sandbox import processes
from harness.sandbox.processes import (
    GONE,
    PROC_EVENT_EXEC,
    PROC_EVENT_EXIT,
    PROC_EVENT_FORK,
    PROC_EVENT_NONE,
    ProcessWatcher,
    ProcEvent,
    cgroup_procs_candidates,
    host_processes,
    parse_proc_events,
    stat_ppid,
)

# ------------------------------------------------------------------ pure helpers


def _message(what: int, *fields: int, ack: int = 0, ts_ns: int = 5_000_000_000) -> bytes:
    """One proc-connector datagram as the kernel lays it out (nlmsghdr, cn_msg, proc_event)."""
    data = struct.pack("=IIQ", what, 1, ts_ns) + struct.pack(f"={len(fields)}i", *fields)
    data += bytes(40 - len(data))  # the union is as large as its largest member (exit)
    cn = struct.pack("=IIIIHH", 1, 1, 77, ack, len(data), 0) + data
    return struct.pack("=IHHII", 16 + len(cn), 3, 0, 77, 0) + cn


def test_fork_exec_exit_and_ack_are_decoded() -> None:
    fork = _message(PROC_EVENT_FORK, 10, 10, 11, 11)
    exec_ = _message(PROC_EVENT_EXEC, 11, 11)
    exit_ = _message(PROC_EVENT_EXIT, 11, 11, 0, 17, 10, 10)
    ack = _message(PROC_EVENT_NONE, 0, ack=43)
    assert parse_proc_events(fork) == [ProcEvent(PROC_EVENT_FORK, 5_000_000_000, 11, 11, 10, 0, 0)]
    assert parse_proc_events(exec_)[0][:5] == (PROC_EVENT_EXEC, 5_000_000_000, 11, 11, 0)
    assert parse_proc_events(exit_)[0][:5] == (PROC_EVENT_EXIT, 5_000_000_000, 11, 11, 0)
    assert parse_proc_events(ack) == [ProcEvent(PROC_EVENT_NONE, 5_000_000_000, 0, 0, 0, 43, 0)]
    assert parse_proc_events(_message(PROC_EVENT_NONE, 1, ack=43))[0].err == 1


def test_a_new_thread_is_a_fork_inside_its_own_process() -> None:
    [event] = parse_proc_events(_message(PROC_EVENT_FORK, 10, 10, 12, 10))
    assert (event.pid, event.tgid, event.parent) == (12, 10, 10)


def test_several_messages_in_one_datagram_and_foreign_or_short_ones() -> None:
    two = _message(PROC_EVENT_EXEC, 1, 1) + _message(PROC_EVENT_EXEC, 2, 2)
    assert [e.tgid for e in parse_proc_events(two)] == [1, 2]
    foreign = bytearray(_message(PROC_EVENT_EXEC, 3, 3))
    foreign[16:20] = struct.pack("=I", 9)  # another connector index
    assert parse_proc_events(bytes(foreign)) == []
    assert parse_proc_events(_message(PROC_EVENT_EXEC, 4, 4)[:30]) == []


def test_parent_pid_is_read_past_a_command_name_with_spaces_and_parens() -> None:
    assert stat_ppid("4242 (a) (b c) S 17 4242 4242 0 -1 4194560") == 17
    assert stat_ppid(Path(f"/proc/{os.getpid()}/stat").read_text()) == os.getppid()


_ID = "8d9f5fa90aef1e2374d947ad0edfebbfbd23efda9c33b8428676672c569722a5"


def test_cgroup_procs_candidates_for_v1_v2_and_hybrid_hosts() -> None:
    v1 = f"8:pids:/docker/{_ID}\n2:cpu,cpuacct:/docker/{_ID}\n1:name=systemd:/docker/{_ID}\n0::/\n"
    assert cgroup_procs_candidates(v1, _ID) == [
        Path(f"/sys/fs/cgroup/pids/docker/{_ID}/cgroup.procs"),
        Path(f"/sys/fs/cgroup/cpu,cpuacct/docker/{_ID}/cgroup.procs"),
        Path(f"/sys/fs/cgroup/systemd/docker/{_ID}/cgroup.procs"),
    ]
    systemd = f"0::/system.slice/docker-{_ID}.scope\n"
    assert cgroup_procs_candidates(systemd, _ID)[0] == Path(
        f"/sys/fs/cgroup/system.slice/docker-{_ID}.scope/cgroup.procs"
    )
    hybrid = f"4:memory:/docker/{_ID}\n0::/docker/{_ID}\n"
    assert cgroup_procs_candidates(hybrid, _ID) == [
        Path(f"/sys/fs/cgroup/docker/{_ID}/cgroup.procs"),
        Path(f"/sys/fs/cgroup/unified/docker/{_ID}/cgroup.procs"),
        Path(f"/sys/fs/cgroup/memory/docker/{_ID}/cgroup.procs"),
    ]
    assert cgroup_procs_candidates("0::/user.slice/session-1.scope\n", _ID) == []


def test_descendants_are_followed_and_a_child_that_never_execs_is_reported_as_a_fork_of_its_parent() -> None:
    watcher = ProcessWatcher(None, None, None)  # type: ignore[arg-type]  # never touches the engine here
    main, me = 100, os.getpid()  # the exec'd process must exist for its command line to be read
    watcher._procs = {main: processes._Proc(0, "node server.js", 0.0, True)}
    events = [
        ProcEvent(PROC_EVENT_FORK, 1_000_000_000, me, me, main, 0, 0),  # main forks a child
        ProcEvent(PROC_EVENT_EXEC, 1_100_000_000, me, me, 0, 0, 0),  # which runs a program
        ProcEvent(PROC_EVENT_FORK, 1_200_000_000, 102, 102, main, 0, 0),  # a child that only forks
        ProcEvent(PROC_EVENT_FORK, 1_300_000_000, 103, main, main, 0, 0),  # a thread of main
        ProcEvent(PROC_EVENT_FORK, 1_400_000_000, 104, 104, 999, 0, 0),  # someone else's child
        ProcEvent(PROC_EVENT_EXEC, 1_500_000_000, 104, 104, 0, 0, 0),
        ProcEvent(PROC_EVENT_EXEC, 1_600_000_000, main, main, 0, 0, 0),  # the server itself
        ProcEvent(PROC_EVENT_EXIT, 1_700_000_000, 102, 102, 0, 0, 0),
    ]
    for event in events:
        watcher._on_event(event, main, 0.0)
    assert watcher._events == [
        ProcessStart(1.1, me, main, " ".join(Path(f"/proc/{me}/cmdline").read_text().split("\0")).strip()),
        ProcessStart(1.2, 102, main, processes.forked("node server.js")),
    ]
    assert set(watcher._procs) == {main, me}
    assert watcher._pids_peak == 3


def test_a_polled_fork_is_reported_by_the_program_it_executes_not_by_its_parents_command_line() -> None:
    watcher = ProcessWatcher(None, None, None)  # type: ignore[arg-type]  # never touches the engine here
    main = os.getpid()  # its command line is read from /proc
    server = processes._describe(main)
    snapshots = iter(
        [
            [(201, server, main)],  # forked, not yet exec'd: still the server's command line
            [(201, "touch /home/node/.marker", main)],  # the program it executed
            [(202, server, main)],  # a fork that never execs ...
            [],  # ... and ends
            [(203, server, main)],  # one still running when watching stops
        ]
    )

    def snapshot() -> list[Any] | None:
        rows = next(snapshots, None)
        if rows is None:
            watcher._stop.set()
        return rows

    watcher._poll(main, snapshot, 0.0, "cgroup")
    assert [(e.pid, e.command) for e in watcher._events] == [
        (201, "touch /home/node/.marker"),
        (202, processes.forked(server)),
        (203, processes.forked(server)),
    ]


def test_under_a_launcher_its_children_are_the_server_and_only_their_children_are_reported() -> None:
    watcher = ProcessWatcher(None, None, None, launcher=True)  # type: ignore[arg-type]
    init, me = 100, os.getpid()
    watcher._procs = {init: processes._Proc(0, "/sbin/init", 0.0, True)}
    for event in [
        ProcEvent(PROC_EVENT_FORK, 1_000_000_000, 101, 101, init, 0, 0),  # the server
        ProcEvent(PROC_EVENT_EXEC, 1_100_000_000, 101, 101, 0, 0, 0),
        ProcEvent(PROC_EVENT_FORK, 1_200_000_000, me, me, 101, 0, 0),  # a child of the server
        ProcEvent(PROC_EVENT_EXEC, 1_300_000_000, me, me, 0, 0, 0),
        ProcEvent(PROC_EVENT_EXIT, 1_400_000_000, 101, 101, 0, 0, 0),
        ProcEvent(PROC_EVENT_FORK, 1_500_000_000, 105, 105, init, 0, 0),  # the server, restarted
        ProcEvent(PROC_EVENT_EXEC, 1_600_000_000, 105, 105, 0, 0, 0),
    ]:
        watcher._on_event(event, init, 0.0)
    assert [(e.pid, e.ppid) for e in watcher._events] == [(me, 101)]
    # polling, first seen: a child of the launcher is the server only while no server lives
    assert watcher._is_server(200, init, init, alive={200})
    assert not watcher._is_server(201, init, init, alive={200, 201})  # an orphan it adopted


# ------------------------------------------------------------------ real containers


@pytest.fixture
def run_container() -> Iterator[Any]:
    """Start a throwaway container (no network) running a shell script; removed afterwards."""
    import docker

    from harness.sandbox.images import ensure_runner

    client = docker.from_env()
    image = ensure_runner(client, "node")
    started: list[Any] = []

    def _run(script: str, start: bool = True) -> Any:
        label = f"test-processes-{secrets.token_hex(4)}"
        container = client.containers.create(
            image, ["sh", "-c", script], network_mode="none", labels={"mcp-harness": label}
        )
        started.append(container)
        if start:
            container.start()
            container.reload()  # for its main PID
        return container

    yield _run
    for container in started:
        container.remove(force=True)


def _watch(container: Any, start: bool = False) -> tuple[ProcessWatcher, list[ProcessStart], ResourceUsage]:
    watcher = ProcessWatcher(container, None, None)
    watcher.start()
    if start:
        container.start()
    container.wait(timeout=60)
    began = time.monotonic()
    events = watcher.stop()
    assert time.monotonic() - began < 2, "stop() must be prompt"
    *starts, usage = events
    assert isinstance(usage, ResourceUsage)
    assert all(isinstance(e, ProcessStart) for e in starts)
    return watcher, starts, usage  # type: ignore[return-value]


_BURST = (
    "sleep 1; for i in 1 2 3 4 5; do /bin/true marker-$i; done;"
    " sh -c ': marker-exec; sleep 0.1; exec sleep 0.3'; sleep 1"
)


@pytest.mark.docker
@pytest.mark.skipif(os.geteuid() != 0, reason="the proc connector needs root")
def test_every_millisecond_long_process_is_reported(run_container) -> None:
    container = run_container(_BURST)
    main = container.attrs["State"]["Pid"]
    watcher, starts, usage = _watch(container)
    assert watcher.strategy == "proc-connector"
    assert main not in {e.pid for e in starts}, "the server itself is not reported"
    # Each /bin/true lives about a millisecond: all five must be there, named by their
    # command line when it could still be read, else by their short name.
    trues = [e for e in starts if e.command in ("[true]", GONE) or e.command.startswith("/bin/true ")]
    assert len(trues) == 5, starts
    assert len({e.pid for e in trues}) == 5
    for i, event in enumerate(trues, 1):
        assert event.command in (f"/bin/true marker-{i}", "[true]", GONE)
        assert event.ppid == main
    # A process that replaces its program is reported under both commands.
    [shell] = [e for e in starts if "marker-exec" in e.command]
    assert shell.command == "sh -c : marker-exec; sleep 0.1; exec sleep 0.3"
    assert any(e.pid == shell.pid and e.command == "sleep 0.3" for e in starts)
    assert [e.ts for e in starts] == sorted(e.ts for e in starts)
    assert usage.pids_peak and usage.pids_peak >= 2


@pytest.mark.docker
@pytest.mark.skipif(os.geteuid() != 0, reason="the proc connector needs root")
def test_watching_from_before_the_start_misses_nothing_at_the_start(run_container) -> None:
    # As in the pipeline: the watcher starts, then the server, which spawns at once.
    container = run_container("for i in 1 2 3; do /bin/true early-$i; done; sleep 0.5", start=False)
    watcher, starts, _ = _watch(container, start=True)
    assert watcher.strategy == "proc-connector"
    trues = [e for e in starts if e.command in ("[true]", GONE) or e.command.startswith("/bin/true ")]
    assert len(trues) == 3, starts


_SHORT = 'sleep 1; for i in 1 2 3; do sh -c ": marker-$i; sleep 0.05"; done; sleep 0.5'


@pytest.mark.docker
def test_without_the_proc_connector_the_cgroup_is_polled(run_container, monkeypatch) -> None:
    def unavailable() -> None:
        raise OSError("disabled for this test")

    monkeypatch.setattr(processes, "_subscribe", unavailable)
    container = run_container(_SHORT)
    watcher, starts, _ = _watch(container)
    assert watcher.strategy == "cgroup"
    for i in (1, 2, 3):  # 50 ms each: too short for docker top, long enough for 10 ms polling
        assert any(e.command == f"sh -c : marker-{i}; sleep 0.05" for e in starts), starts


@pytest.mark.docker
def test_when_the_host_cannot_see_the_container_docker_top_is_polled(run_container, monkeypatch) -> None:
    def unavailable() -> None:
        raise OSError("disabled for this test")

    monkeypatch.setattr(processes, "_subscribe", unavailable)
    monkeypatch.setattr(processes, "cgroup_procs_candidates", lambda cgroup, cid: [])
    container = run_container("sleep 0.5; sh -c ': marker-top; sleep 1'; sleep 0.5")
    watcher, starts, usage = _watch(container)
    assert watcher.strategy == "docker-top"
    assert any(e.command == "sh -c : marker-top; sleep 1" for e in starts), starts
    assert usage.pids_peak and usage.pids_peak >= 2


@pytest.mark.docker
def test_the_hosts_view_of_a_containers_processes_names_each_with_its_parent(run_container) -> None:
    container = run_container("sleep 600 & exec sleep 601")
    main = container.attrs["State"]["Pid"]
    deadline = time.monotonic() + 60
    while (rows := host_processes(main, str(container.id))) is None or len(rows) < 2:
        assert rows is not None, "this host cannot see the container's cgroup"
        assert time.monotonic() < deadline, rows
        time.sleep(0.05)
    assert main in {pid for pid, _ in rows} and len(rows) == 2
    [child] = [pid for pid, ppid in rows if ppid == main]
    assert Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", b"600"]
    assert host_processes(os.getpid(), str(container.id)) is None  # not a process of that container
