"""The Kubernetes backend on a real cluster: runs only when one is named, never on our CI.

Set ``KUBECONFIG`` to the cluster (Kubernetes 1.29+, for native sidecars; a CNI that enforces
NetworkPolicy for the second wall) and ``MCP_HARNESS_REGISTRY`` to a registry the local Docker
engine can push to and the cluster can pull from; optionally ``MCP_HARNESS_NAMESPACE`` (default
``default``) and ``MCP_HARNESS_PULL_SECRET``. The README says how to bring up a throwaway one.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

REGISTRY = os.environ.get("MCP_HARNESS_REGISTRY")
NAMESPACE = os.environ.get("MCP_HARNESS_NAMESPACE", "default")

pytestmark = [
    pytest.mark.kubernetes,
    pytest.mark.skipif(
        not os.environ.get("KUBECONFIG"),
        reason="no cluster: set KUBECONFIG (and MCP_HARNESS_REGISTRY) to run the Kubernetes backend's"
        " integration test (README: 'Beyond one machine: Kubernetes')",
    ),
    pytest.mark.skipif(
        bool(os.environ.get("KUBECONFIG")) and not REGISTRY,
        reason="KUBECONFIG is set but MCP_HARNESS_REGISTRY is not: the test needs a registry the cluster"
        " pulls the sandbox images from",
    ),
]


def _audit(scenario: str, out) -> subprocess.CompletedProcess[str]:
    backend = ["--backend", "kubernetes", "--registry", str(REGISTRY), "--namespace", NAMESPACE]
    if secret := os.environ.get("MCP_HARNESS_PULL_SECRET"):
        backend += ["--pull-secret", secret]
    return subprocess.run(
        [sys.executable, "-m", "harness", "audit", str(REPO / "scenarios" / scenario), "--out", str(out),
         "--linger", "2", *backend],
        capture_output=True, text=True, timeout=1800, cwd=REPO,
    )  # fmt: skip


def _leftovers() -> str:
    kinds = "jobs,secrets,networkpolicies"
    found = subprocess.run(
        ["kubectl", "get", kinds, "-n", NAMESPACE, "-l", "mcp-harness/run", "-o", "name"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return found.stdout.strip()


def test_a_malicious_server_is_caught_in_a_job_and_the_run_leaves_nothing_behind(tmp_path):
    proc = _audit("postmark/malicious", tmp_path / "malicious")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "unexpected_recipient" in (tmp_path / "malicious/report.json").read_text()
    assert (tmp_path / "malicious/capture.pcap").is_file()  # the capture came back through the log
    assert _leftovers() == ""


def test_an_honest_server_passes_in_a_job(tmp_path):
    proc = _audit("postmark/benign", tmp_path / "benign")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _leftovers() == ""
