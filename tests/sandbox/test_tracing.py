"""The host's tracer of probe reads: its output parsed strictly, and, against real containers,
one container's reads kept and no other's."""

from __future__ import annotations

import os
import secrets
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
