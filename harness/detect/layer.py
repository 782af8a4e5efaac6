"""One classification pass over a decoding layer, which every later question about it reads.

The canary scan asks many things of each layer: which runs could hold a rendering, which could
be base64, base32, hex or base85, whether it is text, where a hex dump could be. Asked one at a
time, each was a translated mask and a walk through it: a pass over the bytes apiece. Here each
byte is translated once to a set of class bits, and the answers are read from that array with
a few numpy operations each, runs of every class at once: a window's bits ANDed together are
the classes that the whole window belongs to. Pure.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from harness.detect.decompress import body_start

DIRECT = 1
"""A byte a direct rendering can hold: the base64 alphabets and NUL (of UTF-16)."""
RUN = 2
"""A byte of a base64, base32 or hex run: the base64 alphabets and line breaks, real or JSON-escaped."""
HEX = 4
"""A hex digit."""
BASE32 = 8
"""A base32 character, either case."""
BASE85 = 16
"""A character of the base85 and Ascii85 alphabets as they appear in runs."""
BASE85_ONLY = 32
"""A character only base85 uses (no base64 or hex text holds one)."""
TEXT = 64
"""A byte of text: printable ASCII, tab, line breaks, and NUL so UTF-16 reads as text."""
SEPARATOR = 128
"""A byte between the pairs of a hex dump or MAC-style listing."""

B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
B32_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz234567"
BASE85_ONLY_BYTES = b"!#$%&()*;<>?@^`{|}~"
TEXT_BYTES = bytes(range(32, 127)) + b"\t\n\r\0"
SAMPLE = 4096
"""Bytes of a layer read to tell whether it is text."""
NOT_TEXT_SHARE = 0.15
"""Of those bytes, the share that may be other than text in a layer that counts as text."""
_MEMBERS = {
    DIRECT: B64_ALPHABET + b"\0",
    RUN: B64_ALPHABET + b"\\\r\n",
    HEX: b"0123456789abcdefABCDEF",
    BASE32: B32_ALPHABET,
    BASE85: b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+-=_" + BASE85_ONLY_BYTES,
    BASE85_ONLY: BASE85_ONLY_BYTES,
    TEXT: TEXT_BYTES,
    SEPARATOR: b":- ,.",
}
_CLASSES = bytes(sum(bit for bit, members in _MEMBERS.items() if byte in members) for byte in range(256))
_NONE = np.zeros(0, dtype=np.intp)
_HEX_PAIR = np.uint8(HEX)
_SEPARATOR_TO_HEX = np.uint8(SEPARATOR.bit_length() - HEX.bit_length())


def spans(classes: np.ndarray, bit: int, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends of the maximal runs of bytes with ``bit`` at least ``minimum`` long, from
    ``classes`` already ANDed over windows of ``minimum`` bytes (:meth:`Layer.within`): a run of
    those windows is a run of bytes ``minimum - 1`` longer."""
    members = (classes & np.uint8(bit)).astype(np.bool_)
    if not members.any():
        return _NONE, _NONE
    edges = np.flatnonzero(members[1:] != members[:-1]) + 1
    if members[0]:
        edges = np.concatenate(([0], edges))
    if members[-1]:
        edges = np.concatenate((edges, [len(members)]))
    return edges[::2], edges[1::2] + (minimum - 1)


def inside(positions: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For each span from ``starts`` to ``ends``, whether one of the sorted ``positions`` lies in it."""
    if not len(positions):
        return np.zeros(len(starts), dtype=np.bool_)
    following = np.searchsorted(positions, starts)
    held: np.ndarray = (following < len(positions)) & (
        positions[np.minimum(following, len(positions) - 1)] < ends
    )
    return held


def where(classes: np.ndarray, bit: int) -> np.ndarray:
    """Offsets of the bytes with ``bit``."""
    found: np.ndarray = np.flatnonzero((classes & np.uint8(bit)).astype(np.bool_))
    return found


class Layer:
    """A layer's bytes and the class bits of each byte."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.classes = np.frombuffer(data.translate(_CLASSES), dtype=np.uint8)
        self._power = (1, self.classes)
        """The widest power-of-two windows ANDed so far (only those are kept: a 16 MiB layer's
        arrays are 16 MiB each)."""

    def within(self, width: int) -> np.ndarray:
        """Entry ``i``: the bits every byte of ``data[i : i + width]`` has (empty if none fits),
        from two overlapping windows of the largest power of two below ``width``."""
        if width == 1:
            return self.classes
        half = 1 << ((width - 1).bit_length() - 1)
        have, halves = self._power if self._power[0] <= half else (1, self.classes)
        while have < half:
            halves = halves[:-have] & halves[have:] if len(halves) > have else halves[:0]
            have *= 2
        self._power = (have, halves)
        reach = width - half
        return halves[:-reach] & halves[reach:] if len(halves) > reach else halves[:0]

    def runs(self, bit: int, minimum: int) -> list[tuple[int, int]]:
        """Maximal runs of bytes with ``bit`` at least ``minimum`` long, as (start, end)."""
        starts, ends = self.edges(bit, minimum)
        return list(zip(starts.tolist(), ends.tolist(), strict=True))

    def edges(self, bit: int, minimum: int) -> tuple[np.ndarray, np.ndarray]:
        """The same runs as arrays of starts and of ends, to be sifted before any Python loop."""
        return spans(self.within(minimum), bit, minimum)

    def count(self, bit: int, start: int = 0, end: int | None = None) -> int:
        """Bytes with ``bit`` in ``data[start:end]``."""
        return int(np.count_nonzero(self.classes[start:end] & np.uint8(bit)))

    def all(self, bit: int, start: int, end: int) -> bool:
        """Whether every byte of ``data[start:end]`` has ``bit``."""
        return self.count(bit, start, end) == len(self.classes[start:end])

    @cached_property
    def printable(self) -> bool:
        """Mostly text (at most :data:`NOT_TEXT_SHARE` of the first :data:`SAMPLE` bytes not): worth
        peeling again."""
        sample = min(len(self.data), SAMPLE)
        return bool(sample) and sample - self.count(TEXT, 0, sample) <= NOT_TEXT_SHARE * sample

    @cached_property
    def body_start(self) -> int:
        return body_start(self.data)

    def has_hex_pairs(self) -> bool:
        """Three hex pairs each followed by a separator (``de:ad:be:``): where a hex dump may be."""
        classes = self.classes
        if len(classes) < 9:
            return False
        pair = classes[:-2] & classes[1:-1] & (classes[2:] >> _SEPARATOR_TO_HEX)
        tail = len(pair) - 6
        return bool((pair[:tail] & pair[3 : tail + 3] & pair[6:] & _HEX_PAIR).any())
