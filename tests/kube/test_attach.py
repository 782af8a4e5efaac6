"""The stdio bridge: the server container's stdin and stdout through the real client's attach websocket."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO
from tests.kube.fake_api import FakeApi

_SERVER = r"""
import sys
print("server says hi", file=sys.stderr, flush=True)
for line in sys.stdin:
    sys.stdout.write(line.upper())
    sys.stdout.flush()
"""
_BRIDGE = [sys.executable, "-m", "harness.kube.attach", "--namespace", "audits", "--container", "server"]


def _job(command: list[str]) -> dict:
    return {"spec": {"template": {"spec": {"containers": [{"name": "server", "command": command}]}}}}


def _bridge(api: FakeApi, tmp_path, data: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "KUBECONFIG": str(api.kubeconfig(tmp_path / "config"))}
    return subprocess.run(
        [*_BRIDGE, "run-pod-x1"], input=data, capture_output=True, timeout=120, env=env, cwd=REPO
    )


def test_the_bridge_carries_stdio_both_ways_and_its_stdin_ending_closes_the_servers(tmp_path):
    with FakeApi(kubelet=True) as api:
        api.objects["Job"] = _job([sys.executable, "-c", _SERVER])
        proc = _bridge(api, tmp_path, b"ping\n" + b"x" * 200_000 + b"\npong\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"PING\n" + b"X" * 200_000 + b"\nPONG\n"
    assert b"server says hi" in proc.stderr
    assert api.server_exit == 0  # the server read end-of-file and ended by itself
    [attach] = [path for _, path, _ in api.requests if "/attach" in path]
    assert attach.startswith("/api/v1/namespaces/audits/pods/run-pod-x1/attach?")
    assert all(f"{flag}=true" in attach for flag in ("stdin", "stdout", "stderr"))


def test_a_bridge_that_cannot_reach_the_cluster_says_so_and_fails(tmp_path):
    with FakeApi() as api:
        config = api.kubeconfig(tmp_path / "config")
    env = {**os.environ, "KUBECONFIG": str(config)}
    proc = subprocess.run(
        [*_BRIDGE, "run-pod-x1"], input=b"", capture_output=True, timeout=120, env=env, cwd=REPO
    )
    assert proc.returncode == 1
    assert b"cannot attach to the server: the Kubernetes API at" in proc.stderr
