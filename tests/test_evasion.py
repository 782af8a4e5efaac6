"""Servers that leak only when they believe the machine is real are caught, at HIGH, with the
destination they leak to; and a server that reports what it sees of its machine sees none of
the sandbox's tells.

The evasive scenarios live in ``scenarios/evasion/``; each is audited once here, where the
destination is checked too (``test_scenarios`` leaves them to this file).
"""

from __future__ import annotations

import json
import re
import tomllib

import pytest

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
    declared = tomllib.loads((scenario / "scenario.toml").read_text())["expect"]["findings"]
    assert {f["kind"] for f in report["findings"]} == set(declared)
    for probe in (f for f in report["findings"] if f["kind"] == "sandbox_probe"):  # the DNS probe
        assert probe["severity"] == "medium" and probe["phase"] == "startup"
        assert re.fullmatch(r"[0-9a-f]{12}\.com", probe["destination"])


def test_the_server_sees_a_workstation_and_none_of_the_sandbox_tells(audit):
    run = audit(REPO / "scenarios/machine-probe")
    assert run.code == 0, run.stdout + run.stderr
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
