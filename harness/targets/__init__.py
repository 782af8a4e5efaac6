"""Target resolution: turn what the user named into a :class:`harness.model.TargetSpec`."""

from harness.targets.local import load_target

__all__ = ["load_target"]
