"""A local project directory with a ``scenario.toml`` describing how to run it.

``scenario.toml`` is untrusted text, so it is validated with pydantic and every
problem becomes one clear :class:`TargetError`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import TargetError
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


class _Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hosts: list[str] = Field(default_factory=list)
    findings: list[str] | None = None


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: str = ""
    server: _Server
    expect: _Expect = Field(default_factory=_Expect)


def load_target(directory: str | Path) -> TargetSpec:
    """Read ``DIR/scenario.toml`` into a TargetSpec; raise TargetError with the reason on any problem."""
    root = Path(directory)
    if not root.is_dir():
        raise TargetError(f"target directory not found: {root}")
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise TargetError(f"{root} has no {MANIFEST} describing how to run the server")
    try:
        raw = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = _Manifest.model_validate(raw)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TargetError(f"{manifest_path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise TargetError(f"{manifest_path}: {where}: {first['msg']}") from None
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
        raise TargetError(f"{manifest_path}: server: {exc}") from None
