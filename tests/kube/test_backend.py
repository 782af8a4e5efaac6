"""The Kubernetes backend drives the real client against an API on loopback: objects in order, the wait
for the server, the run data taken back from the gateway's log, and every object deleted."""

from __future__ import annotations

import base64
import io
import tarfile
import threading

import pytest
from kubernetes import client as k8s

from harness.errors import SandboxError
from harness.kube.backend import BEGIN, END, GatewayLog, KubeSandbox, run_data, unpack
from tests.kube.fake_api import FakeApi, container, waiting
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


def _sandbox(api: FakeApi, tmp_path, **kw) -> KubeSandbox:
    client = k8s.ApiClient(k8s.Configuration(host=api.url))
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "planted").write_text("bait")
    return KubeSandbox(client, _plan(), tmp_path / "gateway", home, 1 << 20, poll=0.01, **kw)


def test_a_run_is_submitted_waited_for_collected_and_deleted_through_the_real_client(tmp_path):
    states = [
        {"phase": "Pending", "initContainerStatuses": [container("gateway", "waiting")]},
        {"phase": "Running", "containerStatuses": [container("server", "running")]},
        {"phase": "Running", "containerStatuses": [container("server", "terminated", 3)],
         "initContainerStatuses": [container("gateway", "terminated")]},
    ]  # fmt: skip
    log = _framed(_archive({"./gateway.jsonl": b'{"kind":"phase"}\n', "./home-view/.cache/q": b"queued"}))
    with FakeApi(states, log) as api:
        sandbox = _sandbox(api, tmp_path)
        sandbox.submit()
        pod = sandbox.wait_running(timeout=30)
        assert sandbox.stdio_argv()[-5:] == ["--namespace", "audits", "--container", "server", pod]
        assert sandbox.server_exit_code() == 3
        sandbox.close()
    posts = [body["kind"] for method, _, body in api.requests if method == "POST"]
    assert posts == ["NetworkPolicy", "Secret", "Job"]  # the wall stands before the pod exists
    deletes = [path for method, path, _ in api.requests if method == "DELETE"]
    assert [p.split("/")[-2] for p in deletes] == ["jobs", "secrets", "networkpolicies"]
    assert any("follow=true" in path for method, path, _ in api.requests if "/log" in path)
    assert (tmp_path / "gateway/gateway.jsonl").read_bytes() == b'{"kind":"phase"}\n'
    # the home is what the pod handed back, not what was planted
    assert [p.name for p in (tmp_path / "home").rglob("*") if p.is_file()] == ["q"]
    assert (sandbox.home_copy.files, sandbox.home_copy.bytes) == (1, 6)


def test_a_server_that_does_not_end_when_its_stdin_closes_has_its_pod_deleted_and_the_data_still_comes_back(
    tmp_path,
):
    gate = threading.Event()  # the gateway's log ends only when its pod is stopped
    running = {"phase": "Running", "containerStatuses": [container("server", "running")]}
    log = _framed(_archive({"./gateway.jsonl": b"{}\n"}))
    with FakeApi([running], log, log_gate=gate) as api:
        sandbox = _sandbox(api, tmp_path, stop_grace=0.1)
        sandbox.submit()
        sandbox.wait_running(timeout=30)
        sandbox.close()
    deletes = [path.split("/")[-2] for method, path, _ in api.requests if method == "DELETE"]
    assert deletes == ["pods", "jobs", "secrets", "networkpolicies"]
    assert (tmp_path / "gateway/gateway.jsonl").read_bytes() == b"{}\n"


def test_run_data_that_never_came_back_fails_the_run_after_everything_is_deleted(tmp_path):
    ended = {"phase": "Succeeded", "containerStatuses": [container("server", "terminated")]}
    with FakeApi([ended], "entrypoint: packet capture failed to start\n") as api:
        sandbox = _sandbox(api, tmp_path)
        sandbox.submit()
        sandbox.wait_running(timeout=30)
        with pytest.raises(SandboxError, match="no run data"):
            sandbox.close()
    deletes = [path.split("/")[-2] for method, path, _ in api.requests if method == "DELETE"]
    assert deletes == ["jobs", "secrets", "networkpolicies"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            {"phase": "Pending", "containerStatuses": [waiting("server", "ImagePullBackOff", "pull denied")]},
            r"cannot start \(server: ImagePullBackOff: pull denied\)",
        ),
        (
            {"phase": "Failed", "message": "Pod was active on the node longer than the specified deadline"},
            "ended before the server ran: Pod was active",
        ),
    ],
)
def test_a_job_that_cannot_run_its_server_is_a_clear_error(tmp_path, status, expected):
    with FakeApi([status]) as api:
        sandbox = _sandbox(api, tmp_path)
        sandbox.submit()
        with pytest.raises(SandboxError, match=expected):
            sandbox.wait_running(timeout=30)
        sandbox.discard()
    assert len([m for m, _, _ in api.requests if m == "DELETE"]) == 3


def test_a_gateway_log_is_kept_bounded_before_its_run_data_begins():
    log = GatewayLog(lambda: None)
    for _ in range(100):
        log.feed(b"x" * 4096)
    log.feed(f"{BEGIN}\n".encode() + base64.encodebytes(_archive({"./a": b"1"})) + f"{END}\n".encode())
    assert tarfile.open(fileobj=io.BytesIO(log.run_data())).getnames() == ["./a"]


def test_a_cluster_that_refuses_the_job_is_a_sandbox_error_and_what_was_made_is_deleted(tmp_path):
    with FakeApi([{"phase": "Pending"}], "", refuse="Job") as api:
        sandbox = _sandbox(api, tmp_path)
        with pytest.raises(SandboxError, match="refused the run's Job: 403"):
            sandbox.submit()
        sandbox.close()
    deletes = [path.split("/")[-2] for method, path, _ in api.requests if method == "DELETE"]
    assert deletes == ["secrets", "networkpolicies"]
