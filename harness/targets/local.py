"""A local project directory with a ``scenario.toml`` describing how to run it.

``scenario.toml`` is untrusted text, so it is validated with pydantic and every
problem becomes one :class:`ManifestError` naming the file, the line and the field.
Besides the server, a scenario of the corpus states what it reproduces (``[taxonomy]``)
and what an audit of it must show (``[expect]``); the corpus runner reads both through
:func:`read_manifest`, the sandbox only the server.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.errors import ManifestError, TargetError
from harness.model import TargetSpec
from harness.targets.transport import with_transport

MANIFEST = "scenario.toml"


class _Server(BaseModel):
    model_config = ConfigDict(extra="forbid")
    runtime: Literal["node", "python"]
    command: list[str] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    transport: str = "stdio"
    port: int | None = None
    endpoint: str | None = None


Category = Literal["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11", "A12"]
_RELATIVE_DIR = r"^[A-Za-z0-9._/-]+$"


class Taxonomy(BaseModel):
    """Where a scenario sits in the attack taxonomy (shared/DOMAIN.md) and what it reproduces."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    category: Category
    """A1..A12; an honest twin carries the category of the attack it answers."""
    source: str = Field(min_length=1)
    """The public case or paper the scenario reproduces."""
    role: Literal["attack", "honest"] = "attack"
    """``honest``: the twin a naive detector would cry wolf at; it must stay clean."""
    through_model: bool = False
    """The harm happens only if a model acts on the text: the expectation is the metadata/output finding."""
    twin: str | None = Field(default=None, pattern=_RELATIVE_DIR)
    """The honest twin's directory, relative to this one."""


class Expect(BaseModel):
    """What an audit of the scenario must show."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    hosts: list[str] = Field(default_factory=list)
    """Services the server is meant to talk to."""
    findings: list[str] | None = None
    """Exactly the finding kinds an audit must produce (None: not declared)."""
    drift_from: str | None = Field(default=None, pattern=_RELATIVE_DIR)
    """An earlier release of the same server (directory, relative to this one) to ``compare`` against."""
    drift: list[str] = Field(default_factory=list)
    """The drift lines ``compare drift_from this`` must print, each given by its start; no other."""

    @model_validator(mode="after")
    def _drift_needs_a_baseline(self) -> Expect:
        if self.drift and self.drift_from is None:
            raise ValueError("drift lines need drift_from, the release they drift from")
        return self


class Manifest(BaseModel):
    """A whole ``scenario.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    taxonomy: Taxonomy | None = None
    server: _Server
    expect: Expect = Field(default_factory=Expect)


def _key_path(header: tuple[str, ...], line: str) -> tuple[str, ...] | None:
    """The dotted key a ``key = value`` line sets under the current table, if it is one."""
    match = re.match(r"\s*([A-Za-z0-9_.\"' -]+?)\s*=", line)
    if not match:
        return None
    return header + tuple(part.strip().strip("\"'") for part in match.group(1).split("."))


def line_of(text: str, field: Sequence[str | int]) -> int:
    """The 1-based line that sets ``field`` (or the closest enclosing table); 1 when none does."""
    wanted = tuple(str(part) for part in field if isinstance(part, str))
    header: tuple[str, ...] = ()
    best, best_len = 1, 0
    for number, line in enumerate(text.splitlines(), start=1):
        table = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
        if table:
            header = tuple(part.strip().strip("\"'") for part in table.group(1).split("."))
            path: tuple[str, ...] | None = header
        else:
            path = _key_path(header, line)
        if path is None:
            continue
        common = next((i for i, (a, b) in enumerate(zip(path, wanted, strict=False)) if a != b), None)
        length = min(len(path), len(wanted)) if common is None else common
        if length > best_len and length == min(len(path), len(wanted)):
            best, best_len = number, length
    return best


def _relative_dirs(root: Path, manifest: Manifest) -> list[tuple[tuple[str, ...], str]]:
    pointers = [(("expect", "drift_from"), manifest.expect.drift_from)]
    if manifest.taxonomy is not None:
        pointers.append((("taxonomy", "twin"), manifest.taxonomy.twin))
    return [(field, value) for field, value in pointers if value and not (root / value / MANIFEST).is_file()]


def read_manifest(directory: str | Path) -> Manifest:
    """Read and validate ``DIR/scenario.toml``; any problem is a ManifestError with file, line and field."""
    root = Path(directory)
    if not root.is_dir():
        raise TargetError(f"target directory not found: {root}")
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise TargetError(f"{root} has no {MANIFEST} describing how to run the server")
    where = str(manifest_path)
    try:
        text = manifest_path.read_text(encoding="utf-8")
        manifest = Manifest.model_validate(tomllib.loads(text))
    except UnicodeDecodeError as exc:
        raise ManifestError(where, 1, "(file)", f"not valid TOML: not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else max(1, len(text.splitlines()))  # "at end of document"
        raise ManifestError(where, line, "(file)", f"not valid TOML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ManifestError(where, line_of(text, first["loc"]), field, first["msg"]) from None
    for key, value in _relative_dirs(root, manifest):
        raise ManifestError(where, line_of(text, key), ".".join(key), f"{value} holds no {MANIFEST}")
    return manifest


def load_target(directory: str | Path) -> TargetSpec:
    """Read ``DIR/scenario.toml`` into a TargetSpec; raise TargetError with the reason on any problem."""
    root = Path(directory)
    manifest = read_manifest(root)
    manifest_path = root / MANIFEST
    target = TargetSpec(
        name=manifest.name,
        source_dir=str(root.resolve()),
        runtime=manifest.server.runtime,
        command=tuple(manifest.server.command),
        env=tuple(manifest.server.env.items()),
        expected_hosts=tuple(h.lower() for h in manifest.expect.hosts),
        expected_findings=None if manifest.expect.findings is None else tuple(manifest.expect.findings),
    )
    try:
        return with_transport(
            target, manifest.server.transport, manifest.server.port, manifest.server.endpoint
        )
    except TargetError as exc:
        line = line_of(manifest_path.read_text(encoding="utf-8"), ("server", "transport"))
        raise ManifestError(str(manifest_path), line, "server", str(exc)) from None
