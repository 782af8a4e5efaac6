import pytest

from harness.errors import TargetError
from harness.targets import load_target

GOOD = """
name = "demo-server"
[server]
runtime = "node"
command = ["node", "index.js"]
[server.env]
TOKEN = "${secret}"
[expect]
hosts = ["API.Example.com"]
findings = ["unexpected_recipient"]
"""


def test_a_valid_scenario_becomes_a_target(tmp_path):
    (tmp_path / "scenario.toml").write_text(GOOD)
    target = load_target(tmp_path)
    assert target.name == "demo-server"
    assert target.command == ("node", "index.js")
    assert target.env == (("TOKEN", "${secret}"),)
    assert target.expected_hosts == ("api.example.com",)
    assert target.expected_findings == ("unexpected_recipient",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\n[server]\nruntime = 'node'\n", "server.command"),
        ("name = 'x'\n[server]\nruntime = 'cobol'\ncommand = ['a']\n", "server.runtime"),
        ("name = 'x'\n[server\n", "not valid TOML"),
        ("name = '../x'\n[server]\nruntime = 'node'\ncommand = ['a']\n", "name"),
        ("name = 'x'\nsurprise = 1\n[server]\nruntime = 'node'\ncommand = ['a']\n", "surprise"),
        ("name = 'x'\n[server]\nruntime = 'node'\ncommand = ['a']\ntransport = 'http'\n", "server: .*port"),
    ],
)
def test_a_malformed_scenario_is_one_clear_error(tmp_path, text, message):
    (tmp_path / "scenario.toml").write_text(text)
    with pytest.raises(TargetError, match=message):
        load_target(tmp_path)


def test_missing_directory_and_missing_manifest_are_clear_errors(tmp_path):
    with pytest.raises(TargetError, match="not found"):
        load_target(tmp_path / "nope")
    with pytest.raises(TargetError, match="no scenario.toml"):
        load_target(tmp_path)


def test_a_scenario_can_declare_an_http_server(tmp_path):
    (tmp_path / "scenario.toml").write_text(
        GOOD.replace("[server.env]", 'transport = "sse"\nport = 8080\n[server.env]')
    )
    target = load_target(tmp_path)
    assert (target.transport, target.port, target.endpoint) == ("sse", 8080, "/sse")
