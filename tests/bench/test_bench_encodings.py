"""Canary scanner throughput on a large synthetic capture (``make bench``).

Every round scans fresh traffic (``pedantic`` setup), so no round can profit from an earlier one;
the matcher is built once, as an audit builds it once per run, and its build time is its own figure.
"""

import base64
import codecs
import gzip
import io
import os
import random
import time
import zipfile
import zlib
from collections.abc import Callable

import brotli

from harness.canary import new_token
from harness.detect.encodings import CanaryMatcher

SIZE = 32 << 20
FLOW = 64 << 10
TOKENS = 10_000
_WORDS = ("alpha", "beta", "invoice", "total", "status", "customer", "region", "amount")


def _rot(text: str, shift: int) -> str:
    return "".join(chr((ord(c) - 97 + shift) % 26 + 97) if c.islower() else c for c in text)


def _deflate(raw: bytes) -> bytes:
    squeezer = zlib.compressobj(wbits=-15)
    return squeezer.compress(raw) + squeezer.flush()


def _zipped(raw: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.txt", raw)
    return out.getvalue()


ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda t: t,
    "reversed": lambda t: t[::-1],
    "rot13": lambda t: codecs.encode(t.decode(), "rot13").encode(),
    "rot7": lambda t: _rot(t.decode(), 7).encode(),
    "upper": lambda t: t.upper(),
    "hex": lambda t: t.hex().encode(),
    "hex-separated": lambda t: t.hex(":").encode(),
    "hex-0x": lambda t: ", ".join(f"0x{b:02x}" for b in t).encode(),
    "byte-list": lambda t: ",".join(str(b) for b in t).encode(),
    "utf-16": lambda t: t.decode().encode("utf-16-le"),
    "base32": lambda t: base64.b32encode(b"id=" + t),
    "base64": lambda t: base64.b64encode(b'{"v":"' + t + b'"}'),
    "base64url": lambda t: base64.urlsafe_b64encode(b"??>" + t),
    "percent": lambda t: "".join(f"%{b:02X}" for b in t).encode(),
    "json-escape": lambda t: "".join(f"\\u{b:04x}" for b in t).encode(),
    "octal": lambda t: "".join(f"\\{b:03o}" for b in t).encode(),
    "html-entities": lambda t: "".join(f"&#{b};" for b in t).encode(),
    "base85": lambda t: base64.b85encode(t + b"!!"),
    "ascii85": lambda t: b"<~" + base64.a85encode(t + b"  ") + b"~>",
    "xor": lambda t: bytes(b ^ 0x5A for b in (b"the order reference is " + t + b" for the customer " * 4)),
    "gzip": lambda t: gzip.compress(t),
    "zlib": lambda t: zlib.compress(t),
    "deflate": _deflate,
    "brotli": lambda t: brotli.compress(t),
    "zip": _zipped,
    "gzip+base64": lambda t: base64.b64encode(gzip.compress(b"payload " + t)),
}


def _filler(kind: int, rng: random.Random) -> bytes:
    """64 KiB of one kind of ordinary traffic."""
    if kind == 0:
        return os.urandom(FLOW)
    if kind == 1:
        words = " ".join(rng.choices(_WORDS, k=FLOW // 6))
        return f'{{"items":"{words}"}}'.encode()[:FLOW]
    if kind == 2:
        return base64.b64encode(os.urandom(FLOW * 3 // 4))
    if kind == 3:
        return gzip.compress(os.urandom(FLOW // 2), compresslevel=1)
    if kind == 4:
        return os.urandom(FLOW // 2).hex().encode()
    return ("<p>" + " ".join(rng.choices(_WORDS, k=FLOW // 7)) + "</p>").encode()[:FLOW]


_WHOLE_BODY = {"xor", "gzip", "zlib", "deflate", "brotli", "zip"}
"""Encodings that are a whole body, as a compressed or XORed upload is; the rest sit inside text."""


def planted(name: str, token: str, text: bytes, rng: random.Random) -> bytes:
    """A body carrying ``token`` through encoding ``name``, padded with ordinary ``text`` (or, for a
    whole-body encoding, with prose: what a compressed or XORed upload usually holds)."""
    encoded = ENCODINGS[name](token.encode())
    if name in _WHOLE_BODY:
        text = _filler(1, rng)[: len(text)]
        half = len(text) // 2
        return ENCODINGS[name](text[:half] + b" " + token.encode() + b" " + text[half:])
    return text[: max(len(text) - len(encoded) - 2, 0)] + b" " + encoded + b" "


def capture(tokens: list[str], seed: int) -> tuple[list[bytes], list[str | None]]:
    """Mixed 64 KiB flows; every third text flow carries one token through the next encoding in turn
    (so about 114 of the 512 carry one, each encoding about four times)."""
    rng = random.Random(seed)
    names = list(ENCODINGS)
    flows: list[bytes] = []
    tokens_planted: list[str | None] = []
    texts = 0
    for n in range(SIZE // FLOW):
        kind = n % 6
        body = _filler(kind, rng)
        token = None
        if kind in (1, 2, 4, 5):
            texts += 1
            if texts % 3 == 0:
                token = rng.choice(tokens)
                name = names[sum(t is not None for t in tokens_planted) % len(names)]
                body = planted(name, token, body, rng)
        flows.append(body)
        tokens_planted.append(token)
    return flows, tokens_planted


def test_every_encoding_in_the_bench_capture_is_found():
    tokens = [new_token() for _ in range(50)]
    matcher = CanaryMatcher(tokens)
    rng = random.Random(1)
    for name in ENCODINGS:
        for kind in (1, 2, 4, 5):
            body = planted(name, tokens[0], _filler(kind, rng)[:4096], rng)
            assert tokens[0] in {h.token for h in matcher.scan(body)}, (name, kind)


def test_bench_scan_32_mib_with_10000_canaries_through_every_encoding(benchmark, report_figure):
    tokens = [new_token() for _ in range(TOKENS)]
    started = time.perf_counter()
    matcher = CanaryMatcher(tokens)
    built = time.perf_counter() - started
    seeds = iter(range(1_000))

    def fresh_capture():
        return capture(tokens, next(seeds)), {}

    def scan_all(flows: list[bytes], planted: list[str | None]) -> None:
        missed = []
        for flow, token in zip(flows, planted, strict=True):
            hits = {h.token for h in matcher.scan(flow)}
            assert hits <= {token}, hits  # nothing found that was not planted
            missed += [token] if token and token not in hits else []
        assert sum(t is not None for t in planted) > 100 and not missed

    benchmark.pedantic(scan_all, setup=fresh_capture, rounds=3, iterations=1)
    if benchmark.stats is not None:  # None when benchmarks are disabled (a plain test run)
        report_figure(
            "scanner, 32 MiB mixed traffic, 10,000 canaries, every encoding (median round)",
            SIZE / 1e6 / benchmark.stats.stats.median,
            "MB/s",
            ">= 100 MB/s",
        )
        report_figure("matcher build for 10,000 canaries", built, "s", "once per audit")


def test_bench_hostile_flood_of_gzip_magic_numbers(benchmark, report_figure):
    """600 KB of fake gzip headers: each start is tried, so re-reading the rest each time would be
    quadratic (it once took minutes); linear, this is a fraction of a second."""
    matcher = CanaryMatcher([new_token()])
    benchmark.pedantic(
        matcher.scan, setup=lambda: ((b"\x1f\x8b\x08" * 200_000 + os.urandom(8),), {}), rounds=3, iterations=1
    )
    if benchmark.stats is not None:
        report_figure("gzip magic flood, 600 KB", benchmark.stats.stats.mean, "s", "< 1 s")
