"""Target resolution: turn what the user named into a :class:`harness.model.TargetSpec`.

``npm:``, ``pypi:`` and ``docker:`` name registry packages and local images; ``path:DIR``
or a bare directory names a project holding a ``scenario.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.model import TargetSpec
from harness.targets.local import load_target
from harness.targets.packages import package_target


def parse_target(spec: str, args: Sequence[str] = ()) -> TargetSpec:
    """One target from its command-line spelling; raises TargetError with the reason."""
    scheme, sep, rest = spec.partition(":")
    if sep and scheme in ("npm", "pypi", "docker"):
        return package_target(spec, args)
    if sep and scheme == "path":
        return load_target(rest)
    if sep and len(scheme) > 1 and "/" not in scheme:
        return package_target(spec, args)  # an unknown scheme: let it say which ones exist
    return load_target(spec)


__all__ = ["load_target", "parse_target"]
