"""A server container that has not started yet has not exited: the client's ``docker start``
can lag under load while the driver already asks whether the server died."""

from __future__ import annotations

import secrets

import pytest

from harness.sandbox.docker_sandbox import DockerSandbox, docker_client
from harness.sandbox.images import BASE_IMAGE, LABEL, ensure_base

pytestmark = pytest.mark.docker


def test_a_created_server_has_no_exit_code_until_it_has_run_and_ended(tmp_path):
    client = docker_client()
    ensure_base(client)
    run_id = f"exitcode-{secrets.token_hex(4)}"
    sandbox = DockerSandbox(client, run_id, tmp_path, tmp_path / "home-out")
    sandbox.server = client.containers.create(BASE_IMAGE, ["sh", "-c", "exit 3"], labels={LABEL: run_id})
    try:
        assert sandbox.server_exit_code() is None  # "created" shows ExitCode 0 in the engine
        sandbox.server.start()
        sandbox.server.wait(timeout=60)
        assert sandbox.server_exit_code() == 3
    finally:
        sandbox.server.remove(force=True)
