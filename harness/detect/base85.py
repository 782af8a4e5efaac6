"""Base85 (RFC 1924, as ``base64.b85decode``) and Ascii85 (as ``base64.a85decode``) decoding of
many runs at once.

The standard library decodes base85 one five-character group at a time in Python; a text
layer of XORed or otherwise scrambled bytes holds hundreds of base85-looking runs, and
decoding them one by one cost most of the time spent on such a layer. Here every run of a layer
is decoded in one pass of numpy operations, with the standard library's results: the same
bytes, and None wherever it raises. Pure.
"""

from __future__ import annotations

import base64

import numpy as np

_GROUP = 5
_POWERS = np.array([85**4, 85**3, 85**2, 85, 1], dtype=np.uint64)
_LARGEST = np.uint64(0xFFFFFFFF)
_INVALID = 255
_B85_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_B85_DIGITS = np.full(256, _INVALID, dtype=np.uint8)
_B85_DIGITS[np.frombuffer(_B85_ALPHABET, dtype=np.uint8)] = np.arange(85, dtype=np.uint8)
_A85_DIGITS = np.full(256, _INVALID, dtype=np.uint8)
_A85_DIGITS[33:118] = np.arange(85, dtype=np.uint8)
_ZEROS = b"\0\0\0\0"
_DIGIT, _Z, _SKIPPED, _FOREIGN = range(4)
_A85_KINDS = np.full(256, _FOREIGN, dtype=np.uint8)
_A85_KINDS[33:118] = _DIGIT
_A85_KINDS[ord("z")] = _Z
_A85_KINDS[np.frombuffer(b" \t\n\r\v", dtype=np.uint8)] = _SKIPPED
"""What ``base64.a85decode`` makes of each byte: a digit, four zero bytes, nothing, an error."""


def b85decode_many(runs: list[bytes]) -> list[bytes | None]:
    """``base64.b85decode`` of each run; None where it raises ``ValueError``."""
    return _decode_many(runs, _B85_DIGITS, b"~")


def a85decode_many(runs: list[bytes]) -> list[bytes | None]:
    """``base64.a85decode`` of each run; None where it raises ``ValueError``. A ``z`` stands for
    four zero bytes between groups, so the pieces between a run's ``z``s are decoded as runs of
    their own; a run with whitespace (which Ascii85 skips) goes to the standard library."""
    if not runs:
        return []
    kinds = _A85_KINDS.take(np.frombuffer(b"".join(runs), dtype=np.uint8))
    bounds = np.cumsum([0, *map(len, runs)])
    zs, skipped, foreign = (
        np.diff(np.concatenate(([0], np.cumsum(kinds == kind)))[bounds]).tolist()
        for kind in (_Z, _SKIPPED, _FOREIGN)
    )
    found: list[bytes | None] = [None] * len(runs)
    pieces: list[bytes] = []
    split: list[tuple[int, int, int]] = []  # (run, its first piece, its pieces)
    for at, run in enumerate(runs):
        if skipped[at] and not foreign[at]:
            found[at] = _a85decode(run)
        elif not foreign[at]:
            parts = run.split(b"z") if zs[at] else [run]
            if not any(len(part) % _GROUP for part in parts[:-1]):  # else a z falls inside a group
                split.append((at, len(pieces), len(parts)))
                pieces += parts
    decoded = _decode_many(pieces, _A85_DIGITS, b"u")
    for at, first, count in split:
        words = decoded[first : first + count]
        if None not in words:
            found[at] = _ZEROS.join(word for word in words if word is not None)
    return found


def _a85decode(run: bytes) -> bytes | None:
    try:
        return base64.a85decode(run)
    except ValueError:
        return None


def _decode_many(runs: list[bytes], digits: np.ndarray, pad: bytes) -> list[bytes | None]:
    """Each run padded to whole groups with ``pad`` (the largest digit), decoded group by group
    into big-endian 32-bit words, and cut by as many bytes as it was padded with. A run with a
    character outside the alphabet, or a group above 2**32 - 1, is None."""
    if not runs:
        return []
    pads = [-len(run) % _GROUP for run in runs]
    padded = b"".join(run + pad * count for run, count in zip(runs, pads, strict=True))
    groups = digits.take(np.frombuffer(padded, dtype=np.uint8)).reshape(-1, _GROUP)
    words = groups.astype(np.uint64) @ _POWERS
    broken = np.concatenate(([0], np.cumsum((groups == _INVALID).any(axis=1) | (words > _LARGEST))))
    out = words.astype(">u4").tobytes()
    decoded: list[bytes | None] = []
    first = 0
    for run, count in zip(runs, pads, strict=True):
        last = first + (len(run) + count) // _GROUP
        decoded.append(None if broken[last] > broken[first] else out[4 * first : 4 * last - count])
        first = last
    return decoded
