from dataclasses import replace

from harness.detect.base import Evidence
from harness.detect.egress import UnexpectedEgressDetector
from harness.detect.probes import SandboxProbeDetector, is_file_probe, is_probe
from harness.model import PhaseStarted
from tests import factories as f


def test_names_nobody_registered_are_probes_and_chosen_names_are_not():
    assert is_probe("3f9a1c7e20bd.com.") and is_probe("x.qzkxvbnwtr.net")
    assert not is_probe("api.github.com") and not is_probe("6a6f72.t.backup-sync.io") and not is_probe("wpad")


def test_a_random_name_lookup_is_one_medium_probe_finding_per_phase_naming_the_names():
    events = [
        PhaseStarted(0.0, "startup"),
        replace(f.dns("3f9a1c7e20bd.com", None), ts=0.1),
        replace(f.dns("9c2e81f0aa4d.net", None), ts=0.2),
        replace(f.dns("api.github.com"), ts=0.3),
        f.started("call-1-x", "x", 1.0),
        replace(f.dns("b7d1e0c9f3a2.org", None), ts=1.1),
        f.finished("call-1-x", 1.2),
    ]
    evidence = Evidence(f.target(), (), tuple(events))
    findings = list(SandboxProbeDetector().detect(evidence))
    assert [(x.phase, x.call_id) for x in findings] == [("startup", None), (None, "call-1-x")]
    assert all(x.kind == "sandbox_probe" and x.severity == "medium" for x in findings)
    assert "3f9a1c7e20bd.com" in findings[0].title and "9c2e81f0aa4d.net" in findings[0].evidence
    assert {x.destination for x in UnexpectedEgressDetector().detect(evidence)} == {"api.github.com"}


def test_container_markers_pid1_entries_and_hardware_ids_are_probes_however_spelt():
    for path in (
        "/.dockerenv",
        "/run/.containerenv",
        "/proc/1/cgroup",
        "/proc//1/./sched",
        "/proc/self/../1/environ",
    ):
        assert is_file_probe(path), path
    assert is_file_probe("/sys/class/dmi/id/product_name") and is_file_probe(
        "/sys/devices/virtual/dmi/id/sys_vendor"
    )
    for path in (
        "/proc/cpuinfo",
        "/proc/meminfo",
        "/proc/self/cgroup",
        "/proc/12/cgroup",
        "/sys/fs/cgroup/memory.max",
    ):
        assert not is_file_probe(path), path
    assert not is_file_probe("/.dockerenv.bak") and not is_file_probe("/proc/1x")


def test_file_probes_are_one_medium_finding_per_phase_naming_the_paths_and_the_cpu_count_read_after():
    events = [
        PhaseStarted(0.0, "startup"),
        f.probe("/proc/self/cgroup", 0.1),  # the runtime sizing its heap: before any probe, not named
        f.probe("/sys/fs/cgroup/memory.max", 0.11),
        f.probe("/.dockerenv", 0.2, syscall="access"),
        f.probe("/proc/1/cgroup", 0.3),
        f.probe("/sys/class/dmi/id/product_name", 0.4),
        f.probe("/proc/cpuinfo", 0.5),
        f.probe("/proc/cpuinfo", 0.6, pid=777),  # another process that probed nothing
        f.started("call-1-x", "x", 1.0),
        f.probe("/proc/1/environ", 1.1),
        f.finished("call-1-x", 1.2),
    ]
    findings = list(SandboxProbeDetector().detect(Evidence(f.target(), (), tuple(events))))
    assert [(x.phase, x.call_id) for x in findings] == [("startup", None), (None, "call-1-x")]
    startup, call = findings
    assert startup.evidence == "/.dockerenv; /proc/1/cgroup; /sys/class/dmi/id/product_name; /proc/cpuinfo"
    assert startup.destination == "/.dockerenv" and startup.channel == "file read"
    assert "/proc/1/cgroup" in startup.title and "memory.max" not in startup.title
    assert call.evidence == "/proc/1/environ" and call.tool == "x"
    assert all(x.kind == "sandbox_probe" and x.severity == "medium" for x in findings)


def test_a_runtime_reading_its_cpu_and_memory_limits_alone_is_no_probe():
    events = [PhaseStarted(0.0, "startup")] + [
        f.probe(path, 0.1 + i / 10)
        for i, path in enumerate(
            [
                "/proc/self/cgroup",
                "/sys/fs/cgroup/cpu.max",
                "/proc/meminfo",
                "/proc/cpuinfo",
                "/proc/self/mountinfo",
            ]
        )
    ]
    assert list(SandboxProbeDetector().detect(Evidence(f.target(), (), tuple(events)))) == []
