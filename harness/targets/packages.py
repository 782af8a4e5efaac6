"""Registry targets: ``npm:NAME[@VERSION]``, ``pypi:NAME[==VERSION]``, ``docker:IMAGE``.

Versions are resolved to an exact one here, with the ordinary registry clients, so the
install cache is keyed by what will really be installed; a package or version that does
not exist is a one-line TargetError.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence

from harness.errors import TargetError
from harness.model import TargetSpec

_NPM_NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*$")
_PYPI_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TIMEOUT = 120


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TargetError(f"cannot ask the registry ({argv[0]}): {exc}") from None


def _last_error_line(text: str) -> str:
    """The registry's own reason: its first error line, not the pointer to a log file."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and "warn" not in ln.lower()]
    reasons = [ln for ln in lines if "log of this run" not in ln]
    return (reasons or lines or ["no answer"])[0][:200]


def resolve_npm(name: str, wanted: str | None) -> str:
    """The exact version npm would install for ``name@wanted`` (asked twice: registries hiccup)."""
    argv = ["npm", "view", f"{name}@{wanted or 'latest'}", "version", "--json"]
    proc = _run(argv)
    if proc.returncode != 0 and "E404" not in proc.stderr:
        proc = _run(argv)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise TargetError(
            f"npm package {name}@{wanted or 'latest'} not found: {_last_error_line(proc.stderr)}"
        )
    try:
        found = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise TargetError(
            f"npm gave no version for {name}@{wanted or 'latest'}: {proc.stdout.strip()[:120]!r}"
        ) from None
    return str(found[-1] if isinstance(found, list) else found)


def resolve_pypi(name: str, wanted: str | None) -> str:
    """The exact version pip would install for ``name==wanted`` (or the newest)."""
    proc = _run([sys.executable, "-m", "pip", "index", "versions", name])
    match = re.search(r"Available versions: (.+)", proc.stdout)
    if proc.returncode != 0 or match is None:
        raise TargetError(f"PyPI package {name} not found: {_last_error_line(proc.stderr)}")
    versions = [v.strip() for v in match.group(1).split(",")]
    if wanted is None:
        return versions[0]
    if wanted not in versions:
        raise TargetError(f"PyPI package {name} has no version {wanted}")
    return wanted


def package_target(spec: str, args: Sequence[str] = ()) -> TargetSpec:
    """Parse and resolve one ``npm:``, ``pypi:`` or ``docker:`` spec."""
    scheme, _, rest = spec.partition(":")
    if scheme == "npm":
        name, _, wanted = rest[1:].partition("@") if rest.startswith("@") else rest.partition("@")
        name = "@" + name if rest.startswith("@") else name
        if not _NPM_NAME.match(name):
            raise TargetError(f"not an npm package name: {name!r}")
        version = resolve_npm(name, wanted or None)
        return _spec("npm", name, version, "node", args)
    if scheme == "pypi":
        name, _, wanted = rest.partition("==")
        if not _PYPI_NAME.match(name):
            raise TargetError(f"not a PyPI package name: {name!r}")
        return _spec("pypi", name, resolve_pypi(name, wanted or None), "python", args)
    if scheme == "docker":
        if not rest:
            raise TargetError("docker: needs an image reference")
        return _spec("docker", rest, None, "image", args)
    raise TargetError(f"unknown target scheme {scheme!r}: use npm:, pypi:, docker:, path: or a directory")


def label(name: str, fallback: str = "server") -> str:
    """A package, project or server name as it may appear in a directory and an image tag."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name.lstrip("@")).strip("-.") or fallback


def _spec(kind: str, name: str, version: str | None, runtime: str, args: Sequence[str]) -> TargetSpec:
    return TargetSpec(
        name=label(name) + (f"-{version}" if version else ""),
        source_dir="",
        runtime=runtime,
        command=(),
        kind=kind,
        package=name,
        version=version,
        args=tuple(args),
    )
