"""Find canary tokens in bytes however they were dressed: case, reversal, hex, base32, base64,
percent and JSON escapes, quoted-printable, HTML entities, gzip, zlib, raw deflate and brotli,
nested up to a few layers.

Two passes per layer keep the cost linear in the captured bytes:

1. *Direct*: Aho-Corasick automata over every token's plain, reversed, hex, base32 (all five
   alignments) and base64/base64url (all three alignments) renderings, so an encoding the
   matcher was not told about in the peel below is still caught wherever it is a fixed
   function of the token.
2. *Peel*: regions that look encoded (long base64/hex/base32 runs, escapes, compressed
   magic) are decoded, bounded in size, and scanned again; the chain of decodings is
   recorded (``gzip`` -> ``base64`` -> ``json-escape``) so a reviewer can reproduce the hit.

Pure: bytes in, hits out; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import html
import quopri
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import ahocorasick
import brotli

MAX_DEPTH = 4
MAX_LAYER = 16 << 20
"""Largest decoded layer kept (decompression bombs stop here)."""
_MAX_REGIONS = 64
_CONTEXT = 80
_MIN_RUN = 16

_B64_RUN = re.compile(rb"[A-Za-z0-9+/_\\\r\n-]{16,}={0,2}")
"""Base64 runs, line breaks (real or JSON-escaped) included; one character class keeps it fast."""
_HEX_RUN = re.compile(rb"[0-9a-fA-F]{16,}")
_B32_RUN = re.compile(rb"[A-Za-z2-7]{16,}")
_PERCENT = re.compile(rb"%[0-9A-Fa-f]{2}")
_JSON_ESCAPE = re.compile(rb"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})")
_QP = re.compile(rb"=(?:\r?\n|[0-9A-F]{2})")
_LINE_BREAKS = re.compile(rb"\\r\\n|\\n|\s")
_ESCAPES = frozenset({"percent", "json-escape", "quoted-printable", "html-entities"})


@dataclass(frozen=True)
class Hit:
    token: str
    chain: tuple[str, ...]
    """Decodings from the raw bytes to the layer holding the token; ``()`` when plain."""
    excerpt: str
    """Printable text around the hit in the layer where it was found."""


def _aligned(token: bytes, encode: Callable[[bytes], bytes], block: int, out: int) -> Iterator[bytes]:
    """The part of ``encode(prefix + token)`` that depends only on token bytes, for each alignment."""
    for pad in range(block):
        encoded = encode(b"\0" * pad + token + b"\0" * block)
        first = -(-pad // block)
        last = (pad + len(token)) // block
        if last > first:
            yield encoded[first * out : last * out]


def _forms(token: str) -> tuple[dict[str, str], dict[str, str]]:
    """Patterns matched in lower-cased bytes, and those matched as they are; each -> its step name."""
    raw = token.encode()
    lowered: dict[str, str] = {token: "", token[::-1]: "reversed", raw.hex(): "hex"}
    for form in _aligned(raw, base64.b32encode, 5, 8):
        lowered.setdefault(form.decode().lower(), "base32")
    exact: dict[str, str] = {}
    for form in _aligned(raw, base64.b64encode, 3, 4):
        exact.setdefault(form.decode(), "base64")
        exact.setdefault(form.decode().replace("+", "-").replace("/", "_"), "base64url")
    return lowered, exact


def _automaton(patterns: dict[str, tuple[str, str]]) -> ahocorasick.Automaton | None:
    if not patterns:
        return None
    automaton = ahocorasick.Automaton()
    for pattern, value in patterns.items():
        automaton.add_word(pattern, (pattern, *value))
    automaton.make_automaton()
    return automaton


def _excerpt(data: bytes, start: int, end: int) -> str:
    window = data[max(start - _CONTEXT, 0) : end + _CONTEXT]
    return window.decode("ascii", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")


_TEXT_BYTES = bytes(range(32, 127)) + b"\t\n\r"


def _printable(data: bytes) -> bool:
    """Mostly text (or compressed): worth scanning again. Random decodes of ordinary words are not."""
    if not data:
        return False
    sample = data[:4096]
    binary = len(sample.translate(None, _TEXT_BYTES))
    return binary <= 0.15 * len(sample) or _compressed_kind(data) is not None


def _compressed_kind(data: bytes) -> str | None:
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    if len(data) > 2 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
        return "zlib"
    return None


def _inflate(data: bytes, wbits: int, whole: bool = False) -> bytes | None:
    """Decompress up to MAX_LAYER bytes; with ``whole``, only a stream that ends properly counts
    (without a magic number, garbage that happens to start like deflate must not make a layer)."""
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(data, MAX_LAYER)
    except zlib.error:
        return None
    if whole and not inflater.eof:
        return None
    return out or None


def _unbrotli(data: bytes) -> bytes | None:
    try:
        decompressor = brotli.Decompressor()
        out = decompressor.process(data, output_buffer_limit=MAX_LAYER)[:MAX_LAYER]
    except brotli.error:
        return None
    return out if out and decompressor.is_finished() else None


def _b64(run: bytes) -> Iterator[bytes]:
    """Decodings of a base64 run at each of its possible starting offsets (alignment unknown)."""
    clean = _LINE_BREAKS.sub(b"", run).rstrip(b"=")
    for offset in range(4):
        body = clean[offset:]
        body = body[: len(body) - len(body) % 4] if len(body) % 4 == 1 else body
        padded = body + b"=" * (-len(body) % 4)
        try:
            yield base64.b64decode(padded.replace(b"-", b"+").replace(b"_", b"/"), validate=True)
        except binascii.Error:
            continue


def _regions(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Candidate decodings of one layer: (step name, decoded bytes)."""
    kind = _compressed_kind(data)
    if kind is not None:
        decoded = _inflate(data, 31 if kind == "gzip" else 15)
        if decoded:
            yield kind, decoded
    elif not _printable(data):
        for name, decoded in (("deflate", _inflate(data, -15, whole=True)), ("brotli", _unbrotli(data))):
            if decoded:
                yield name, decoded
    for start in (m.start() for m in re.finditer(rb"\x1f\x8b\x08", data[1 : 1 << 20])):
        decoded = _inflate(data[start + 1 :], 31)
        if decoded:
            yield "gzip", decoded
    for count, match in enumerate(_B64_RUN.finditer(data)):
        if count >= _MAX_REGIONS:
            break
        yield from _decode_run(match.group())
    if _printable(data):
        yield from _escapes(data)  # escapes are textual: in binary data they only match by chance


