"""Reaching the cluster and the registry: each missing piece is one clear error, before anything is built."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.errors import SandboxError
from harness.kube.cluster import api_client, push, remote_name, supported
from harness.kube.settings import KubeSettings
from tests import factories as f
from tests.kube.fake_api import FakeApi


@pytest.fixture(autouse=True)
def _no_cluster_around(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


def test_without_a_kubeconfig_the_error_says_to_set_one():
    with pytest.raises(SandboxError, match="no Kubernetes cluster configured: set KUBECONFIG"):
        api_client()


def test_an_api_that_does_not_answer_is_named_in_the_error(monkeypatch, tmp_path):
    with socket.socket() as probe:  # a loopback port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeApi() as api:
        config = api.kubeconfig(tmp_path / "config")
    config.write_text(config.read_text().replace(api.url, f"http://127.0.0.1:{port}"))
    monkeypatch.setenv("KUBECONFIG", str(config))
    with pytest.raises(SandboxError, match=f"the Kubernetes API at http://127.0.0.1:{port} does not answer"):
        api_client()


def test_a_reachable_cluster_is_asked_its_version_once_and_a_missing_context_is_named(monkeypatch, tmp_path):
    with FakeApi() as api:
        monkeypatch.setenv("KUBECONFIG", str(api.kubeconfig(tmp_path / "config")))
        assert api_client().configuration.host == api.url
        with pytest.raises(SandboxError, match="context 'elsewhere' not usable"):
            api_client("elsewhere")
    assert [path for _, path, _ in api.requests] == ["/version/"]


def test_images_are_named_in_the_registry_by_their_last_name_part_and_their_input_hash():
    assert remote_name("mcp-harness/gateway:3f2a", "reg.example:5000/audits") == (
        "reg.example:5000/audits/gateway",
        "3f2a",
    )
    assert remote_name("sha256:" + "ab" * 32, "reg.example") == ("reg.example/image", "ab" * 16)
    assert remote_name("localhost:5000/plain", "reg.example") == ("reg.example/plain", "latest")


def test_a_registry_that_is_no_image_reference_is_refused():
    with pytest.raises(SandboxError, match="not a registry reference"):
        KubeSettings("https://reg.example")
    assert KubeSettings("reg.example:5000/team/audits").namespace == "default"


def test_servers_that_listen_on_a_port_are_refused_on_a_cluster_before_anything_is_built():
    supported(f.target())
    with pytest.raises(SandboxError, match="stdio servers only.*speaks http"):
        supported(f.target(transport="http", port=8080, endpoint="/mcp"))


@dataclass
class _Engine:
    """The docker client's two calls a push makes (pure unit: no registry is reachable from tests)."""

    answer: list[dict[str, Any]]
    calls: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def images(self) -> _Engine:
        return self

    def get(self, name: str) -> _Engine:
        self.calls.append(("get", name))
        return self

    def tag(self, repository: str, tag: str) -> None:
        self.calls.append(("tag", repository, tag))

    def push(self, repository: str, tag: str, stream: bool, decode: bool) -> list[dict[str, Any]]:
        self.calls.append(("push", repository, tag))
        return self.answer


def test_a_push_tags_into_the_registry_and_a_refusal_is_a_clear_error():
    engine = _Engine([{"status": "Pushed"}])
    assert push(engine, "mcp-harness/gateway:3f2a", "reg.example") == "reg.example/gateway:3f2a"  # type: ignore[arg-type]
    assert engine.calls[-1] == ("push", "reg.example/gateway", "3f2a")
    denied = _Engine([{"error": "denied: requested access to the resource is denied"}])
    with pytest.raises(SandboxError, match="cannot push reg.example/gateway:3f2a: denied"):
        push(denied, "mcp-harness/gateway:3f2a", "reg.example")  # type: ignore[arg-type]
