"""``path:DIR`` (or a bare directory): a local server project.

A directory with a ``scenario.toml`` runs exactly as that file declares. Any other
directory says what it is through its own files, the way ``npx`` and ``pip`` would read
them: ``package.json`` makes a Node project started by its ``bin`` (the one named like the
package, else the first), else its ``main``, else ``index.js``; ``pyproject.toml``,
``setup.py`` or ``requirements.txt`` a Python project started by its console script (named
like the project, else the first), else by a top-level ``server.py``, ``main.py`` or
``app.py``. Both manifests are untrusted text: anything unreadable is one TargetError.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.errors import TargetError
from harness.model import TargetSpec
from harness.targets.local import MANIFEST, load_target
from harness.targets.packages import label

_PYTHON_MARKERS = ("pyproject.toml", "setup.py", "requirements.txt")
_PYTHON_SCRIPTS = ("server.py", "main.py", "app.py")


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-").rsplit("/", 1)[-1]


def _named_like(names: Sequence[str], wanted: str) -> str | None:
    """The entry named like the package (scope and case aside), else the first, else None."""
    return next((n for n in names if _normal(n) == _normal(wanted)), names[0] if names else None)


def _manifest(path: Path, parse: Any, what: str) -> Mapping[str, Any]:
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # JSON and TOML errors are ValueErrors
        raise TargetError(f"{path}: not valid {what}: {exc}") from None
    if not isinstance(data, dict):
        raise TargetError(f"{path}: not a {what} object")
    return data


def _node_entry(root: Path, manifest: Mapping[str, Any]) -> tuple[str, ...]:
    bins = manifest.get("bin")
    if isinstance(bins, str) and bins:
        return ("node", bins.removeprefix("./"))
    if isinstance(bins, dict) and bins:
        chosen = _named_like([str(k) for k in bins], str(manifest.get("name") or root.name))
        return ("node", str(bins[chosen]).removeprefix("./"))
    main = manifest.get("main")
    if isinstance(main, str) and main:
        return ("node", main.removeprefix("./"))
    if (root / "index.js").is_file():
        return ("node", "index.js")
    raise TargetError(f"{root}/package.json names no bin or main, and there is no index.js")


def _python_entry(root: Path, pyproject: Mapping[str, Any]) -> tuple[str, ...]:
    project = pyproject.get("project") or {}
    poetry = (pyproject.get("tool") or {}).get("poetry") or {}
    scripts = [*(project.get("scripts") or {}), *(poetry.get("scripts") or {})]
    chosen = _named_like(scripts, str(project.get("name") or poetry.get("name") or root.name))
    if chosen is not None:
        return (chosen,)  # installed into the runner's virtualenv, which is on the PATH
    for script in _PYTHON_SCRIPTS:
        if (root / script).is_file():
            return ("python3", script)
    raise TargetError(f"{root}: no console script in pyproject.toml and none of {', '.join(_PYTHON_SCRIPTS)}")


def project_target(root: Path, args: Sequence[str] = ()) -> TargetSpec:
    """A Node or Python project without a scenario.toml, its runtime and entry read from its files."""
    if (root / "package.json").is_file():
        manifest = _manifest(root / "package.json", json.loads, "JSON")
        runtime, name, entry = "node", str(manifest.get("name") or root.name), _node_entry(root, manifest)
    elif any((root / marker).is_file() for marker in _PYTHON_MARKERS):
        pyproject = (
            _manifest(root / "pyproject.toml", tomllib.loads, "TOML")
            if (root / "pyproject.toml").is_file()
            else {}
        )
        name = str((pyproject.get("project") or {}).get("name") or root.name)
        runtime, entry = "python", _python_entry(root, pyproject)
    else:
        raise TargetError(
            f"{root} has no {MANIFEST}, package.json, pyproject.toml, setup.py or requirements.txt: "
            "cannot tell how to run it"
        )
    return TargetSpec(
        name=label(name),
        source_dir=str(root.resolve()),
        runtime=runtime,
        command=entry,
        kind="path",
        args=tuple(args),
    )


def path_target(directory: str | Path, args: Sequence[str] = ()) -> TargetSpec:
    """A scenario directory as it declares itself, or a project detected from its files."""
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise TargetError(f"target directory not found: {root}")
    if (root / MANIFEST).is_file():
        target = load_target(root)
        return dataclasses.replace(target, args=target.args + tuple(args))
    return project_target(root, args)
