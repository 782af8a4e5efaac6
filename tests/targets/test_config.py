import json

import pytest

from harness.errors import TargetError
from harness.targets.config import _map_command, config_target, looks_secret, read_config


@pytest.mark.parametrize(
    "document",
    [
        {"mcpServers": {"a": {"command": "npx", "args": ["x"]}}},  # Claude Desktop, Cursor, Windsurf
        {"servers": {"a": {"type": "stdio", "command": "npx", "args": ["x"]}}},  # VS Code mcp.json
        {"mcp": {"servers": {"a": {"command": "npx", "args": ["x"]}}}},  # VS Code settings.json
    ],
)
def test_every_client_format_yields_its_servers(tmp_path, document):
    path = tmp_path / "config.json"
    path.write_text("// a comment VS Code allows\n" + json.dumps(document))
    assert list(read_config(path)) == ["a"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), ('{"mcpServers": {}}', "names no servers"), ("[]", "names no servers")],
)
def test_broken_config_files_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(TargetError, match=message):
        read_config(path)


@pytest.mark.parametrize(
    ("command", "args", "spec", "rest"),
    [
        ("npx", ["-y", "@scope/server@1.2.3", "/data"], "npm:@scope/server@1.2.3", ["/data"]),
        ("uvx", ["mcp-server-time==1.0", "--tz", "UTC"], "pypi:mcp-server-time==1.0", ["--tz", "UTC"]),
        (
            "uvx",
            ["--from", "mcp-server-git", "mcp-server-git", "--repo", "."],
            "pypi:mcp-server-git",
            ["--repo", "."],
        ),
        ("python3", ["-m", "mcp_server_fetch"], "pypi:mcp-server-fetch", []),
        (
            "/usr/bin/docker",
            ["run", "-i", "--rm", "-e", "K=V", "acme/mcp:2", "serve"],
            "docker:acme/mcp:2",
            ["serve"],
        ),
    ],
)
def test_launch_commands_people_write_map_onto_targets(tmp_path, command, args, spec, rest):
    mapped_spec, mapped_rest, _ = _map_command(command, args, tmp_path)
    assert (mapped_spec, mapped_rest) == (spec, rest)


def test_docker_env_flags_are_kept_and_unknown_commands_refused(tmp_path):
    assert _map_command("docker", ["run", "-e", "TOKEN=abc", "img"], tmp_path)[2] == {"TOKEN": "abc"}
    with pytest.raises(TargetError, match="cannot map"):
        _map_command("ruby", ["server.rb"], tmp_path)


def test_secret_looking_env_becomes_a_canary_unless_pinned(tmp_path):
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "index.js").write_text("")
    entry = {
        "command": "node",
        "args": ["srv/index.js"],
        "env": {"API_KEY": "x", "MODE": "prod", "X": "ghp_" + "a" * 36},
    }
    target = config_target("local one", entry, tmp_path, {"MODE": "test"})
    assert dict(target.env) == {"API_KEY": "${secret}", "MODE": "test", "X": "${secret}"}
    assert (target.name, target.command, target.source_dir) == (
        "local-one",
        ("node", "index.js"),
        str(tmp_path / "srv"),
    )
    assert looks_secret("PLAIN", "sk-live-abc") and not looks_secret("REGION", "eu-west-1")


def test_a_node_script_in_a_build_folder_runs_from_its_project_root(tmp_path):
    (tmp_path / "proj" / "dist").mkdir(parents=True)
    (tmp_path / "proj" / "package.json").write_text('{"name": "proj"}')
    (tmp_path / "proj" / "dist" / "index.js").write_text("")
    target = config_target("p", {"command": "node", "args": ["proj/dist/index.js", "-v"]}, tmp_path, {})
    assert (target.source_dir, target.command, target.args) == (
        str(tmp_path / "proj"),
        ("node", "dist/index.js"),
        ("-v",),
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "http", "url": "https://mcp.example/x"},
        {"url": "http://10.1.2.3:3000/mcp", "command": "node", "args": ["srv/index.js"]},
        {"type": "sse", "url": "http://mcp.example/sse"},
    ],
)
def test_remote_servers_are_refused_with_the_reason(tmp_path, entry):
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "index.js").write_text("")
    with pytest.raises(TargetError, match="remote server"):
        config_target("r", entry, tmp_path, {})


@pytest.mark.parametrize(
    ("entry", "transport", "port", "endpoint"),
    [
        ({"type": "http", "url": "http://localhost:3001/mcp"}, "http", 3001, "/mcp"),
        ({"type": "streamable-http", "url": "http://127.0.0.1:8000/api/mcp"}, "http", 8000, "/api/mcp"),
        ({"url": "http://localhost:3001/sse"}, "sse", 3001, "/sse"),
        ({"type": "sse", "url": "http://localhost/events"}, "sse", 80, "/events"),
    ],
)
def test_a_launched_server_with_a_local_url_is_reached_over_http(tmp_path, entry, transport, port, endpoint):
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "index.js").write_text("")
    target = config_target("h", {"command": "node", "args": ["srv/index.js"], **entry}, tmp_path, {})
    assert (target.transport, target.port, target.endpoint) == (transport, port, endpoint)
