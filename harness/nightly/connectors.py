"""The connectors a nightly job audits, read from the file a team already keeps.

Two forms are accepted:

- an MCP client config (``mcpServers``, VS Code ``servers``): every server in it is a connector,
  and its approved run is looked up as ``BASELINES/<server>`` when a baselines folder is given;
- a ``connectors.toml`` listing targets with their approved runs::

      [[connector]]
      name = "postmark"                      # optional; defaults to a label of the target
      target = "npm:postmark-mcp@1.0.15"     # anything ``mcp-harness audit`` takes
      baseline = "approved/postmark"        # the approved run (directory or report.json)
      args = ["--env", "DEFAULT_SENDER_EMAIL=ops@example.com"]

Both are untrusted text: the TOML form is validated with pydantic, and every problem becomes
one :class:`TargetError` naming the file and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import TargetError
from harness.targets.config import read_config

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


@dataclass(frozen=True)
class Connector:
    """One server to audit tonight, and what to compare it with."""

    name: str
    """Unique within the file; names the run's folder."""
    audit_args: tuple[str, ...]
    """What follows ``mcp-harness audit`` to select the server: a target, or ``--config F --server N``."""
    baseline: Path | None
    """The approved run, or None when the connector has none yet."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, pattern=_NAME)
    target: str = Field(min_length=1)
    baseline: str | None = None
    args: list[str] = Field(default_factory=list)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connector: list[_Entry] = Field(min_length=1)


def _label(target: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", target.rsplit("/", 1)[-1] or target).strip("-.")[:64] or "server"


def _from_toml(path: Path) -> list[Connector]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = _File.model_validate(raw).connector
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"cannot read connectors file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TargetError(f"{path}: {where}: {first['msg']}") from None
    found = []
    for entry in entries:
        baseline = (path.parent / entry.baseline) if entry.baseline else None
        target = entry.target
        if not re.match(r"^[a-z]+:", target) and (path.parent / target).exists():
            target = str(path.parent / target)  # a folder named relative to the file
        found.append(Connector(entry.name or _label(entry.target), (target, *entry.args), baseline))
    return found


def _from_config(path: Path, baselines: Path | None) -> list[Connector]:
    found = []
    for server in read_config(path):
        if not re.match(_NAME, server):
            raise TargetError(f"{path}: server name {server[:64]!r} cannot name a run folder")
        baseline = baselines / server if baselines is not None else None
        found.append(Connector(server, ("--config", str(path), "--server", server), baseline))
    return found


def read_connectors(path: Path, baselines: Path | None = None) -> list[Connector]:
    """Connectors of ``path`` (TOML list or client config), each name once; TargetError on bad input."""
    if not path.is_file():
        raise TargetError(f"connectors file not found: {path}")
    try:
        head = path.read_text(encoding="utf-8", errors="replace").lstrip()[:1]
    except OSError as exc:
        raise TargetError(f"cannot read connectors file {path}: {exc.strerror}") from None
    connectors = _from_config(path, baselines) if head in ("{", "/") else _from_toml(path)
    if baselines is not None:
        connectors = [
            c if c.baseline is not None else Connector(c.name, c.audit_args, baselines / c.name)
            for c in connectors
        ]
    names = [c.name for c in connectors]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise TargetError(f"{path}: connector names must be unique; repeated: {', '.join(dupes)}")
    return connectors
