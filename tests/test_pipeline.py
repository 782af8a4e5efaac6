"""The pipeline's start-up and teardown run parts at once; nothing of a run may outlive it."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import anyio
import pytest

from harness import pipeline
from harness.driver.options import DriveOptions
from harness.errors import SandboxError
from harness.model import AuditResult
from harness.pipeline import AuditOptions, _once_ready, _start_sandbox
from harness.sandbox.docker_sandbox import DockerSandbox, docker_client
from harness.sandbox.images import BASE_IMAGE, LABEL, docker_name, ensure_base, list_images
from harness.sandbox.install import prepare
from harness.sandbox.persona import new_persona
from harness.targets import parse_target
from tests.conftest import REPO, unique_dir

pytestmark = pytest.mark.docker

THREE_TOOLS = REPO / "tests/fixtures/servers/three-tools-python"
BASIC = DriveOptions(rounds=2, linger=1.0, launches=1)


def _left_of(run_prefix: str) -> list[str]:
    """Containers, images and volumes still labelled with a run id that starts with ``run_prefix``."""
    client = docker_client()
    mine = {"filters": {"label": LABEL}}
    found = [
        *(
            str(c.attrs["Names"][0])
            for c in client.containers.list(all=True, sparse=True, **mine)
            if _of(c, run_prefix)
        ),
        *(i.id for i in list_images(client, label=LABEL) if i.labels.get(LABEL, "").startswith(run_prefix)),
        *(str(v.name) for v in client.volumes.list(**mine) if _of(v, run_prefix)),
    ]
    return found


def _of(thing: object, run_prefix: str) -> bool:
    attrs = getattr(thing, "attrs", {})
    labels = attrs.get("Labels") or attrs.get("Config", {}).get("Labels") or {}
    return str(labels.get(LABEL, "")).startswith(run_prefix)


def test_an_audit_returns_only_once_its_sandbox_is_removed_even_when_the_removal_ends_last(
    tmp_path, monkeypatch
):
    # the removal runs beside detection and reporting; held here until the reports are written,
    # it must still have ended when the audit returns
    written = threading.Event()
    removed: list[str] = []
    write_report, remove = pipeline.write_report, DockerSandbox.remove

    def write_then_tell(result: AuditResult, run_dir: Path) -> None:
        write_report(result, run_dir)
        written.set()

    def remove_after_the_reports(sandbox: DockerSandbox) -> None:
        assert written.wait(timeout=600)
        remove(sandbox)
        removed.append(sandbox.run_id)

    monkeypatch.setattr(pipeline, "write_report", write_then_tell)
    monkeypatch.setattr(DockerSandbox, "remove", remove_after_the_reports)
    run_dir = unique_dir(tmp_path, "teardown")
    run_dir.mkdir()
    result = anyio.run(pipeline.audit, parse_target(f"path:{THREE_TOOLS}"), run_dir, AuditOptions(BASIC))
    assert len(removed) == 1 and _left_of(docker_name(run_dir.name)[:40]) == []
    assert result.status == "completed" and len(result.calls) == 6
    assert (run_dir / "report.json").is_file() and (run_dir / "capture.pcap").is_file()


@pytest.mark.parametrize("at_the_gate", [False, True], ids=["server-after", "server-at-the-gate"])
def test_a_gateway_that_dies_at_start_up_is_a_sandbox_error_whether_or_not_the_server_waits_for_it(
    tmp_path, at_the_gate
):
    client = docker_client()
    ensure_base(client)
    data = tmp_path / "data"
    data.mkdir()
    run_id = f"gwdies-{secrets.token_hex(4)}"
    persona = new_persona() if at_the_gate else None
    sandbox = DockerSandbox(client, run_id, data, tmp_path / "home-out", persona=persona)
    image = prepare(client, parse_target(f"path:{THREE_TOOLS}")).image
    drives: list[str] = []

    async def drive() -> None:
        drives.append("started")
        await anyio.sleep_forever()  # the server never answers: only the gateway's death ends this

    async def start() -> None:
        # the bare base image has no services: its shell ends at once, with no ready file
        baked = await _start_sandbox(sandbox, BASE_IMAGE, image, b"bundle", None)
        sandbox.create_server(baked, ["python3", "server.py"], {})
        assert sandbox.gated is at_the_gate
        await _once_ready(sandbox, drive)  # type: ignore[arg-type]

    try:
        with pytest.raises(SandboxError, match="gateway exited during start-up"):
            anyio.run(start)
    finally:
        sandbox.close()
    # at the gate, the drive starts at once (the server's PID 1 holds it back); else never
    assert drives == (["started"] if at_the_gate else [])
    assert _left_of(run_id) == []


def test_a_host_that_cannot_trace_the_probe_reads_says_so_in_the_coverage(tmp_path, monkeypatch):
    """Without bpftrace the server's looks at /.dockerenv and /proc/1 go unseen: a clean verdict
    must not claim they were watched."""
    from harness.sandbox import tracing

    monkeypatch.setattr(tracing, "unavailable_reason", lambda: "bpftrace is not installed")
    run_dir = unique_dir(tmp_path, "untraced")
    run_dir.mkdir()
    result = anyio.run(pipeline.audit, parse_target(f"path:{THREE_TOOLS}"), run_dir, AuditOptions(BASIC))
    assert result.status == "completed"
    assert result.coverage is not None
    note = "reads of container markers, /proc/1 and hardware ids were not traced: bpftrace is not installed"
    assert note in result.coverage.notes
