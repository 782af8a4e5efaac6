"""The CI example stays true to the command line: every mcp-harness command in it parses, and the
files it uploads are the ones a --config run writes."""

from __future__ import annotations

import re
import shlex

import pytest

from harness.cli import _parser
from tests.conftest import REPO

WORKFLOW = REPO / "examples/github-actions/nightly.yml"


def _commands() -> list[list[str]]:
    found = []
    for line in WORKFLOW.read_text().splitlines():
        match = re.match(r"\s*(?:run:\s*)?(mcp-harness\s.*?)(\s*[>|#].*)?$", line)
        if match:
            found.append(shlex.split(match.group(1))[1:])
    return found


def test_the_nightly_example_audits_a_config_compares_with_the_approved_runs_and_uploads_sarif():
    commands = {argv[0] for argv in _commands() if not argv[0].startswith("-")}
    assert {"audit", "compare", "images"} <= commands
    text = WORKFLOW.read_text()
    assert "upload-sarif" in text and "sarif_file: mcp-run/report.sarif" in text
    assert "schedule:" in text and "security-events: write" in text


@pytest.mark.parametrize("argv", _commands(), ids=lambda argv: " ".join(argv))
def test_every_command_in_the_example_parses(argv):
    if argv == ["--version"]:
        with pytest.raises(SystemExit) as exited:
            _parser().parse_args(argv)
        assert exited.value.code == 0
        return
    args = _parser().parse_args(argv)
    if args.command == "audit":
        assert args.config is not None and args.policy is not None and str(args.out) == "mcp-run"
