"""Bounded decompression of hostile streams: gzip and zlib by magic number, deflated zip entries by
their local header, raw deflate and brotli (which have none) only when they decode cleanly to
their end or to the layer cap.

Input is fed in chunks that start tiny and grow fourfold, and every byte read or written is
charged to the caller's :class:`Budget`, so a flood of fake magic numbers or a decompression
bomb costs time linear in the budget; no layer grows past :data:`MAX_LAYER`. Pure: no I/O.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from itertools import islice

import brotli
import numpy as np

MAX_LAYER = 16 << 20
"""Largest decompressed layer kept (decompression bombs stop here)."""
_FEED = 64
_CHUNK = 1 << 20
_HEADERS_WITHIN = 64 << 10
_SLACK = 8
"""Bytes a headless stream may leave unread: random data sometimes parses as a short whole stream."""
_GZIP = b"\x1f\x8b\x08"
_ZIP = b"PK\x03\x04"
_ZIP_HEADER = struct.Struct("<4sHHHHHIIIHH")
"""A zip local file header: signature, version, flags, method, time, date, crc, both sizes, and the
lengths of the name and extra field that follow it."""
_MAX_ENTRIES = 256
_PROBE = 64 << 10
"""Output a probe of whether a stream may start somewhere decodes at most."""
_BLOCK_TYPE = 0b110
"""The bits of a deflate block's type in its first byte; both set is a type that does not exist."""
_JUMPS = 8
"""Occurrences of a needle's rare byte :func:`occurrences` checks one by one before it hands over
to numpy."""


class Budget:
    """Bytes a scan may still decode or feed to a decompressor; shared by every layer of one scan."""

    def __init__(self, total: int) -> None:
        self.left = total

    def spend(self, size: int) -> None:
        self.left -= size


def _chunks(data: memoryview, budget: Budget) -> Iterator[bytes]:
    """``data`` in growing chunks, each charged before it is handed over."""
    fed, size = 0, _FEED
    while fed < len(data) and budget.left > 0:
        chunk = bytes(data[fed : fed + size])
        budget.spend(len(chunk))
        yield chunk
        fed, size = fed + size, min(size * 4, _CHUNK)


def _room(out: bytearray, budget: Budget) -> int:
    return max(min(_CHUNK, MAX_LAYER - len(out), budget.left), 0)


def _inflate(data: memoryview, wbits: int, budget: Budget) -> tuple[bytes, bool]:
    """Output so far, and whether the stream was sound: it ended with (almost) all of ``data`` read,
    or it was cut at a limit."""
    inflater = zlib.decompressobj(wbits)
    out = bytearray()
    fed = 0
    try:
        for chunk in _chunks(data, budget):
            fed += len(chunk)
            pending = chunk
            while pending and _room(out, budget):
                piece = inflater.decompress(pending, _room(out, budget))
                budget.spend(len(piece))
                out += piece
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return bytes(out), len(data) - fed + len(inflater.unused_data) <= _SLACK
            if not _room(out, budget):
                return bytes(out), True
    except zlib.error:
        return bytes(out), False
    return bytes(out), False


def _unbrotli(data: memoryview, budget: Budget) -> tuple[bytes, bool]:
    decompressor = brotli.Decompressor()
    out = bytearray()
    fed = 0
    try:
        for chunk in _chunks(data, budget):
            fed += len(chunk)
            if not _room(out, budget):  # a limit of 0 would mean none
                return bytes(out), True
            piece = decompressor.process(chunk, output_buffer_limit=_room(out, budget))
            while True:
                budget.spend(len(piece))
                out += piece
                if decompressor.can_accept_more_data() or not piece or not _room(out, budget):
                    break
                piece = decompressor.process(b"", output_buffer_limit=_room(out, budget))
            if decompressor.is_finished():  # trailing bytes in the same chunk raise
                return bytes(out), len(data) - fed <= _SLACK
            if not _room(out, budget):
                return bytes(out), True
    except brotli.error:
        return bytes(out), False
    return bytes(out), False


def stream_at(data: memoryview, budget: Budget, *, headless: bool) -> tuple[str, bytes] | None:
    """The stream starting exactly at ``data``: (kind, output). gzip and zlib by magic number, cut
    streams included (captures are capped); raw deflate and brotli, when ``headless``, only if sound,
    since garbage can start like either."""
    head = bytes(data[:2])
    if head == b"\x1f\x8b":
        out, _ = _inflate(data, 31, budget)
        return ("gzip", out) if out else None
    if len(head) == 2 and head[0] == 0x78 and int.from_bytes(head, "big") % 31 == 0:
        out, _ = _inflate(data, 15, budget)
        return ("zlib", out) if out else None
    if not headless:
        return None
    out, sound = _inflate(data, -15, budget)
    if out and sound:
        return "deflate", out
    out, sound = _unbrotli(data, budget)
    return ("brotli", out) if out and sound else None


