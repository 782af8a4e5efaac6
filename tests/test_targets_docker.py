"""Every target kind audited for real, and the install cache."""

from __future__ import annotations

import json

import docker
import pytest

from harness.sandbox.images import list_images
from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.docker


def _high(run) -> list[str]:
    return [f["title"] for f in run.report["findings"] if f["severity"] in ("high", "critical")]


def test_an_npm_package_is_installed_recorded_and_audited(audit):
    run = audit("npm:@modelcontextprotocol/server-memory@2026.8.31")
    report = run.report
    assert report["status"] == "completed", report["reason"]
    assert {"create_entities", "read_graph"} <= {t["name"] for t in report["tools"]}
    assert report["install"]["version"] == "2026.8.31" and report["install"]["integrity"].startswith(
        "sha512-"
    )
    assert report["install"]["dependencies"] > 10
    assert _high(run) == []


def test_a_pypi_package_is_installed_recorded_and_audited(audit):
    run = audit("pypi:mcp-server-time==2026.10.19")
    report = run.report
    assert report["status"] == "completed", report["reason"]
    assert {t["name"] for t in report["tools"]} == {"get_current_time", "convert_time"}
    assert report["install"]["integrity"].startswith("sha256:")
    assert report["install"]["entry"] == ["/opt/venv/bin/mcp-server-time"]
    assert _high(run) == []


def _images_of(client, needle: str) -> set[str]:
    """Harness images tagged for one package: other audits running in parallel build their own."""
    images = list_images(client, label="mcp-harness")
    return {image.id for image in images if any(needle in tag for tag in image.tags)}


def test_a_second_audit_of_the_same_version_installs_nothing(audit):
    client = docker.from_env()
    audit("npm:@modelcontextprotocol/server-memory@2026.8.31")
    before = _images_of(client, "server-memory")
    run = audit("npm:@modelcontextprotocol/server-memory@2026.8.31")
    after = _images_of(client, "server-memory")
    assert run.report["status"] == "completed"
    assert after == before


def test_a_local_image_runs_in_the_same_sandbox_and_a_missing_one_is_refused(audit, tmp_path):
    client = docker.from_env()
    probe = audit(REPO / "scenarios/fetch-url")  # builds the scenario's image
    assert probe.report["status"] == "completed"
    image = next(i for i in list_images(client) if any("target-fetch-url" in t for t in i.tags))
    run = audit(f"docker:{image.tags[0]}")
    assert run.report["status"] == "completed", run.report["reason"]
    assert [t["name"] for t in run.report["tools"]] == ["fetch"]
    assert any("undisguised machine" in note for note in run.report["coverage"]["notes"])
    assert run.report["install"]["manager"] == "docker"
    missing = run_cli("audit", "docker:no-such-image-here:1.0", "--out", str(tmp_path / "x"))
    assert missing.returncode == 2 and "not present locally" in missing.stderr


def test_a_config_file_audits_every_server_and_indexes_one_clear_failure(tmp_path):
    out = tmp_path / "cfg"
    proc = run_cli(
        "audit",
        "--config",
        str(REPO / "tests/fixtures/configs/claude_desktop_config.json"),
        "--out",
        str(out),
        "--linger",
        "1",
    )
    index = json.loads((out / "index.json").read_text())
    by_name = {e["server"]: e for e in index["servers"]}
    assert proc.returncode == 2
    assert by_name["memory"]["exit_code"] == 0 and (out / by_name["memory"]["report"]).is_file()
    assert by_name["time"]["exit_code"] == 0 and (out / by_name["time"]["report"]).is_file()
    assert by_name["broken"]["exit_code"] == 2 and "not found" in by_name["broken"]["reason"]
    assert "broken" in (out / "index.html").read_text()


def test_a_local_python_project_is_installed_from_its_requirements_and_audited(audit):
    run = audit(f"path:{REPO / 'tests/fixtures/servers/python-notes'}")
    assert run.report["status"] == "completed", run.report["reason"]
    assert {t["name"] for t in run.report["tools"]} == {"add_note", "count_notes"}
    assert run.code == 0


@pytest.mark.parametrize(
    ("project", "tools"),
    [("node-echo", {"echo", "shout"}), ("python-echo", {"echo", "reverse"})],
)
def test_a_project_without_scenario_toml_is_detected_installed_and_audited(audit, project, tools):
    run = audit(f"path:{REPO / 'tests/fixtures/servers' / project}")
    assert run.report["status"] == "completed", run.report["reason"]
    assert {t["name"] for t in run.report["tools"]} == tools
    assert run.code == 0 and run.report["calls"]


@pytest.mark.parametrize(("mode", "transport"), [("streamableHttp", "http"), ("sse", "sse")])
def test_an_http_server_is_reached_through_the_relay_without_a_route_out(audit, mode, transport):
    run = audit(
        "npm:@modelcontextprotocol/server-everything@2026.8.31",
        *("--arg", mode, "--transport", transport, "--port", "3001", "--rounds", "1"),
    )
    report = run.report
    assert report["status"] == "completed", report["reason"]
    assert {"echo", "get-sum"} <= {t["name"] for t in report["tools"]}
    assert any(c["tool"] == "echo" and c["canaries"] for c in report["calls"])
    assert [f["kind"] for f in report["findings"]] == []  # its own port is its job, not a finding
    assert any("cannot be started again" in note for note in report["coverage"]["notes"])
    assert "port 3001" in (run.out / "server.stderr.log").read_text()


def test_npm_install_scripts_never_run_in_the_build_but_in_the_sandbox(audit):
    client = docker.from_env()
    run = audit(REPO / "scenarios/postinstall-exfil")
    report = run.report
    assert report["install"]["install_scripts"] == ["markdown-tables-mcp"]
    assert report["install"]["scripts_ran_in_sandbox"] and report["install"]["scripts_exit_code"] == 0
    assert "postinstall" in (run.out / "install.log").read_text()
    [leak, *_] = report["findings"]
    assert (leak["kind"], leak["phase"], leak["destination"]) == (
        "credential_exfiltration",
        "install",
        "stats.pkg-insights.example",
    )
    # the built image has no trace of the script's work: it never ran there, with a real network
    built = next(i for i in list_images(client) if any("target-postinstall-exfil" in t for t in i.tags))
    probe = client.containers.run(
        built.id, ["sh", "-c", "test -e templates/default.json; echo $?"], network_mode="none", remove=True
    )
    assert probe.strip() == b"1"
    # and the image the scripts left for this run went with it (tagged by run id; other runs have theirs)
    left = [t for i in list_images(client, name="mcp-harness/installed") for t in i.tags]
    assert [t for t in left if t.partition(":")[2].startswith(run.out.name)] == []
