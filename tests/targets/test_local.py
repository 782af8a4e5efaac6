import pytest

from harness.errors import ManifestError, TargetError
from harness.targets import load_target
from harness.targets.local import read_manifest

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


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (
            "name = 'x'\n[server]\nruntime = 'node'\ncommand = ['a']\n[taxonomy]\ncategory = 'A0'\n",
            6,
            "taxonomy.category",
        ),
        (
            "name = 'x'\n[taxonomy]\ncategory = 'A1'\n[server]\nruntime = 'node'\ncommand = ['a']\n",
            2,
            "taxonomy.source",
        ),
        (
            "name = 'x'\n[server]\nruntime = 'node'\ncommand = ['a']\n[expect]\nfindings = [\n  1,\n]\n",
            6,
            "expect.findings.0",
        ),
        (
            "name = 'x'\n[server]\nruntime = 'node'\ncommand = ['a']\n[expect]\ndrift = ['+ finding x']\n",
            5,
            "expect",
        ),
        (
            "name = 'x'\n[server]\nruntime = 'node'\ncommand = ['a']\n[expect]\ndrift_from = '../gone'\n",
            6,
            "expect.drift_from",
        ),
        ("name = 'x'\n\n[server]\nruntime = 'node'\ncommand = ['a'\n", 5, "(file)"),
    ],
)
def test_a_malformed_scenario_names_its_file_line_and_field(tmp_path, text, line, field):
    (tmp_path / "scenario.toml").write_text(text)
    with pytest.raises(ManifestError) as caught:
        load_target(tmp_path)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(tmp_path / "scenario.toml"), line, field)
    assert str(error).startswith(f"{tmp_path / 'scenario.toml'}:{line}: {field}: ")


def test_a_corpus_scenario_states_its_category_source_twin_and_drift(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "scenario.toml").write_text(GOOD)
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "scenario.toml").write_text(
        GOOD.replace(
            "[server]\n",
            '[taxonomy]\ncategory = "A5"\nsource = "postmark-mcp 1.0.16"\ntwin = "../old"\n[server]\n',
        )
        + 'drift_from = "../old"\ndrift = ["+ finding unexpected_recipient"]\n'
    )
    manifest = read_manifest(tmp_path / "new")
    assert manifest.taxonomy is not None
    assert (manifest.taxonomy.category, manifest.taxonomy.role, manifest.taxonomy.twin) == (
        "A5",
        "attack",
        "../old",
    )
    assert (manifest.expect.drift_from, manifest.expect.drift) == (
        "../old",
        ["+ finding unexpected_recipient"],
    )
