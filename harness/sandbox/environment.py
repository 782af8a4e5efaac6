"""The server's environment: declared values, with placeholders turned into per-run canaries.

``${secret}`` becomes a canary credential (the token may go only to the
target's declared service hosts); ``${email}`` a canary mailbox. Nothing here
names the harness: the server reads these like any deployment's settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.canary import CanaryFactory


@dataclass
class ServerEnvironment:
    env: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)
    """Canary token -> where it was planted (``env NAME``)."""
    secrets: list[str] = field(default_factory=list)
    """The credential values themselves (the fake services accept them)."""


def server_environment(declared: Iterable[tuple[str, str]], canaries: CanaryFactory) -> ServerEnvironment:
    """Substitute the placeholders of the declared environment with this run's canaries."""
    out = ServerEnvironment()
    for name, value in declared:
        while "${secret}" in value:
            before = len(canaries.tokens)
            secret = canaries.secret()
            out.credentials.update(dict.fromkeys(canaries.tokens[before:], f"env {name}"))
            out.secrets.append(secret)
            value = value.replace("${secret}", secret, 1)
        while "${email}" in value:
            value = value.replace("${email}", canaries.email(), 1)
        out.env[name] = value
    return out
