"""Arguments for a replay: the same call again, its canaries swapped for fresh ones of another size.

When bytes leave toward a host nobody named and no canary can be read in them (encrypted, or
encoded in a way the matcher does not know), the only way to tell a leak from an update check
is to ask again with different data: outbound sizes that follow the argument sizes betray it.
So each replay keeps every argument the call had, but each string that carried a canary becomes
a fresh canary, bare (:data:`SHORT`) or padded with random words to :data:`LONG` characters;
mailboxes and URLs keep their shape, only their token changes.
"""

from __future__ import annotations

import secrets
from typing import Any

from harness.canary import CanaryFactory

SHORT = "short"
LONG = "long"
LONG_CHARACTERS = 1500
"""Characters of a padded argument: far above any canary sentence, so a size that follows it shows."""
_WORDS = ("ledger", "north", "quarter", "parcel", "summit", "harbor", "invoice", "ember", "linen", "cobalt")


def _padding(size: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) <= size:
        words.append(secrets.choice(_WORDS) + secrets.token_hex(2))
    return " ".join(words)[:size]


def _swap(value: str, tokens: tuple[str, ...], canaries: CanaryFactory, size: str) -> str:
    carried = [t for t in tokens if t in value.lower()]
    if not carried:
        return value
    fresh = canaries.word().removeprefix("ref-")
    if "@" in value or "://" in value:  # a mailbox or a URL: keep the shape, change the token
        for token in carried:
            value = value.lower().replace(token, fresh)
        return value
    return fresh if size == SHORT else f"{fresh} {_padding(LONG_CHARACTERS - len(fresh) - 1)}"


def replay_arguments(arguments: Any, tokens: tuple[str, ...], canaries: CanaryFactory, size: str) -> Any:
    """``arguments`` with every canary-carrying string replaced; everything else as it was."""
    if isinstance(arguments, str):
        return _swap(arguments, tokens, canaries, size)
    if isinstance(arguments, dict):
        return {key: replay_arguments(value, tokens, canaries, size) for key, value in arguments.items()}
    if isinstance(arguments, list):
        return [replay_arguments(value, tokens, canaries, size) for value in arguments]
    return arguments
