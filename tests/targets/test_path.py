import json

import pytest

from harness.errors import TargetError
from harness.targets import parse_target
from tests.conftest import REPO


def test_a_node_project_is_started_by_the_bin_named_like_it():
    target = parse_target(f"path:{REPO / 'tests/fixtures/servers/node-echo'}", ["--x"])
    assert (target.kind, target.runtime, target.command, target.args) == (
        "path",
        "node",
        ("node", "bin/server.js"),
        ("--x",),
    )


def test_a_python_project_is_started_by_its_console_script():
    target = parse_target(str(REPO / "tests/fixtures/servers/python-echo"))
    assert (target.kind, target.runtime, target.command, target.name) == (
        "path",
        "python",
        ("python-echo",),
        "python-echo",
    )


def test_a_scenario_toml_wins_over_the_project_files():
    target = parse_target(f"path:{REPO / 'tests/fixtures/servers/python-notes'}")
    assert (target.kind, target.command) == ("scenario", ("python3", "server.py"))


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"package.json": {"name": "a", "main": "./lib/main.js"}}, ("node", "lib/main.js")),
        ({"package.json": {"name": "a", "bin": "cli.js"}}, ("node", "cli.js")),
        ({"package.json": {"name": "a"}, "index.js": ""}, ("node", "index.js")),
        ({"requirements.txt": "mcp\n", "server.py": ""}, ("python3", "server.py")),
        (
            {"pyproject.toml": '[tool.poetry]\nname = "b"\n[tool.poetry.scripts]\nb-serve = "b:main"\n'},
            ("b-serve",),
        ),
    ],
)
def test_entries_are_read_the_way_npx_and_pip_read_them(tmp_path, files, expected):
    for name, content in files.items():
        (tmp_path / name).write_text(content if isinstance(content, str) else json.dumps(content))
    assert parse_target(str(tmp_path)).command == expected


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "cannot tell how to run it"),
        ({"package.json": "{broken"}, "not valid JSON"),
        ({"package.json": "[]"}, "not a JSON object"),
        ({"package.json": '{"name": "x"}'}, "no bin or main"),
        ({"pyproject.toml": "[project"}, "not valid TOML"),
        ({"requirements.txt": "mcp\n"}, "no console script"),
    ],
)
def test_projects_that_say_nothing_runnable_are_one_clear_error(tmp_path, files, message):
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    with pytest.raises(TargetError, match=message):
        parse_target(f"path:{tmp_path}")
