"""The server's environment: declared values, with placeholders turned into per-run canaries.

``${secret}`` becomes a canary credential (the token may go only to the
target's declared service hosts); ``${email}`` a canary mailbox. Nothing here
names the harness: the server reads these like any deployment's settings.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.driver.canary import CanaryFactory


def server_environment(
    declared: Iterable[tuple[str, str]], canaries: CanaryFactory
) -> tuple[dict[str, str], list[str], list[str]]:
    """Return the environment, the credential tokens planted in it, and the secret values themselves."""
    env: dict[str, str] = {}
    credential_tokens: list[str] = []
    secrets: list[str] = []
    for name, value in declared:
        while "${secret}" in value:
            before = len(canaries.tokens)
            secret = canaries.secret()
            credential_tokens.extend(canaries.tokens[before:])
            secrets.append(secret)
            value = value.replace("${secret}", secret, 1)
        while "${email}" in value:
            value = value.replace("${email}", canaries.email(), 1)
        env[name] = value
    return env, credential_tokens, secrets
