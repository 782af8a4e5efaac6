"""The server's environment: declared values, with placeholders turned into per-run canaries.

``${secret}`` becomes a canary credential (the token may go only to the
target's declared service hosts); ``${email}`` a canary mailbox. Nothing here
names the harness: the server reads these like any deployment's settings.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable
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


_B62 = string.ascii_letters + string.digits


def _random(n: int, alphabet: str = _B62) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


_SHAPES: dict[str, Callable[[str], str]] = {
    "GITHUB_TOKEN": lambda t: f"ghp_{_random(12)}{t}{_random(12)}",
    "OPENAI_API_KEY": lambda t: f"sk-proj-{_random(30)}{t}{_random(38)}",
    "ANTHROPIC_API_KEY": lambda t: f"sk-ant-api03-{_random(40)}{t}{_random(43)}AA",
    "AWS_ACCESS_KEY_ID": lambda t: f"AKIA{t.upper()}{_random(4, string.ascii_uppercase + string.digits)}",
    "AWS_SECRET_ACCESS_KEY": lambda t: f"{_random(14)}{t}{_random(14)}",
    "NPM_TOKEN": lambda t: f"npm_{_random(12)}{t}{_random(12)}",
}
"""Each secret a developer's shell commonly exports, in its issuer's format, around a token."""


def planted_secrets(canaries: CanaryFactory, declared: Iterable[str]) -> ServerEnvironment:
    """The secrets a developer's environment holds (those the target declares itself excepted),
    each carrying its own canary, so a start-up beacon that posts the environment is caught."""
    out = ServerEnvironment()
    taken = set(declared)
    for name, shape in _SHAPES.items():
        if name in taken:
            continue
        before = len(canaries.tokens)
        canaries.secret()
        token = canaries.tokens[before]
        out.env[name] = shape(token)
        out.credentials[token] = f"env {name}"
    return out