def could_start(head: bytes, *, whole: bool = False) -> bool:
    """Whether a stream may start at ``head``, the first bytes of a layer (or, when ``whole``, all
    of it): a gzip or zlib header, or raw deflate or brotli that decodes without error as far as
    ``head`` goes (random bytes fail within a few) and, of a whole layer, ends at its end, as
    :func:`stream_at` wants of a stream without a header. Lets a caller decode a long layer
    whole, or try the decompressors on a short one, only when it may be compressed."""
    if head[:2] == b"\x1f\x8b" or (
        len(head) >= 2 and head[0] == 0x78 and int.from_bytes(head[:2], "big") % 31 == 0
    ):
        return True
    if not head or head[0] & _BLOCK_TYPE != _BLOCK_TYPE:  # the one block type zlib rejects at once
        inflater = zlib.decompressobj(-15)
        try:
            inflater.decompress(head, _PROBE)
            if (
                not whole
                or inflater.unconsumed_tail
                or (inflater.eof and len(inflater.unused_data) <= _SLACK)
            ):
                return True
        except zlib.error:
            pass
    decompressor = brotli.Decompressor()
    try:
        out = decompressor.process(head, output_buffer_limit=_PROBE)
    except brotli.error:
        return False
    return not whole or decompressor.is_finished() or len(out) >= _PROBE


def occurrences(
    data: bytes, needle: bytes, start: int = 0, end: int | None = None, *, rare: int = 0
) -> Iterator[int]:
    """Every start of ``needle`` in ``data[start:end]``, ascending. CPython's ``find`` walks every
    byte for a needle longer than one, so this jumps between occurrences of the needle's byte at
    ``rare`` at memchr speed (in text that byte is rare), and where it proves common (binary
    bytes) finds all the remaining starts at once, in a few vector passes over the bytes. The
    needle has at least two bytes from ``rare`` on."""
    stop = len(data) if end is None else min(end, len(data))
    last = stop - len(needle)
    anchor = needle[rare : rare + 1]
    at = data.find(anchor, start + rare, stop)
    for _ in range(_JUMPS):
        if at < 0 or at - rare > last:
            return
        if data.startswith(needle, at - rare):
            yield at - rare
        at = data.find(anchor, at + 1, stop)
    if at >= 0:
        yield from _every(np.frombuffer(data, dtype=np.uint8), needle, at - rare, last, rare)


def _every(data: np.ndarray, needle: bytes, first: int, last: int, rare: int) -> list[int]:
    """Starts of ``needle`` from ``first`` to ``last``: candidates where the two bytes from
    ``rare`` are both found (a pair is rare even in binary bytes, where a single byte is not),
    then narrowed byte by byte."""
    if last < first:
        return []
    low, high = first + rare, last + rare + 1
    pairs = (data[low:high] == needle[rare]) & (data[low + 1 : high + 1] == needle[rare + 1])
    if not pairs.any():
        return []
    starts = np.flatnonzero(pairs) + first
    for at, byte in enumerate(needle):
        if not rare <= at < rare + 2:
            starts = starts[data[starts + at] == byte]
    return list(starts.tolist())


def body_start(data: bytes) -> int:
    """Where the body begins: after a header block (HTTP, MIME) near the start, else at 0."""
    blank = next(occurrences(data, b"\r\n\r\n", 0, _HEADERS_WITHIN), -1)
    return blank + 4 if blank >= 0 else 0


def streams(
    data: bytes, budget: Budget, headless: Callable[[memoryview], bool], *, body: int
) -> Iterator[tuple[str, bytes]]:
    """Streams at the start of ``data``, at ``body`` (:func:`body_start`, which the caller may have
    needed already) and behind any gzip magic. ``headless(view)`` says whether bytes without a
    magic number may be tried there."""
    view = memoryview(data)
    starts = sorted({0, body})
    for start in starts:
        found = stream_at(view[start:], budget, headless=headless(view[start:]))
        if found:
            yield found
    for at in occurrences(data, _GZIP, 1):
        if budget.left <= 0:
            break
        found = stream_at(view[at:], budget, headless=False) if at not in starts else None
        if found:
            yield found
    yield from _zip_entries(data, view, budget)


def _zip_entries(data: bytes, view: memoryview, budget: Budget) -> Iterator[tuple[str, bytes]]:
    """The deflated entries of a zip archive, read from their local headers (a capture may hold only
    the start of an archive, so the central directory at its end is not needed). Stored entries
    are already plain bytes in the layer."""
    for at in islice(occurrences(data, _ZIP, rare=2), _MAX_ENTRIES):
        if budget.left <= 0 or len(data) - at < _ZIP_HEADER.size:
            return
        fields = _ZIP_HEADER.unpack_from(data, at)
        method, name_length, extra_length = fields[3], fields[9], fields[10]
        if method == 8:
            out, _ = _inflate(view[at + _ZIP_HEADER.size + name_length + extra_length :], -15, budget)
            if out:
                yield "zip", out
