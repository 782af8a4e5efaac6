import json

import pytest

from harness.errors import TargetError
from harness.nightly.connectors import read_connectors


def test_a_connectors_toml_yields_targets_with_baselines_relative_to_the_file(tmp_path):
    (tmp_path / "servers" / "mine").mkdir(parents=True)
    path = tmp_path / "connectors.toml"
    path.write_text(
        '[[connector]]\nname = "mail"\ntarget = "npm:postmark-mcp@1.0.15"\nbaseline = "approved/mail"\n'
        'args = ["--env", "A=b"]\n\n[[connector]]\ntarget = "servers/mine"\n'
    )
    mail, mine = read_connectors(path)
    assert (mail.name, mail.audit_args, mail.baseline) == (
        "mail",
        ("npm:postmark-mcp@1.0.15", "--env", "A=b"),
        tmp_path / "approved/mail",
    )
    assert (mine.name, mine.audit_args, mine.baseline) == ("mine", (str(tmp_path / "servers/mine"),), None)


def test_a_client_config_makes_every_server_a_connector_with_its_baseline_by_name(tmp_path):
    path = tmp_path / "claude.json"
    path.write_text(json.dumps({"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}))
    [time] = read_connectors(path, baselines=tmp_path / "approved")
    assert time.audit_args == ("--config", str(path), "--server", "time")
    assert time.baseline == tmp_path / "approved" / "time"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[connector]]\nname = 'x'\n", r"connector\.0\.target: Field required"),
        ("[[connector]]\ntarget = 'a'\nbogus = 1\n", r"connector\.0\.bogus"),
        ("[[connector]]\nname = '../up'\ntarget = 'a'\n", r"connector\.0\.name"),
        ("connector = [", "not valid TOML"),
        ("[[connector]]\nname='a'\ntarget='x'\n[[connector]]\nname='a'\ntarget='y'\n", "repeated: a"),
    ],
)
def test_a_malformed_connectors_file_is_one_error_naming_the_field(tmp_path, text, message):
    path = tmp_path / "connectors.toml"
    path.write_text(text)
    with pytest.raises(TargetError, match=message):
        read_connectors(path)


def test_a_missing_connectors_file_is_a_clear_error(tmp_path):
    with pytest.raises(TargetError, match="not found"):
        read_connectors(tmp_path / "nope.toml")
