"""Shared test plumbing. The Docker marker policy, the ``audit`` fixture and the container
check live in the project's pytest plugin (``harness/pytest_plugin.py``), so researchers'
tests and ours use one implementation; this module re-exports the helpers tests import.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.corpus.audit import Run
from harness.corpus.audit import run_cli as _run_cli
from harness.pytest_plugin import labelled_containers, unique_dir

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``mcp-harness ARGS`` from the repository root."""
    return _run_cli(*args, timeout=timeout, cwd=REPO)


__all__ = ["REPO", "Run", "labelled_containers", "run_cli", "unique_dir"]
