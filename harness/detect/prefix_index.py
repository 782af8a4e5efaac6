"""Where any of many renderings could start in a text, found a whole layer at a time with numpy.

Ten thousand canaries have hundreds of thousands of renderings; an Aho-Corasick automaton that
large misses the CPU caches on every byte. Every rendering is at least eight bytes long, so its
first eight bytes, read as one 64-bit number, are a fingerprint: every eight-byte window of the
text is hashed at once into a bitmap of the fingerprints (a few per cent of windows pass by
chance), the survivors are checked exactly against the sorted fingerprints, and only the real
starts are handed back for the caller to compare whole. Pure and linear in the text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

WIDTH = 8
"""Bytes of a rendering's fingerprint; no rendering is shorter."""
_BITS = 24
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - _BITS)


def _hash(values: np.ndarray) -> np.ndarray:
    return (values * _MULTIPLIER) >> _SHIFT  # uint64 arithmetic wraps, as a hash wants


class PrefixIndex:
    """Fingerprints of ``keys`` (each at least :data:`WIDTH` bytes) and where each key starts."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if any(len(key) < WIDTH for key in keys):
            raise ValueError(f"every key needs at least {WIDTH} bytes")
        prints = np.frombuffer(b"".join(key[:WIDTH] for key in keys), dtype="<u8")
        self._sorted = np.unique(prints)
        self._bitmap = np.zeros(1 << _BITS, dtype=np.bool_)
        self._bitmap[_hash(self._sorted)] = True
        self._keys: dict[int, list[int]] = {}
        for index, value in enumerate(prints.tolist()):
            self._keys.setdefault(value, []).append(index)

    def starts(self, text: bytes) -> Iterator[tuple[int, int]]:
        """(offset, key index) of every place a key's fingerprint occurs in ``text``."""
        count = len(text) - WIDTH + 1
        if count <= 0 or not self._keys:
            return
        windows = np.ndarray((count,), dtype="<u8", buffer=text, strides=(1,))
        at = np.flatnonzero(self._bitmap[_hash(windows)])
        if not at.size:
            return
        found = windows[at]
        slot = np.minimum(np.searchsorted(self._sorted, found), len(self._sorted) - 1)
        real = self._sorted[slot] == found
        for offset, value in zip(at[real].tolist(), found[real].tolist(), strict=True):
            for index in self._keys[value]:
                yield offset, index
