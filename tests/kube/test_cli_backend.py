"""``--backend kubernetes`` on the command line: what is missing is said first, with exit 2, and
``nightly`` hands the backend to every audit it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.kube.fake_api import FakeApi


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("KUBE")}, **env},
    )


@pytest.fixture
def no_cluster(tmp_path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "absent")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "kubernetes"], "--backend kubernetes needs --registry"),
        (["--registry", "reg.example"], "--registry is only for --backend kubernetes"),
        (["--backend", "kubernetes", "--registry", "http://reg"], "is not a registry reference"),
    ],
)
def test_backend_options_missing_or_stray_are_refused_before_the_target_is_read(
    no_cluster, tmp_path, args, message
):
    proc = _cli("audit", str(tmp_path / "nowhere"), *args, env=no_cluster)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_an_audit_without_a_configured_cluster_says_so_and_leaves_a_report_saying_why(no_cluster, tmp_path):
    out = tmp_path / "run"
    target = str(REPO / "scenarios/fetch-url")
    proc = _cli("audit", target, "--backend", "kubernetes", "--registry", "reg.example", "--out", str(out),
                env=no_cluster)  # fmt: skip
    assert proc.returncode == 2
    assert "no Kubernetes cluster configured: set KUBECONFIG" in proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "infra_error" and "KUBECONFIG" in report["reason"]


def test_a_night_on_a_cluster_checks_it_once_before_any_audit(no_cluster, tmp_path):
    connectors = tmp_path / "c.toml"
    connectors.write_text(f'[[connector]]\nname = "fetch"\ntarget = "{REPO}/scenarios/fetch-url"\n')
    night = tmp_path / "night"
    proc = _cli("nightly", str(connectors), "--backend", "kubernetes", "--registry", "reg.example",
                "--out", str(night), env=no_cluster)  # fmt: skip
    assert proc.returncode == 2 and "no Kubernetes cluster configured" in proc.stderr
    assert not (night / "fetch").exists()


def test_a_night_hands_the_backend_to_every_audit_it_starts(tmp_path):
    connectors = tmp_path / "c.toml"
    connectors.write_text(
        f'[[connector]]\nname = "notes"\ntarget = "{REPO}/scenarios/http-transport-exfil"\n'
    )
    with FakeApi() as api:
        env = {"HOME": str(tmp_path), "KUBECONFIG": str(api.kubeconfig(tmp_path / "config"))}
        proc = _cli("nightly", str(connectors), "--backend", "kubernetes", "--registry", "reg.example",
                    "--namespace", "audits", "--out", str(tmp_path / "night"), env=env)  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [server] = json.loads((tmp_path / "night/nightly.json").read_text())["servers"]
    # only the cluster backend refuses an HTTP server: the audit ran with it
    assert server["state"] == "could not audit" and "stdio servers only" in server["reason"]
    assert (tmp_path / "night/nightly.sarif").is_file() and (tmp_path / "night/nightly.junit.xml").is_file()
