"""Dependencies declared as used: what harness/ imports is declared, what is declared is imported."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PLUGIN = REPO / "harness" / "pytest_plugin.py"
"""Loaded only by pytest (a ``pytest11`` entry point): its imports are the ``pytest`` extra's."""


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported(paths: list[Path] | None = None) -> set[str]:
    modules: set[str] = set()
    for path in paths if paths is not None else [p for p in (REPO / "harness").rglob("*.py") if p != PLUGIN]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m != "harness"}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    owners = packages_distributions()
    return {m: {_name(d) for d in owners.get(m, [])} for m in modules}


def test_every_third_party_module_the_runtime_imports_is_a_declared_dependency():
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    undeclared = {m: d for m, d in _distributions(_imported()).items() if not d & declared}
    assert undeclared == {}


def test_the_pytest_plugin_needs_only_the_runtime_and_its_own_extra():
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    declared |= {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["pytest"]}
    undeclared = {m: d for m, d in _distributions(_imported([PLUGIN])).items() if not d & declared}
    assert undeclared == {}


def test_every_declared_dependency_is_imported_by_the_runtime():
    used = set().union(*_distributions(_imported()).values())
    unused = {_name(r) for r in PYPROJECT["project"]["dependencies"]} - used
    assert unused == set()


def test_tools_only_the_tests_use_are_dev_dependencies_and_unused_ones_are_gone():
    dev = {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    assert "httpx" in dev and "jsonschema" in dev and "trustme" not in dev
