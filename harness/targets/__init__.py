"""Target resolution: turn what the user named into a :class:`harness.model.TargetSpec`.

``npm:``, ``pypi:`` and ``docker:`` name registry packages and local images; ``path:DIR``
or a bare directory names a local project (a ``scenario.toml``, or Node / Python files).
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.model import TargetSpec
from harness.targets.local import load_target
from harness.targets.packages import package_target
from harness.targets.path import path_target


def parse_target(spec: str, args: Sequence[str] = ()) -> TargetSpec:
    """One target from its command-line spelling; raises TargetError with the reason."""
    scheme, sep, rest = spec.partition(":")
    if sep and scheme in ("npm", "pypi", "docker"):
        return package_target(spec, args)
    if sep and scheme == "path":
        return path_target(rest, args)
    if sep and len(scheme) > 1 and "/" not in scheme:
        return package_target(spec, args)  # an unknown scheme: let it say which ones exist
    return path_target(spec, args)


__all__ = ["load_target", "parse_target"]
