"""The host's tracer of probe reads: its output parsed strictly, and, against real containers,
one container's reads kept and no other's."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.model import FileProbe
from harness.sandbox.tracing import SYSCALLS, ProbeTracer, parse, program, unavailable_reason


def test_a_line_is_parsed_into_its_cgroup_and_a_probe_at_wall_clock_time():
    cgroup, event = parse("P 2000000000 94075 7261 openat Main Thread\x1f/proc/1/cgroup\n", 100.0)  # type: ignore[misc]
    assert cgroup == 94075
    assert event == FileProbe(
        ts=102.0, pid=7261, command="Main Thread", syscall="openat", path="/proc/1/cgroup"
    )


def test_foreign_malformed_and_uninteresting_lines_are_dropped():
    for line in (
        "Attaching 11 probes...",
        "P x 1 2 openat node\x1f/proc/1/cgroup",
        "P 1 1 2 execve node\x1f/proc/1/cgroup",  # not a syscall we trace
        "P 1 1 2 openat node /proc/1/cgroup",  # no separator
        "P 1 1 2 openat node\x1f/proc/self/maps",  # nothing about the machine
        "P 1 1 2 openat node\x1f/sys/kernel/mm/transparent_hugepage/enabled",
        "P 1 1 2 openat node\x1f/proc/1234/stat",  # some process's, not PID 1's
    ):
        assert parse(line, 0.0) is None, line
    assert parse("P 1 1 2 statx node\x1f/proc/self/../1/environ", 0.0) is not None  # however spelt
    assert parse("P 1 1 2 openat node\x1f/proc/1", 0.0) is not None


def test_the_program_traces_every_syscall_given_for_non_root_paths_only():
    text = program({"openat": "filename", "statx": "filename"}, 4242)
    # the two syscalls for the server's reads, and the harness's own marker
    assert text.count("tracepoint:syscalls:sys_enter_") == 3 and text.count("/uid != 0/") == 2
    assert "sys_enter_getpgid /pid == 4242 && " in text
    assert 'strncmp($p, "/proc/", 6) == 0' in text and set(SYSCALLS) >= {"openat", "statx", "access"}


def test_without_root_nothing_is_traced_and_the_reason_is_kept_for_the_report(monkeypatch, caplog):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    tracer = ProbeTracer()
    tracer.start()
    tracer.bind(lambda: 1)
    assert tracer.stop() == [] and not tracer.bound
    assert tracer.unavailable == "the harness does not run as root"
    assert "file probes are not traced: the harness does not run as root" in caplog.text


def test_a_tracer_that_never_learnt_the_servers_cgroup_says_so_rather_than_reporting_nothing():
    tracer = ProbeTracer()
    assert tracer.stop() == []
    assert tracer.unavailable == "the server container's cgroup was not known before the run ended"


# ------------------------------------------------------------------ real containers


@pytest.fixture
def tracer() -> Iterator[ProbeTracer]:
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must trace syscalls: {reason} (make tracer installs bpftrace)")
        pytest.skip(f"cannot trace syscalls here: {reason}")
    traced = ProbeTracer()
    traced.start()
    yield traced
    traced.stop()


def _reading(client: Any, image: str, paths: str) -> Any:
    """A container that reads ``paths`` and tests for the engine's marker, then sleeps."""
    script = f"cat {paths} >/dev/null 2>&1; test -e /.dockerenv; exec sleep 600"
    return client.containers.create(
        image,
        ["sh", "-c", script],
        network_mode="none",
        user="1000:1000",
        labels={"mcp-harness": f"test-tracing-{secrets.token_hex(4)}"},
    )


def _sleeping(pid: int | None) -> bool:
    """Whether the container's shell has read its files and now sleeps (seen from the host)."""
    try:
        return pid is not None and Path(f"/proc/{pid}/comm").read_text().strip() == "sleep"
    except OSError:
        return False


@pytest.mark.docker
def test_the_bound_containers_probe_reads_are_kept_and_no_other_containers(tracer):
    import docker

    from harness.sandbox.images import ensure_runner

    client = docker.from_env()
    image = ensure_runner(client, "node")
    ours = _reading(client, image, "/proc/1/cgroup /sys/class/dmi/id/product_name")
    other = _reading(client, image, "/proc/1/environ /proc/1/sched")
    pid = lambda c: int(client.api.inspect_container(c.id)["State"]["Pid"] or 0) or None  # noqa: E731
    try:
        tracer.bind(lambda: pid(ours))
        assert tracer.unavailable is None, tracer.unavailable
        other.start()
        ours.start()
        deadline = time.monotonic() + 120
        while not (tracer.bound and _sleeping(pid(ours)) and _sleeping(pid(other))):
            assert time.monotonic() < deadline, tracer.unavailable
            time.sleep(0.05)
    finally:
        for container in (ours, other):
            container.remove(force=True)
    paths = {e.path for e in tracer.stop() if isinstance(e, FileProbe)}
    assert {"/proc/1/cgroup", "/sys/class/dmi/id/product_name", "/.dockerenv"} <= paths
    assert not paths & {"/proc/1/environ", "/proc/1/sched"}
    # every CPU's marker came back, so bpftrace detaches on its own thread, and then has ended
    assert tracer.detaching_in_background
    tracer.detached()
    assert not tracer.running


def _tracers_of(pid: int) -> list[str]:
    """bpftrace processes whose program traces for harness process ``pid`` (its marker probe)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"bpftrace") and any(f"/pid == {pid} &&".encode() in a for a in argv):
            found.append(proc.name)
    return found


def test_a_warm_tracer_serves_one_run_and_one_no_run_took_stops_at_exit(tracer):
    """``mcp-harness audit`` warms its tracer before it loads; a command that ends before its run
    (a bad target) leaves no bpftrace behind, and each run gets a tracer of its own."""
    audit = subprocess.Popen(
        [sys.executable, "-m", "harness", "audit", "/no/such/target", "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = audit.communicate(timeout=120)
    assert audit.returncode == 2 and "target" in stderr, stderr
    _no_tracer_left(audit.pid)
    checks = (
        "import os\n"
        "from harness.sandbox import tracing\n"
        "tracing.warm_up()\n"
        "warm = tracing._warm\n"
        "first, second = tracing.started_tracer(), tracing.started_tracer()\n"
        "assert first is warm and second is not warm and tracing._warm is None\n"
        "assert first.running and second.running\n"
        "first.stop(), second.stop()\n"
        "tracing.warm_up()\n"  # this one no run takes: it stops at exit
        "print(os.getpid())\n"
    )
    proc = subprocess.run([sys.executable, "-c", checks], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    _no_tracer_left(int(proc.stdout))


def _no_tracer_left(pid: int) -> None:
    """Killed, a bpftrace may take the kernel a moment to detach; one never stopped stays."""
    deadline = time.monotonic() + 15
    while _tracers_of(pid):
        assert time.monotonic() < deadline, f"bpftrace of process {pid} still runs"
        time.sleep(0.1)


def test_where_nothing_can_be_traced_nothing_is_warmed_and_nothing_said_early(monkeypatch, capsys):
    """The reason is said once, by the run's own tracer, after logging is set up (``-q`` hides it)."""
    from harness.sandbox import tracing

    monkeypatch.setattr(tracing.os, "geteuid", lambda: 1000)
    tracing.warm_up()
    assert tracing._warm is None
    assert capsys.readouterr().err == ""
