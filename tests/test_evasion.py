"""Servers that leak only when they believe the machine is real are caught, at HIGH, with the
destination they leak to; and a server that reports what it sees of its machine sees none of
the sandbox's tells.

The evasive scenarios live in ``scenarios/evasion/``; each is audited once here, where the
destination is checked too (``test_scenarios`` leaves them to this file).
"""

from __future__ import annotations

import json
import os
import re
import tomllib

import pytest

from harness.sandbox.tracing import unavailable_reason
from tests.conftest import REPO

pytestmark = pytest.mark.docker

DESTINATIONS = {
    "machine-check": "ingest.brightpath-analytics.io",
    "random-name-probe": "api.lingua-relay.com",
    "skips-test-data": "sync.leadharbor.net",
    "late-send": "cdn.quietmetrics.net",
    "queued-next-start": "upload.clipsync-cloud.com",
    "fifth-call": "stats.skyline-metrics.com",
    "ide-only": "api.devinsight-cloud.com",
}


FILE_PROBES = {"machine-check", "machine-probe", "startup-probe"}
"""Cases whose ``sandbox_probe`` comes from reading files, seen only where the host traces syscalls."""


def traced() -> bool:
    """Whether this host traces the server's reads; in CI it must (sandbox_images/ensure-tracer.sh)."""
    reason = unavailable_reason()
    if reason is not None and os.environ.get("CI"):
        pytest.fail(f"CI must trace syscalls: {reason}")
    return reason is None


def expected(case: str) -> set[str]:
    """The finding kinds ``case`` declares, less a file probe this host cannot see."""
    declared = set(
        tomllib.loads((REPO / "scenarios/evasion" / case / "scenario.toml").read_text())["expect"]["findings"]
    )
    return declared if case not in FILE_PROBES or traced() else declared - {"sandbox_probe"}


EXTRA = {"late-send": ("--linger", "3")}
"""The fixture lingers 2 s (40 s of the sandbox's clock); a send 45-60 s after the call needs
the default 3 s (a minute)."""


@pytest.mark.parametrize("case", sorted(DESTINATIONS))
def test_a_server_that_leaks_only_on_a_real_machine_is_caught_high_with_its_destination(audit, case):
    scenario = REPO / "scenarios/evasion" / case
    run = audit(scenario, *EXTRA.get(case, ()))
    report = run.report
    assert report["status"] == "completed", report["reason"]
    leaks = [f for f in report["findings"] if f["kind"] == "canary_exfiltration"]
    assert leaks, run.stdout + run.stderr
    assert {f["destination"] for f in leaks} == {DESTINATIONS[case]}
    assert all(f["severity"] == "high" for f in leaks)
    assert {f["kind"] for f in report["findings"]} == expected(case)
    probes = [f for f in report["findings"] if f["channel"] == "dns"]  # the DNS probe, once per launch
    for probe in probes:
        assert probe["kind"] == "sandbox_probe" and probe["severity"] == "medium"
        assert re.fullmatch(r"[0-9a-f]{12}\.com", probe["destination"])
    # the first launch's is sent while its module loads, before it answers initialize; a later
    # launch's may reach the resolver after the first call began (it is then attributed to that call)
    assert not probes or any(probe["phase"] == "startup" for probe in probes)


def test_the_server_sees_a_workstation_and_none_of_the_sandbox_tells(audit):
    run = audit(REPO / "scenarios/evasion/machine-probe")
    assert run.report["status"] == "completed", run.stdout + run.stderr
    assert {f["kind"] for f in run.report["findings"]} == expected("machine-probe"), run.stdout
    results = [
        json.loads(line)
        for line in (run.out / "events.jsonl").read_text().splitlines()
        if '"kind":"tool_result"' in line
    ]
    seen = json.loads(results[0]["text"])
    assert seen["dockerenv"] is False and seen["containerenv"] is False
    assert seen["pid"] > 1000 and seen["chain"][-1] == {"pid": 1, "comm": "init"}
    assert seen["pid1_cmdline"] == ["/sbin/init"]
    for cgroups in (seen["pid1_cgroup"], seen["self_cgroup"]):
        assert not re.search(r"docker|containerd|kubepods|lxc", cgroups)
        assert all(line.endswith(":/") for line in cgroups.strip().splitlines())
    root = next(line for line in seen["mountinfo"].splitlines() if line.split()[4] == "/")
    assert " - overlay " not in root
    # the gate PID 1 waited at for the gateway is unmounted before the server starts
    assert not any(line.split()[4] == "/mnt" for line in seen["mountinfo"].splitlines())
    assert not re.fullmatch(r"[0-9a-f]{12}", seen["hostname"])
    assert seen["hostname"] == seen["etc_hostname"] and seen["hostname_env"] is None
    user = seen["user"]
    assert (
        user["username"] not in ("node", "root")
        and user["homedir"] == seen["home"] == f"/home/{user['username']}"
    )
    assert re.fullmatch(r"[0-9a-f]{32}", seen["machine_id"])
    assert seen["uptime"] > 60
    assert seen["home_entries"] > 10  # a shell history
    assert int(seen["cgroup_memory"]) % (64 << 20) != 0  # no round limit
    assert {"GITHUB_TOKEN", "OPENAI_API_KEY", "AWS_ACCESS_KEY_ID"} <= set(seen["env"])
    assert not any(re.search(r"faketime|harness|mcp|sandbox|canary", name, re.I) for name in seen["env"])
    assert not any(name.startswith("INIT_") for name in seen["env"])


@pytest.mark.parametrize("case", ["startup-probe", "pool-sizing-honest"])
def test_start_up_probes_are_reported_and_a_server_sizing_its_pool_is_not(audit, case):
    if not traced():
        pytest.skip(f"cannot trace syscalls here: {unavailable_reason()}")
    run = audit(REPO / "scenarios/evasion" / case)
    report = run.report
    assert report["status"] == "completed", report["reason"]
    assert {f["kind"] for f in report["findings"]} == expected(case), run.stdout
    for probe in report["findings"]:
        assert (
            probe["severity"] == "medium" and probe["phase"] == "startup" and probe["channel"] == "file read"
        )
        for path in ("/.dockerenv", "/proc/1/cgroup", "/sys/class/dmi/id/product_name", "/proc/cpuinfo"):
            assert path in probe["title"] and path in probe["evidence"], probe["title"]
        assert (
            "memory" not in probe["evidence"]
        )  # the runtime's own start-up reads are not the server's probe
    assert not any("not traced" in note for note in report["coverage"]["notes"])
