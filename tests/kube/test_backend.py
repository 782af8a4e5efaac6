"""The Kubernetes backend drives the real client against an API on loopback: objects in order, the wait
for the server, the run data taken back from the gateway's log, and every object deleted."""

from __future__ import annotations

import base64
import io
import tarfile

import pytest
from kubernetes import client as k8s

from harness.errors import SandboxError
from harness.kube.backend import BEGIN, END, KubeSandbox, run_data, unpack
from tests.kube.fake_api import FakeApi, container
from tests.kube.test_manifests import _plan


def _archive(files: dict[str, bytes], mode: int = 0o644) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), mode
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _framed(archive: bytes) -> str:
    return f"entrypoint: stopping\n{BEGIN}\n{base64.encodebytes(archive).decode()}{END}\n"


def test_run_data_is_unframed_from_the_gateway_log_and_unpacked_into_the_run_layout(tmp_path):
    archive = _archive(
        {"./gateway.jsonl": b"{}\n", "./capture.pcap": b"PCAP", "./home-view/.cache/q": b"queued"}
    )
    unpack(run_data(_framed(archive)), tmp_path / "gateway", tmp_path / "home")
    assert (tmp_path / "gateway/gateway.jsonl").read_bytes() == b"{}\n"
    assert (tmp_path / "home/.cache/q").read_bytes() == b"queued"


def test_run_data_that_escapes_the_folder_or_keeps_setuid_bits_is_refused_or_normalised(tmp_path):
    with pytest.raises(tarfile.FilterError):
        unpack(_archive({"../escape": b"x"}), tmp_path / "gateway", tmp_path / "home")
    unpack(_archive({"./home-view/sh": b"ELF"}, mode=0o4755), tmp_path / "gateway", tmp_path / "home")
    assert (tmp_path / "home/sh").stat().st_mode & 0o4000 == 0


def test_a_gateway_log_without_run_data_is_a_clear_error():
    with pytest.raises(SandboxError, match="no run data"):
        run_data("entrypoint: stopping\n")


def test_oversized_run_data_is_not_taken_back(tmp_path):
    with pytest.raises(SandboxError, match="larger than"):
        unpack(_archive({"./big": b"x" * 4096}), tmp_path / "g", tmp_path / "h", limit=1024)


def test_a_run_is_submitted_waited_for_collected_and_deleted_through_the_real_client(tmp_path):
    states = [
        {"phase": "Pending", "initContainerStatuses": [container("gateway", "waiting")]},
        {"phase": "Running", "containerStatuses": [container("server", "running")]},
        {"phase": "Running", "containerStatuses": [container("server", "terminated", 3)],
         "initContainerStatuses": [container("gateway", "terminated")]},
    ]  # fmt: skip
    log = _framed(_archive({"./gateway.jsonl": b'{"kind":"phase"}\n'}))
    with FakeApi(states, log) as api:
        config = k8s.Configuration(host=api.url)
        sandbox = KubeSandbox(k8s.ApiClient(config), _plan(), poll=0.01)
        sandbox.submit()
        pod = sandbox.wait_running(timeout=5)
        assert sandbox.attach_command()[-3:] == ["-n", "audits", pod]
        assert sandbox.server_exit_code() == 3
        sandbox.collect(tmp_path / "gateway", tmp_path / "home", timeout=5)
        sandbox.close()
    posts = [body["kind"] for method, _, body in api.requests if method == "POST"]
    assert posts == ["NetworkPolicy", "Secret", "Job"]  # the wall stands before the pod exists
    deletes = [path for method, path, _ in api.requests if method == "DELETE"]
    assert [p.split("/")[-2] for p in deletes] == ["jobs", "secrets", "networkpolicies"]
    assert (tmp_path / "gateway/gateway.jsonl").read_bytes() == b'{"kind":"phase"}\n'


def test_a_cluster_that_refuses_the_job_is_a_sandbox_error_and_what_was_made_is_deleted():
    with FakeApi([{"phase": "Pending"}], "", refuse="Job") as api:
        sandbox = KubeSandbox(k8s.ApiClient(k8s.Configuration(host=api.url)), _plan())
        with pytest.raises(SandboxError, match="refused the run's Job: 403"):
            sandbox.submit()
        sandbox.close()
    deletes = [path.split("/")[-2] for method, path, _ in api.requests if method == "DELETE"]
    assert deletes == ["secrets", "networkpolicies"]
