"""Where any of many keys occurs in a text, found a whole text at a time with numpy.

Ten thousand canaries have hundreds of thousands of renderings; an Aho-Corasick automaton that
large misses the CPU caches on every byte, and so does any table that holds every rendering. So
only every fifth eight-byte window of the text is looked at (a key of twelve bytes or more, as
every rendering of a canary is, holds one of them wholly), read as one 64-bit number and tested
against three bitmaps of the keys' windows, each hashed its own way and small enough to stay in
the processor's cache: with ten thousand canaries, a few windows in ten thousand pass all three.
Only those are looked up exactly, among the sorted windows of the keys, and each key they belong
to is compared whole. Pure, and linear in the text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

WIDTH = 8
"""Bytes of a window, read as one 64-bit number."""
STRIDE = 5
"""Distance between the windows of a text that are looked at."""
SHORTEST = WIDTH + STRIDE - 1
"""Shortest key: any placement of it in a text holds one of the windows looked at."""
_MULTIPLIERS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
"""One hash per bitmap. The first sees every window; the others only the few it let through, which
they cut to a few in ten thousand before the exact look-up, a binary search that misses the cache
at every step."""
_MOST_BITS = 24
"""Bits per bitmap at most: 2 MiB, which stays in the cache while a text is tested."""
_BITS_PER_KEY = 16
_FEWEST_BITS = 12
_THREE, _SEVEN = np.uint64(3), np.uint64(7)


class _Bitmap:
    """A set of 64-bit numbers, hashed into bits: no false negatives, a few false positives."""

    def __init__(self, values: np.ndarray, bits: int, multiplier: np.uint64) -> None:
        self._multiplier, self._shift = multiplier, np.uint64(64 - bits)
        self._bytes = np.zeros(1 << (bits - 3), dtype=np.uint8)
        slots = self._slots(values)
        np.bitwise_or.at(self._bytes, (slots >> _THREE).astype(np.intp), self._bits(slots))

    def _slots(self, values: np.ndarray) -> np.ndarray:
        return (values * self._multiplier) >> self._shift  # uint64 arithmetic wraps, as a hash wants

    @staticmethod
    def _bits(slots: np.ndarray) -> np.ndarray:
        return np.left_shift(np.uint8(1), (slots & _SEVEN).astype(np.uint8))

    def holds(self, values: np.ndarray) -> np.ndarray:
        """A boolean array: which of ``values`` may be in the set."""
        slots = self._slots(values)
        # signed offsets: numpy converts unsigned 64-bit ones element by element before it gathers
        held: np.ndarray = (self._bytes.take((slots >> _THREE).view(np.int64)) & self._bits(slots)).astype(
            np.bool_
        )
        return held


class PrefixIndex:
    """Where each of ``keys`` occurs in a text. Keys shorter than :data:`SHORTEST` (no canary the
    harness mints has one) are each looked for on their own, one C-speed ``find`` pass apiece."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        self._keys = list(keys)
        self._short = [index for index, key in enumerate(keys) if len(key) < SHORTEST]
        self._long = [index for index, key in enumerate(keys) if len(key) >= SHORTEST]
        heads = np.frombuffer(b"".join(keys[index][:SHORTEST] for index in self._long), dtype=np.uint8)
        heads = heads.reshape(len(self._long), SHORTEST)
        # entry n * STRIDE + offset: the window at ``offset`` in the n-th long key
        windows = np.stack(
            [np.ascontiguousarray(heads[:, at : at + WIDTH]).view("<u8")[:, 0] for at in range(STRIDE)], 1
        ).reshape(-1)
        order = np.argsort(windows, kind="stable")
        self._sorted, self._entries = windows[order], order
        bits = min(max(int(len(windows) * _BITS_PER_KEY).bit_length(), _FEWEST_BITS), _MOST_BITS)
        self._bitmaps = tuple(_Bitmap(self._sorted, bits, multiplier) for multiplier in _MULTIPLIERS)

    def matches(self, text: bytes) -> Iterator[tuple[int, int]]:
        """(offset, key index) of every occurrence of a key in ``text``, overlaps included."""
        for index in self._short:
            key = self._keys[index]
            place = text.find(key) if key else -1
            while place >= 0:
                yield place, index
                place = text.find(key, place + 1)
        count = (len(text) - WIDTH) // STRIDE + 1
        if count <= 0 or not self._long:
            return
        windows = np.ndarray((count,), dtype="<u8", buffer=text, strides=(STRIDE,)).copy()
        first_map, *other_maps = self._bitmaps
        at = np.flatnonzero(first_map.holds(windows))
        for bitmap in other_maps:
            at = at[bitmap.holds(windows[at])]
        found = windows[at]
        first = np.searchsorted(self._sorted, found, side="left")
        known = self._sorted[np.minimum(first, len(self._sorted) - 1)] == found
        at, found, first = at[known], found[known], first[known]  # the bitmaps' false positives end here
        last = np.searchsorted(self._sorted, found, side="right")
        for window, low, high in zip(at.tolist(), first.tolist(), last.tolist(), strict=True):
            for entry in self._entries[low:high].tolist():
                index = self._long[entry // STRIDE]
                start = window * STRIDE - entry % STRIDE
                if start >= 0 and text.startswith(self._keys[index], start):
                    yield start, index