def _escapes(data: bytes) -> Iterator[tuple[str, bytes]]:
    if _PERCENT.search(data):
        yield "percent", unquote_to_bytes(data.replace(b"+", b" "))
    if _JSON_ESCAPE.search(data):
        yield "json-escape", _JSON_ESCAPE.sub(lambda m: _unescape(m), data)
    if _QP.search(data):
        yield "quoted-printable", quopri.decodestring(data)
    if b"&#" in data or b"&amp;" in data:
        yield "html-entities", html.unescape(data.decode("latin-1")).encode("latin-1", "replace")


def _unescape(match: re.Match[bytes]) -> bytes:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code).encode("utf-8") if code > 0x7F else bytes([code])


def _hex(run: bytes) -> Iterator[bytes]:
    """Both byte alignments: a hex run may start with the second nibble of a byte."""
    yield bytes.fromhex(run[: len(run) & ~1].decode())
    if len(run) > 17:
        yield bytes.fromhex(run[1 : 1 + ((len(run) - 1) & ~1)].decode())


def _b32(run: bytes) -> Iterator[bytes]:
    body = run.upper().rstrip(b"=")
    body = body[: len(body) - len(body) % 8] if len(body) % 8 in (1, 3, 6) else body
    try:
        yield base64.b32decode(body + b"=" * (-len(body) % 8))
    except binascii.Error:
        return


_RUN_DECODERS: tuple[tuple[str, re.Pattern[bytes] | None, Callable[[bytes], Iterable[bytes]]], ...] = (
    ("base64", None, _b64),
    ("hex", _HEX_RUN, _hex),
    ("base32", _B32_RUN, _b32),
)


def _decode_run(run: bytes) -> Iterator[tuple[str, bytes]]:
    """A base64-alphabet run may also be hex or base32 (their alphabets are subsets): try each."""
    for name, pattern, decode in _RUN_DECODERS:
        if pattern is not None and not pattern.fullmatch(run):
            continue
        for decoded in decode(run):
            if _printable(decoded):
                yield name, decoded


class CanaryMatcher:
    """Built once per run from every token; ``scan`` is safe to call on any hostile bytes."""

    def __init__(self, tokens: Iterable[str]):
        lowered: dict[str, tuple[str, str]] = {}
        exact: dict[str, tuple[str, str]] = {}
        for token in {t.lower() for t in tokens}:
            low, ex = _forms(token)
            lowered.update({form: (token, step) for form, step in low.items()})
            exact.update({form: (token, step) for form, step in ex.items()})
        self._lowered = _automaton(lowered)
        self._exact = _automaton(exact)

    def scan(self, data: bytes, max_depth: int = MAX_DEPTH) -> list[Hit]:
        """Every distinct (token, decoding chain) in ``data``; the shortest chains come first."""
        hits: dict[tuple[str, tuple[str, ...]], Hit] = {}
        budget = [4 * len(data) + MAX_LAYER]
        self._scan_layer(data, (), max_depth, hits, budget)
        return sorted(hits.values(), key=lambda h: len(h.chain))

    def _scan_layer(
        self,
        data: bytes,
        chain: tuple[str, ...],
        depth: int,
        hits: dict[tuple[str, tuple[str, ...]], Hit],
        budget: list[int],
    ) -> None:
        self._direct(data, chain, hits)
        if depth == 0:
            return
        for step, decoded in _regions(data):
            if decoded == data or budget[0] <= 0 or (chain and step == chain[-1] and step in _ESCAPES):
                continue
            budget[0] -= len(decoded)
            self._scan_layer(decoded[:MAX_LAYER], (*chain, step), depth - 1, hits, budget)

    def _direct(
        self, data: bytes, chain: tuple[str, ...], hits: dict[tuple[str, tuple[str, ...]], Hit]
    ) -> None:
        for automaton, haystack in (
            (self._lowered, data.lower().decode("latin-1")),
            (self._exact, data.decode("latin-1")),
        ):
            if automaton is None:
                continue
            for end, (pattern, token, step) in automaton.iter(haystack):
                full = (*chain, step) if step else chain
                key = (token, full)
                if key not in hits or (not step and chain):
                    # a plain match in a decoded layer reads better than the encoded form of the same chain
                    hits[key] = Hit(token, full, _excerpt(data, end + 1 - len(pattern), end + 1))
