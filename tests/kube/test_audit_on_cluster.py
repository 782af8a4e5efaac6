"""``audit`` with the Kubernetes backend, wired end to end against the API on loopback.

No cluster is reachable from the tests, so two things stand in: the fake API runs the Job's server
command as a local process behind its attach websocket (a real MCP server, spoken to by the real
MCP client through the real attach bridge), and the image build and push (Docker and a registry)
are replaced by their names. Everything between is the pipeline as it runs on a cluster: the
kubeconfig read and checked, the objects created in order, the server driven, the run's data taken
back from the gateway's followed log into the run folder, detection, reports, every object deleted.
"""

from __future__ import annotations

import base64
import json
import sys
import threading

import anyio
import pytest

from harness import pipeline
from harness.driver.options import DriveOptions
from harness.kube import launch
from harness.kube.backend import BEGIN, END
from harness.kube.cluster import remote_name
from harness.kube.settings import KubeSettings
from harness.model import AuditStatus, FileWritten
from harness.sandbox.install import Prepared
from tests import factories as f
from tests.kube.fake_api import FakeApi
from tests.kube.test_backend import _archive

_ECHO = '''
from mcp.server.mcpserver import MCPServer

app = MCPServer("echo")


@app.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


app.run()
'''


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    """The fake API as the kubeconfig's cluster; the local image steps replaced by names."""
    server = tmp_path / "echo.py"
    server.write_text(_ECHO)
    prepared = Prepared("mcp-harness/target-echo:feed", [sys.executable, str(server)], None, None)
    monkeypatch.setattr(pipeline, "docker_client", lambda: None)
    monkeypatch.setattr(pipeline, "ensure_gateway", lambda client: "mcp-harness/gateway:feed")
    monkeypatch.setattr(pipeline, "prepare", lambda client, target: prepared)
    monkeypatch.setattr(
        launch, "push", lambda client, local, registry: ":".join(remote_name(local, registry))
    )
    handed_back = {"./gateway.jsonl": b"", "./home-view/.config/echo/state": b"last=1\n"}
    log = f"entrypoint: stopping\n{BEGIN}\n{base64.encodebytes(_archive(handed_back)).decode()}{END}\n"
    with FakeApi(gateway_log=log, log_gate=threading.Event(), kubelet=True) as api:
        monkeypatch.setenv("KUBECONFIG", str(api.kubeconfig(tmp_path / "config")))
        yield api


def test_an_audit_on_the_cluster_drives_the_server_and_reports_from_the_same_run_folder(cluster, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    options = pipeline.AuditOptions(
        DriveOptions(init_timeout=120, call_timeout=60, rounds=2, linger=0.5, launches=2),
        kubernetes=KubeSettings("reg.example/audits", "audits"),
    )
    result = anyio.run(pipeline.audit, f.target(name="echo"), run_dir, options)

    assert result.status is AuditStatus.COMPLETED, result.reason
    assert [t["name"] for t in result.tools] == ["echo"] and result.calls
    assert cluster.server_exit == 0  # the client closed its stdin and the server ended by itself
    job = cluster.objects["Job"]["spec"]["template"]["spec"]
    assert [c["image"] for c in job["initContainers"]] == ["reg.example/audits/gateway:feed"] * 2
    assert job["containers"][0]["image"] == "reg.example/audits/target-echo:feed"
    written = [e for e in result.events if isinstance(e, FileWritten)]
    assert [(e.path, e.head) for e in written] == [("/home/node/.config/echo/state", b"last=1\n")]
    report = json.loads((run_dir / "report.json").read_text())
    assert report["status"] == "completed"
    # what a cluster cannot give is said, so its clean verdict claims no more than was looked at
    notes = " | ".join(report["coverage"]["notes"])
    assert "one launch of the 2 planned" in notes and "not watched" in notes and "real speed" in notes
    assert "were not traced: the server ran on a Kubernetes cluster" in notes
    assert (run_dir / "events.jsonl").is_file() and (run_dir / "report.sarif").is_file()
    posts = [path.split("/")[-1] for method, path, _ in cluster.requests if method == "POST"]
    assert posts == ["networkpolicies", "secrets", "jobs"]
    deletes = [
        path.split("?")[0].split("/")[-2] for method, path, _ in cluster.requests if method == "DELETE"
    ]
    assert deletes == ["jobs", "secrets", "networkpolicies"]
