"""Which secrets a client presented as its credential: the account a request speaks for.

A service tells accounts apart by the credential in the places a client authenticates:
``Authorization`` (any scheme; Basic decoded), headers that carry an API token or key, and
SMTP AUTH. A value elsewhere in a request is data, not a login; these are the positions
that say whose account the bytes went to.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable

_AUTH_HEADERS = ("authorization", "proxy-authorization")
_TOKEN_HEADER = re.compile(r"token|api[-_]?key|secret|passw|credential|auth", re.I)
_MAX = 4096


def _pair_secret(user: str | None, password: str | None) -> str | None:
    """The secret half of a user/password login: the password, or the user when it is the key itself."""
    return password or user or None


def _basic(value: str) -> str | None:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return value.strip() or None
    user, _, password = decoded.partition(":")
    return _pair_secret(user, password)


def _authorization(value: str) -> str | None:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() == "basic" and rest:
        return _basic(rest)
    return rest.strip() or scheme or None


def from_headers(headers: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """Secrets presented in HTTP request headers, in header order."""
    found: list[str] = []
    for name, value in headers:
        lowered = name.strip().lower()
        if lowered in _AUTH_HEADERS:
            secret = _authorization(value)
        elif _TOKEN_HEADER.search(lowered):
            secret = value.strip() or None
        else:
            continue
        if secret is not None and secret not in found:
            found.append(secret[:_MAX])
    return tuple(found)


def from_login(user: str | None, password: str | None) -> tuple[str, ...]:
    """The secret of an SMTP AUTH login (or any user/password pair)."""
    secret = _pair_secret(user, password)
    return (secret[:_MAX],) if secret else ()
