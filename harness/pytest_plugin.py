"""pytest plugin (entry point ``pytest11``): scenarios as test items, and the ``audit`` fixture.

- ``pytest scenarios/`` collects every ``scenario.toml`` that states its ``[taxonomy]`` as one
  item that audits the server for real and holds it to its ``[expect]`` table (findings, exit
  code, drift); a malformed file fails its item with the file, line and field.
- ``audit(target, *cli_args)`` runs ``mcp-harness audit`` into a fresh directory and returns a
  :class:`~harness.corpus.Run` (``.code``, ``.report``, ``.kinds()``, ``.out``); afterwards no
  container of that run may remain.
- Items marked ``docker`` need an engine: without one they skip, unless ``CI`` is set, when
  they fail (CI must never go green by skipping the integration tests).

Every audit has its own run directory, and run ids start with its name, so items and tests
may run in parallel (pytest-xdist) and each checks only its own containers.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.corpus.audit import Run, audit_to
from harness.corpus.cases import is_corpus_case
from harness.corpus.expect import verify
from harness.errors import TargetError
from harness.targets.local import MANIFEST, read_manifest

_ENGINE = pytest.StashKey[bool]()
_RUNS = pytest.StashKey[dict[Path, Run]]()


def _engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=10).ping()
    except Exception:
        return False
    return True


def labelled_containers(run_prefix: str = "") -> list[str]:
    """Sandbox containers (gateway or server) still present whose run id starts with ``run_prefix``.

    Run ids start with the run directory's name, so a test checks its own runs only and is
    not confused by other audits on the same engine (parallel workers, other users).
    """
    import docker

    # sparse: names and labels come with the listing itself; inspecting each container after it
    # would race with any run removing one in between (NotFound)
    found = docker.from_env().containers.list(all=True, sparse=True, filters={"label": "mcp-harness.role"})
    return [
        str(c.attrs["Names"][0]).lstrip("/")
        for c in found
        if str((c.attrs.get("Labels") or {}).get("mcp-harness", "")).startswith(run_prefix)
    ]


def unique_dir(parent: Path, stem: str) -> Path:
    """A path under ``parent`` no other run will choose (the directory itself is not created)."""
    return parent / f"{stem}-{secrets.token_hex(4)}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "docker: needs a Docker engine and the sandbox images (skipped without one unless CI is set)",
    )
    config.stash[_RUNS] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("docker") for item in items):
        return
    config.stash[_ENGINE] = _engine_answers()
    if config.stash[_ENGINE] or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="no Docker engine answers (set CI=1 to make this a failure)")
    for item in items:
        if item.get_closest_marker("docker"):
            item.add_marker(skip)


def pytest_runtest_setup(item: pytest.Item) -> None:
    engine = item.config.stash.get(_ENGINE, True)
    if item.get_closest_marker("docker") and os.environ.get("CI") and not engine:
        pytest.fail("CI is set but no Docker engine answers: integration tests must run in CI")


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[Callable[..., Run]]:
    """Run ``mcp-harness audit`` for real; afterwards, no labelled container of its runs may remain."""
    outs: list[Path] = []

    def _audit(target: str | Path, *extra: str) -> Run:
        out = unique_dir(tmp_path, "run")
        outs.append(out)
        return audit_to(target, out, *extra)

    yield _audit
    for out in outs:
        assert labelled_containers(out.name) == [], f"run {out.name} left containers behind"


class ScenarioFailed(Exception):
    """A scenario that does not reproduce; the message is the whole explanation."""


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A ``scenario.toml`` with a ``[taxonomy]`` table is a corpus case; one without is a server
    that tests start themselves (fixtures), not an item."""
    if file_path.name == MANIFEST and is_corpus_case(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        item = ScenarioItem.from_parent(self, name=self.path.parent.name)
        try:
            read_manifest(self.path.parent)
        except TargetError:
            pass  # fails in runtest with file, line and field, engine or not
        else:
            item.add_marker(pytest.mark.docker)
        yield item


class ScenarioItem(pytest.Item):
    """Audit one scenario and hold it to its ``scenario.toml``."""

    def _audit(self, directory: Path) -> Run:
        runs = self.config.stash[_RUNS]  # a drift baseline audited once per worker
        if directory not in runs:
            base = Path(tempfile.mkdtemp(prefix="mcp-scenario-"))
            runs[directory] = audit_to(directory, unique_dir(base, "run"))
            leftover = labelled_containers(runs[directory].out.name)
            assert leftover == [], f"run {runs[directory].out} left containers behind: {leftover}"
        return runs[directory]

    def runtest(self) -> None:
        verdict = verify(self.path.parent, self._audit, self.config.rootpath)
        if not verdict.passed:
            raise ScenarioFailed(verdict.explain())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.path.parent.name}"
