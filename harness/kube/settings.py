"""``--backend kubernetes`` settings, apart from the client so that naming a cluster costs no import
of it (every audit imports the pipeline; only cluster runs need the client)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.errors import SandboxError

_REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
"""A registry host (with port) and optional repository prefix, as image references spell them."""


@dataclass(frozen=True)
class KubeSettings:
    """Where ``--backend kubernetes`` runs each audit."""

    registry: str
    """Registry (and prefix) the cluster pulls sandbox images from, e.g. ``registry.example/audits``."""
    namespace: str = "default"
    context: str | None = None
    """A context of the kubeconfig; None: its current one."""
    pull_secret: str | None = None
    """An image pull secret in ``namespace``, for a private registry."""
    ready_timeout: float = 300.0
    """Seconds for the pod to be scheduled, pull its images and start the server."""
    collect_timeout: float = 120.0
    """Seconds for the server to end and the gateway to hand back the run's data."""

    def __post_init__(self) -> None:
        if not _REGISTRY.match(self.registry):
            raise SandboxError(
                f"--registry {self.registry!r} is not a registry reference"
                " (e.g. registry.example:5000/audits)"
            )
