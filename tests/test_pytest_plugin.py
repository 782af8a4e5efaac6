"""The pytest plugin as a researcher meets it: scenarios collected as items, readable failures,
the ``audit`` fixture, and no scenario run twice by the project's own ``pytest``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.corpus import discover
from tests.conftest import REPO


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,
        check=False,
    )


def test_pytest_scenarios_collects_every_scenario_once_and_the_default_run_none_twice():
    corpus = _pytest("scenarios", "--collect-only", "-q", cwd=REPO)
    items = [line for line in corpus.stdout.splitlines() if "scenario.toml::" in line]
    assert len(items) == len(discover(REPO / "scenarios")) > 24, corpus.stdout
    assert "scenarios/postmark/malicious/scenario.toml::malicious" in items
    default = _pytest("--collect-only", "-q", cwd=REPO)
    # testpaths = tests; the servers tests start themselves state no [taxonomy] and are no items
    assert "scenario.toml::" not in default.stdout
    assert (
        "tests/test_scenarios.py::test_scenario_produces_exactly_its_declared_findings[tool-poisoning]"
        in (default.stdout)
    )


def test_a_malformed_scenario_fails_its_item_with_file_line_and_field(tmp_path):
    case = tmp_path / "broken"
    shutil.copytree(REPO / "scenarios/tool-poisoning", case, ignore=shutil.ignore_patterns("node_modules"))
    manifest = case / "scenario.toml"
    manifest.write_text(manifest.read_text().replace('category = "A4"', 'category = "A44"'))
    proc = _pytest(str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1
    assert f"{manifest}:4: taxonomy.category: Input should be 'A1'" in proc.stdout, proc.stdout


@pytest.mark.docker
def test_a_wrong_expectation_fails_readably_and_the_audit_fixture_serves_researchers(tmp_path):
    case = tmp_path / "copied"
    shutil.copytree(REPO / "scenarios/tool-poisoning", case, ignore=shutil.ignore_patterns("node_modules"))
    manifest = case / "scenario.toml"
    manifest.write_text(
        manifest.read_text().replace('findings = ["tool_poisoning"]', 'findings = ["output_injection"]')
    )
    manifest.write_text(manifest.read_text().replace('twin = "../ssh-helper-honest"\n', ""))
    (tmp_path / "test_mine.py").write_text(
        "def test_poisoned_description_is_found(audit):\n"
        f"    result = audit({str(case)!r})\n"
        "    assert result.kinds() == ['tool_poisoning'] and result.code == 1\n"
    )
    proc = _pytest(str(tmp_path), "-rA", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 1 passed" in proc.stdout
    assert "scenario copied does not reproduce:" in proc.stdout
    assert "expected findings [output_injection], observed [tool_poisoning]" in proc.stdout
    assert "missing: output_injection" in proc.stdout
    assert "unexpected: tool_poisoning: The tool 'add' asks for credentials" in proc.stdout
