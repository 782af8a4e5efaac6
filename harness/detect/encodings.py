"""Find canary tokens in bytes however they were dressed: case, reversal, letter rotations (rot13
and the other 24), UTF-16, hex (plain, separated, ``0x`` arrays), decimal byte lists, base32,
base64, base85/Ascii85, percent, JSON, octal and HTML escapes, quoted-printable, one-byte XOR,
gzip, zlib, raw deflate, brotli and zip entries, nested up to a few layers.

Each layer's bytes are classified once (:mod:`harness.detect.layer`): the runs a rendering or an
encoded run could sit in, whether it is text and where a hex dump could be are read from that,
and two passes per layer keep the cost linear in the captured bytes:

1. *Direct*: every token's plain, reversed, rotated, UTF-16, hex, base32 (five alignments) and
   base64/base64url (three alignments) renderings, looked for a whole layer at a time by their
   eight-byte fingerprints (:mod:`harness.detect.prefix_index`, numpy) and compared whole, so an
   encoding the peel below misses is still caught wherever it is a fixed function of the token. An unaligned
   base32/base64 rendering pins only the middle of the token, so such a match counts only once
   the surrounding block decodes to the whole token: near-miss tokens never match.
2. *Peel*: regions that look encoded (long base64/hex/base32/base85 runs, escapes and byte lists,
   compressed streams at the start of a layer, after a header block, behind a gzip magic or a
   zip entry header) are decoded and scanned again; the chain of decodings is recorded
   (``gzip`` -> ``base64`` -> ``json-escape``) so a reviewer can reproduce the hit. Only what
   can hold a token is decoded: a long run first as far as the text test reads (the rest only
   if that head is text or can start a compressed stream), an escape only in the stretches
   around its escapes. Patterns whose regex would walk every byte are first looked for at C
   speed (a byte they cannot do without, the layer's classes, a literal-led hint).

Every byte the peel decodes, and every byte a decompressor reads (:mod:`harness.detect.decompress`),
is charged to one budget per scan (a few times the input plus one layer), so hostile input costs
linear time and memory; past the budget the scan keeps what it found and says it is incomplete
(:attr:`Scan.complete`), which the report turns into an ``undecoded_payload`` finding. Pure:
bytes in, hits out.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import quopri
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

import numpy as np

from harness.detect.base85 import a85decode_many, b85decode_many
from harness.detect.decompress import MAX_LAYER, Budget, could_start, stream_at, streams
from harness.detect.layer import (
    B32_ALPHABET,
    B64_ALPHABET,
    BASE32,
    BASE85,
    BASE85_ONLY,
    DIRECT,
    HEX,
    NOT_TEXT_SHARE,
    RUN,
    SAMPLE,
    TEXT_BYTES,
    Layer,
    inside,
    where,
)
from harness.detect.prefix_index import PrefixIndex

MAX_DEPTH = 4
_BUDGET_FACTOR = 4
_CONTEXT = 80
_MIN_FORM = 12
"""No rendering of a whole token is shorter (a 12-character token, plain or reversed)."""
_MIN_RUN = 16
_MAX_RUNS = 1024
"""Encoded-looking runs decoded per layer; beyond this a layer is only scanned directly."""

_DIRECT_TEXT = bytes(
    (b | 0x20 if 65 <= b <= 90 else b) if b in B64_ALPHABET + b"\0" else 32 for b in range(256)
)
"""Lower-cases what a rendering can contain and blanks the rest, so no match spans a blank."""
_URL_TO_STD = bytes.maketrans(b"-_", b"+/")
_PERCENT = re.compile(rb"%[0-9A-Fa-f]{2}")
_JSON_ESCAPE = re.compile(rb"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})")
_QP = re.compile(rb"=(?:\r?\n|[0-9A-F]{2})")
_ENTITY = re.compile(rb"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));")
"""Numeric and the five XML entities, ``;`` required: ``html.unescape`` costs a call per ``&``."""
_NAMED = {b"amp": b"&", b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'"}
_SEPARATED_HEX = re.compile(rb"[0-9a-fA-F]{2}(?:[:\- ,.][0-9a-fA-F]{2}){7,}")
"""``de:ad:be:ef`` (and ``-``, space, comma or dot between bytes), as hexdumps and MAC-style dumps write."""
_SEPARATED_HEX_TAIL = re.compile(rb"[:\- ,.][0-9a-fA-F]{2}(?:[:\- ,.][0-9a-fA-F]{2}){6,}")
"""The same after its first byte: led by a separator, so the search skips long hex runs at C speed."""
_PREFIXED_HEX = re.compile(rb"0[xX][0-9a-fA-F]{1,2}(?:\s*,\s*0[xX][0-9a-fA-F]{1,2}){7,}")
"""``0x71, 0x78, ...``: a C or JavaScript byte array."""
_BYTE_LIST = re.compile(rb"\d{1,3}(?:\s*,\s*\d{1,3}){7,}")
"""``113,120,55,...``: a byte array as JSON (Node's ``Buffer.toJSON``), Python or ``Uint8Array`` writes it."""
_BYTE_LIST_HINT = re.compile(rb",\s*\d{1,3}\s*,\s*\d{1,3}\s*,")
"""Starts with a literal, so it is found at C speed; the full pattern runs only around where it is."""
_OCTAL = re.compile(rb"\\([0-3][0-7]{2})")
_ASCII85 = re.compile(rb"<~([!-uz\s]{10,}?)~>")
_MIN_BASE85 = 15
"""A 12-character token is 15 base85 characters."""
_EQUALS = ord("=")
_PLAIN_BASE85 = 64
"""Base85 runs this long are tried only if they hold a character only base85 uses."""
_NEAR = 128
"""Bytes kept either side of an escape when only the stretches around escapes are decoded."""
_MAX_ESCAPES = 4096
"""Escapes past which a layer is decoded whole."""
_APART = b"\x01"
"""Joins decoded stretches: no decoder reads it and no rendering holds it."""
_XOR_PLAINS = (0x20, 0x22, 0x65, 0x00)
"""What a text's most frequent bytes usually are: space, quote, ``e``, the NUL of UTF-16."""
_XOR_TABLES = [bytes(b ^ key for b in range(256)) for key in range(256)]
_WORD_BYTES = b'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "{}:,.\n\0'
_WORDY = 0.8
_BETTER = 0.1
_NOT_TEXT = bytes(0 if b in TEXT_BYTES else 1 for b in range(256))
_FEW_BYTES = 512


@dataclass(frozen=True)
class Hit:
    token: str
    chain: tuple[str, ...]
    """Decodings from the raw bytes to the layer holding the token; ``()`` when plain."""
    excerpt: str
    """Printable text around the hit in the layer where it was found."""


class _Form(NamedTuple):
    """One rendering of a token in the direct automaton (whose keys are lower-cased). A tuple:
    ten thousand canaries have hundreds of thousands of renderings, and a tuple is built several
    times faster than a frozen dataclass."""

    token: str
    step: str
    """Chain step the rendering stands for; ``""`` for the plain token."""
    exact: str | None = None
    """The case-sensitive rendering, when case carries information (base64)."""
    block: int = 0
    """Encoded block size when the rendering pins only part of the token, else 0."""
    lead: int = 0
    """Characters of the rendering before its first whole encoded block."""
    trail: int = 0
    """Characters of the rendering after its last whole encoded block."""


def _aligned(
    token: bytes, encode: Callable[[bytes], bytes], block: int, out: int
) -> Iterator[tuple[str, int, int, int]]:
    """The part of ``encode(prefix + token)`` that depends only on token bytes, for each alignment:
    (text, block size to verify by when it does not cover the whole token, else 0, and how many
    of its characters lie before and after its whole encoded blocks)."""
    bits = 8 * block // out
    for pad in range(block):
        encoded = encode(b"\0" * pad + token + b"\0" * block)
        first = -(-pad // block)
        last = (pad + len(token)) // block
        if last > first:
            whole = first * block == pad and last * block == pad + len(token)
            low = -(-8 * pad // bits)  # the first character all of whose bits are token bits
            high = 8 * (pad + len(token)) // bits
            text = encoded[low:high].decode()
            yield text, 0 if whole else out, first * out - low, high - last * out


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ROTATIONS = [str.maketrans(_LOWER, _LOWER[shift:] + _LOWER[:shift]) for shift in range(26)]
"""Letter rotation by ``shift`` as a ``str.translate`` table."""


def _forms(token: str) -> Iterator[tuple[str, _Form]]:
    """Every direct rendering of a lower-case token, keyed by its lower-cased text."""
    raw = token.encode()
    yield token, _Form(token, "")
    yield token[::-1], _Form(token, "reversed")
    for shift in range(1, 26):  # rot13 and every other letter rotation: a whole family, not one trick
        yield token.translate(_ROTATIONS[shift]), _Form(token, "rot13" if shift == 13 else f"rot{shift}")
    yield raw.hex(), _Form(token, "hex")
    for codec in ("utf-16-le", "utf-16-be"):
        yield token.encode(codec).decode("latin-1"), _Form(token, "utf-16")
    for form, block, lead, trail in _aligned(raw, base64.b32encode, 5, 8):
        yield form.lower(), _Form(token, "base32", None, block, lead, trail)
    for form, block, lead, trail in _aligned(raw, base64.b64encode, 3, 4):
        url = form.translate(str.maketrans("+/", "-_"))
        yield form.lower(), _Form(token, "base64", form, block, lead, trail)
        if url != form:
            yield url.lower(), _Form(token, "base64url", url, block, lead, trail)


class _Automaton:
    """Every rendering of every token, lower-cased, found by its fingerprint and compared whole."""

    def __init__(self, forms: dict[str, list[_Form]]) -> None:
        self._keys = [key.encode("latin-1") for key in forms]
        self._index = PrefixIndex(self._keys)
        self.found = list(forms.values())

    def matches(self, text: bytes) -> Iterator[tuple[int, int, int]]:
        """(rendering index, start, end) of every rendering in ``text``, overlaps included."""
        for start, index in self._index.matches(text):
            yield index, start, start + len(self._keys[index])


def _automaton(tokens: Iterable[str]) -> _Automaton | None:
    forms: dict[str, list[_Form]] = {}
    for token in {t.lower() for t in tokens}:
        for key, form in _forms(token):
            forms.setdefault(key, []).append(form)
    return _Automaton(forms) if forms else None


def _excerpt(data: bytes, start: int, end: int) -> str:
    window = data[max(start - _CONTEXT, 0) : end + _CONTEXT]
    return window.decode("ascii", "backslashreplace").replace("\r", "\\r").replace("\n", "\\n")


def _widen(data: bytes, start: int, end: int, block: int, alphabet: bytes) -> bytes:
    """The rendering plus up to one encoded block either side (a MIME line break may sit between)."""
    reach = block + 2
    before = data[max(start - reach, 0) : start].translate(None, b"\r\n")
    keep = len(before)
    while keep and before[keep - 1] in alphabet and len(before) - keep < block:
        keep -= 1
    after = data[end : end + reach].translate(None, b"\r\n")
    stop = 0
    while stop < len(after) and stop < block and after[stop] in alphabet + b"=":
        stop += 1
    return before[keep:] + data[start:end] + after[:stop]


def _b64decode(text: bytes) -> bytes | None:
    body = text.translate(_URL_TO_STD).rstrip(b"=")
    body = body[:-1] if len(body) % 4 == 1 else body
    try:
        return base64.b64decode(body + b"=" * (-len(body) % 4), validate=True)
    except binascii.Error:
        return None


def _b32decode(text: bytes) -> bytes | None:
    body = text.upper().rstrip(b"=")
    while len(body) % 8 in (1, 3, 6):
        body = body[:-1]
    try:
        return base64.b32decode(body + b"=" * (-len(body) % 8))
    except binascii.Error:
        return None


def _verified(data: bytes, start: int, end: int, form: _Form) -> bool:
    """A rendering is a hit when its exact case matches and, if partial, its blocks decode to the token."""
    if form.exact is not None and data[start:end] != form.exact.encode():
        return False
    if not form.block:
        return True
    start, end = start + form.lead, end - form.trail  # the whole blocks: decoding starts at one
    if form.step == "base32":
        decoded = _b32decode(_widen(data, start, end, form.block, B32_ALPHABET))
    else:
        decoded = _b64decode(_widen(data, start, end, form.block, B64_ALPHABET))
    return decoded is not None and form.token.encode() in decoded.lower()


def _printable(data: bytes | memoryview) -> bool:
    """Mostly text: worth peeling again. Random decodes of ordinary words are not."""
    sample = bytes(data[:SAMPLE])
    return bool(sample) and _not_text(sample) <= NOT_TEXT_SHARE * len(sample)


def _not_text(sample: bytes) -> int:
    marked = sample.translate(_NOT_TEXT)
    if len(marked) < _FEW_BYTES:  # numpy's call costs more than counting a few bytes one by one
        return marked.count(1)
    return int(np.count_nonzero(np.frombuffer(marked, dtype=np.uint8)))


def _b64(run: bytes, offset: int) -> bytes | None:
    """The decoding of a base64 run from ``offset`` (its alignment is unknown: each is tried)."""
    clean = run.replace(b"\r", b"").replace(b"\n", b"")
    if b"\\" in clean:  # inside a JSON string: escaped line breaks and slashes
        clean = clean.replace(b"\\r", b"").replace(b"\\n", b"").replace(b"\\/", b"/")
    return _b64decode(clean[offset:])


def _hex(run: bytes, offset: int) -> bytes | None:
    """A hex run from ``offset``: it may start with the second nibble of a byte."""
    try:
        return bytes.fromhex(run[offset : offset + ((len(run) - offset) & ~1)].decode())
    except ValueError:
        return None


def _b32(run: bytes, offset: int) -> bytes | None:
    return _b32decode(run)


@dataclass(frozen=True)
class _RunDecoder:
    name: str
    alphabet: int
    """The class bit (:mod:`harness.detect.layer`) every byte of a run it decodes has (0: any run)."""
    alignments: int
    decode: Callable[[bytes, int], bytes | None]
    head: int
    """Characters that decode to at least what :func:`_printable` reads."""
    glimpse: int
    """Characters that decode to at least half of that."""


_RUN_DECODERS = (
    _RunDecoder("base64", 0, 4, _b64, 4 * (SAMPLE // 3 + 2), 4 * (SAMPLE // 6 + 2)),
    _RunDecoder("hex", HEX, 2, _hex, 2 * SAMPLE + 2, SAMPLE + 2),
    _RunDecoder("base32", BASE32, 1, _b32, 8 * (SAMPLE // 5 + 1), 8 * (SAMPLE // 10 + 1)),
)


def _hopeless(glimpse: bytes | None, whole: bool, budget: Budget) -> bool:
    """Whether a long run's head can be neither text nor (``whole``: read from the run's first
    byte) the start of a compressed stream, told from its first bytes alone: more of them are not
    text than :func:`_printable` allows in all it reads. A run of random bytes ends here, at half
    the decoding; any other is decoded as far as the text test reads, as before."""
    if glimpse is None:
        return False
    budget.spend(len(glimpse))
    return _not_text(glimpse[:SAMPLE]) > NOT_TEXT_SHARE * SAMPLE and not (whole and could_start(glimpse))


def _peeled(name: str, decoded: bytes, budget: Budget, whole: bool) -> tuple[tuple[str, ...], bytes] | None:
    """A decoding worth scanning again: text, or (a compressed file travels as one run from its
    first byte) a compressed stream at the start of a ``whole`` run."""
    if _printable(decoded):
        return (name,), decoded
    found = None
    if whole and could_start(decoded[:SAMPLE], whole=len(decoded) <= SAMPLE):
        found = stream_at(memoryview(decoded), budget, headless=True)
    return ((name, found[0]), found[1]) if found else None


def _runs(
    layer: Layer, spans: list[tuple[int, int]], budget: Budget
) -> Iterator[tuple[tuple[str, ...], bytes]]:
    """Decodings of long base64-alphabet runs (hex and base32 are subsets: each is tried). A long
    run is first decoded only as far as :func:`_printable` reads; the rest only if that head is
    text or can start a compressed stream, so a run of random bytes costs a few KiB to decode."""
    spans = [(start, end) for start, end in spans if end - start >= _MIN_RUN]
    for count, (start, end) in enumerate(spans):
        if count >= _MAX_RUNS or budget.left <= 0:
            return
        run = layer.data[start:end]
        for decoder in _RUN_DECODERS:
            if decoder.alphabet and not layer.all(decoder.alphabet, start, min(start + decoder.head, end)):
                continue  # (a run that is not hex or base32 past its head fails to decode whole)
            for offset in range(decoder.alignments):
                if len(run) > decoder.head + offset:
                    if _hopeless(
                        decoder.decode(run[: decoder.glimpse + offset], offset), offset == 0, budget
                    ):
                        continue
                    head = decoder.decode(run[: decoder.head + offset], offset)
                    budget.spend(len(head or b""))
                    if head is None or not (_printable(head) or (offset == 0 and could_start(head))):
                        continue
                decoded = decoder.decode(run, offset)
                if decoded is None:
                    continue
                budget.spend(len(decoded))
                found = _peeled(decoder.name, decoded, budget, offset == 0)
                if found:
                    yield found


def _percent(data: bytes) -> bytes:
    return unquote_to_bytes(data.replace(b"+", b" "))


def _json(data: bytes) -> bytes:
    return _JSON_ESCAPE.sub(_unescape, data)


def _entities(data: bytes) -> bytes:
    return _ENTITY.sub(_unentity, data)


def _character(code: int) -> bytes:
    return chr(code).encode("utf-8", "replace") if code > 0x7F else bytes([code])


def _unescape(match: re.Match[bytes]) -> bytes:
    return _character(int(match.group(1) or match.group(2), 16))


def _unentity(match: re.Match[bytes]) -> bytes:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return _character(code) if code <= 0x10FFFF else match.group()


def _separated_hex(data: bytes) -> bytes:
    return _SEPARATED_HEX.sub(
        lambda m: bytes.fromhex(re.sub(rb"[^0-9a-fA-F]", b"", m.group()).decode()), data
    )


def _prefixed_hex(data: bytes) -> bytes:
    return _PREFIXED_HEX.sub(
        lambda m: bytes(int(x, 16) for x in re.findall(rb"0[xX]([0-9a-fA-F]{1,2})", m.group())), data
    )


def _byte_list(data: bytes) -> bytes:
    def unlist(match: re.Match[bytes]) -> bytes:
        values = [int(x) for x in re.findall(rb"\d+", match.group())]
        return bytes(values) if max(values) <= 255 else match.group()

    return _BYTE_LIST.sub(unlist, data)


def _octal(data: bytes) -> bytes:
    return _OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), data)


def _ascii85(data: bytes) -> bytes:
    def unwrap(match: re.Match[bytes]) -> bytes:
        try:
            return base64.a85decode(match.group(1), ignorechars=b" \t\r\n")
        except ValueError:
            return match.group()

    return _ASCII85.sub(unwrap, data)


def _has_commas(layer: Layer) -> bool:
    """A byte array lists its bytes between commas: base64 and hex text, full of x, have none."""
    return b"," in layer.data


@dataclass(frozen=True)
class _Escape:
    """A textual escape: where it can be, and how to undo it."""

    name: str
    marks: tuple[bytes, ...]
    """Bytes one of which it cannot do without, looked for first at memchr speed."""
    pattern: re.Pattern[bytes]
    """One escape, or one escaped stretch, or a piece of one (decoding reaches :data:`_NEAR` past it)."""
    decode: Callable[[bytes], bytes]
    hint: Callable[[Layer], bool] | None = None
    """A cheaper test that must pass before ``pattern`` walks the layer."""


_ESCAPES = (
    _Escape("percent", (b"%",), _PERCENT, _percent),
    _Escape("json-escape", (b"\\",), _JSON_ESCAPE, _json),
    _Escape("quoted-printable", (b"=",), _QP, quopri.decodestring),
    _Escape("html-entities", (b"&",), _ENTITY, _entities),
    _Escape("hex", (b":", b"-", b" ", b",", b"."), _SEPARATED_HEX_TAIL, _separated_hex, Layer.has_hex_pairs),
    _Escape("hex", (b"x", b"X"), _PREFIXED_HEX, _prefixed_hex, _has_commas),
    _Escape("byte-list", (b",",), _BYTE_LIST_HINT, _byte_list),
    _Escape("octal-escape", (b"\\",), _OCTAL, _octal),
    _Escape("ascii85", (b"~",), _ASCII85, _ascii85),
)
"""Textual escapes; in binary data they only match by chance, so only text layers are unescaped."""


def _unescaped(layer: Layer, escape: _Escape) -> bytes | None:
    """``data`` with ``escape`` undone where it occurs: the stretches around its escapes (with
    :data:`_NEAR` bytes either side, for a rendering half escaped), decoded and joined by a byte no
    decoder reads; the whole layer where escapes are dense. None when it has none."""
    data = layer.data
    if not any(mark in data for mark in escape.marks):
        return None
    if escape.hint is not None and not escape.hint(layer):
        return None
    stretches: list[list[int]] = []
    for count, match in enumerate(escape.pattern.finditer(data)):
        if count >= _MAX_ESCAPES:
            return escape.decode(data)
        start, end = max(match.start() - _NEAR, 0), match.end() + _NEAR
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = end
        else:
            stretches.append([start, end])
    if not stretches:
        return None
    if stretches[0][0] == 0 and stretches[-1][1] >= len(data) and len(stretches) == 1:
        return escape.decode(data)
    return _APART.join(escape.decode(data[start:end]) for start, end in stretches)


def _regions(layer: Layer, budget: Budget) -> Iterator[tuple[tuple[str, ...], bytes]]:
    """Candidate decodings of one layer: (decoding steps, decoded bytes), each charged to the budget."""
    for kind, decoded in streams(layer.data, budget, _headless, body=layer.body_start):
        yield (kind,), decoded
    runs = layer.runs(RUN, _MIN_BASE85)
    yield from _runs(layer, runs, budget)
    yield from _xored(layer, budget)
    if not layer.printable:
        return
    for escape in _ESCAPES:
        if budget.left <= 0:
            return
        unescaped = _unescaped(layer, escape)
        if unescaped is not None:
            budget.spend(len(unescaped))
            yield (escape.name,), unescaped
    yield from _base85(layer, runs, budget)


def _headless(view: memoryview) -> bool:
    """Binary bytes without a magic number may still start a raw deflate or brotli stream."""
    return not _printable(view)


def _xored(layer: Layer, budget: Budget) -> Iterator[tuple[tuple[str, ...], bytes]]:
    """A binary body that is text under a one-byte XOR key, the oldest trick in malware.

    The key falls out of the body's most frequent bytes, which in text stand for a space, a
    quote, an ``e`` or (UTF-16) a NUL; of those keys, the one that makes a sample read best is
    taken if the sample then reads as words (many keys keep text printable, so printable is not
    enough). Compressed or random bytes cost a count of 1 KiB.
    """
    sample = layer.data[layer.body_start : layer.body_start + 1024]
    before = _wordy(sample)
    if len(sample) < _MIN_FORM or before > 1 - _BETTER:
        return  # already reads as text: no key could make it read clearly better
    if np.bincount(np.frombuffer(sample, dtype=np.uint8)).max() < len(sample) // 20:
        return  # flat, like compressed or random bytes: text has a byte (its space) far above the rest
    top = Counter(sample).most_common(2)
    keys = {common ^ plain for common, _ in top for plain in _XOR_PLAINS} - {0}
    score, key = max(((_wordy(sample.translate(_XOR_TABLES[k])), k) for k in keys), default=(0.0, 0))
    if score >= max(_WORDY, before + _BETTER):  # the key that reads best, if it reads as text at all
        decoded = layer.data[layer.body_start :].translate(_XOR_TABLES[key])
        budget.spend(len(decoded))
        yield (f"xor-{key:#04x}",), decoded


def _wordy(sample: bytes) -> float:
    """Share of letters, digits, spaces and JSON punctuation: high for text, low for XOR garbage."""
    return 1 - len(sample.translate(None, _WORD_BYTES)) / len(sample) if sample else 0.0


def _base85(
    layer: Layer, runs: list[tuple[int, int]], budget: Budget
) -> Iterator[tuple[tuple[str, ...], bytes]]:
    """Base85 runs (RFC 1924 and Ascii85 alphabets), each decoded whole: a run is one string value.

    A base85 text holds a character only base85 uses, or ``=``, or is all base64 alphabet. The
    first two are looked for in the layer's base85 runs (``=`` only in short ones: base64
    padding has it too); the last is one of the base64-alphabet ``runs`` found already, tried when
    short (a long base85 text without either is a one in a million chance, and a long run of
    base64 is left to the base64 decoders)."""
    data = layer.data
    spans = [(start, end) for start, end in runs if end - start < _PLAIN_BASE85]
    only = where(layer.classes, BASE85_ONLY)
    if len(only) or b"=" in data:
        starts, ends = layer.edges(BASE85, _MIN_BASE85)
        equals = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _EQUALS) if b"=" in data else only[:0]
        keep = inside(only, starts, ends) | ((ends - starts < _PLAIN_BASE85) & inside(equals, starts, ends))
        spans += zip(starts[keep].tolist(), ends[keep].tolist(), strict=True)
    texts = [data[start:end] for start, end in spans[:_MAX_RUNS]]
    if not texts:
        return
    for decodings in zip(b85decode_many(texts), a85decode_many(texts), strict=True):
        if budget.left <= 0:
            return
        for name, decoded in zip(("base85", "ascii85"), decodings, strict=True):
            if decoded is not None:
                budget.spend(len(decoded))
                if found := _peeled(name, decoded, budget, True):
                    yield found


@dataclass(frozen=True)
class Scan:
    hits: list[Hit]
    """Every distinct (token, decoding chain); the shortest chains come first."""
    complete: bool
    """False when the decode budget ran out: what was not decoded may hide a token."""


class CanaryMatcher:
    """Built once per run from every token; ``scan`` is safe to call on any hostile bytes."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._automaton = _automaton(tokens)

    def scan(self, data: bytes, *, max_depth: int = MAX_DEPTH) -> list[Hit]:
        """Every distinct (token, decoding chain) in ``data``; the shortest chains come first."""
        return self.examine(data, max_depth=max_depth).hits

    def examine(self, data: bytes, *, max_depth: int = MAX_DEPTH) -> Scan:
        """The hits in ``data`` and whether all of it could be decoded within the budget."""
        hits: dict[tuple[str, tuple[str, ...]], Hit] = {}
        budget = Budget(_BUDGET_FACTOR * len(data) + MAX_LAYER)
        if self._automaton is not None:
            self._scan_layer(data, (), max_depth, hits, budget)
        return Scan(sorted(hits.values(), key=lambda h: len(h.chain)), budget.left > 0)

    def _scan_layer(
        self,
        data: bytes,
        chain: tuple[str, ...],
        depth: int,
        hits: dict[tuple[str, tuple[str, ...]], Hit],
        budget: Budget,
    ) -> None:
        layer = Layer(data)
        self._direct(layer, chain, hits)
        if depth <= 0:
            return
        for steps, decoded in _regions(layer, budget):
            if len(decoded) >= _MIN_FORM and len(steps) <= depth and decoded != data:
                self._scan_layer(decoded[:MAX_LAYER], (*chain, *steps), depth - len(steps), hits, budget)

    def _direct(
        self, layer: Layer, chain: tuple[str, ...], hits: dict[tuple[str, tuple[str, ...]], Hit]
    ) -> None:
        """One pass over the layer, lower-cased with every byte no rendering uses blanked; where it
        starts with many blanks (binary bytes, words), only over the runs long enough to hold a
        rendering, joined by blanks."""
        assert self._automaton is not None
        data, shift = layer.data, [(0, 0)]
        sample = min(len(data), SAMPLE)
        if sample - layer.count(DIRECT, 0, sample) > SAMPLE // 16:
            shift, pieces, at = [], [], 0
            for start, end in layer.runs(DIRECT, _MIN_FORM):
                shift.append((at, start))
                pieces.append(data[start:end])
                at += end - start + 1
            text = b" ".join(pieces).translate(_DIRECT_TEXT)
        else:
            text = data.translate(_DIRECT_TEXT)
        for index, at, end in self._automaton.matches(text):
            base, origin = shift[bisect.bisect_right(shift, (at, len(data))) - 1]
            at, end = at - base + origin, end - base + origin
            for form in self._automaton.found[index]:
                if not _verified(data, at, end, form):
                    continue
                full = (*chain, form.step) if form.step else chain
                key = (form.token, full)
                if key not in hits or (not form.step and chain):
                    # a plain match in a decoded layer reads better than the encoded form of one chain
                    hits[key] = Hit(form.token, full, _excerpt(data, at, end))
