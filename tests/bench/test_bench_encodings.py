"""Canary scanner throughput on a large synthetic capture (``make bench``)."""

import base64
import gzip
import os
import random

from harness.canary import new_token
from harness.detect.encodings import CanaryMatcher

SIZE = 32 << 20


def _capture(tokens: list[str]) -> list[bytes]:
    """64 KiB flows: random bytes, JSON-ish text, base64 and gzip blobs; a few carry a token."""
    rng = random.Random(7)
    flows = []
    for n in range(SIZE // (64 << 10)):
        kind = n % 4
        if kind == 0:
            body = os.urandom(64 << 10)
        elif kind == 1:
            words = " ".join(
                rng.choice(("alpha", "beta", "invoice", "total", "status")) for _ in range(11000)
            )
            body = f'{{"items":"{words}"}}'.encode()[: 64 << 10]
        elif kind == 2:
            body = base64.b64encode(os.urandom(48 << 10))
        else:
            body = gzip.compress(
                os.urandom(32 << 10) + (tokens[n % len(tokens)].encode() if n % 16 == 3 else b"")
            )
        flows.append(body)
    return flows


def test_bench_scan_32_mib_with_500_tokens(benchmark):
    tokens = [new_token() for _ in range(500)]
    matcher = CanaryMatcher(tokens)
    flows = _capture(tokens)

    def scan_all() -> int:
        return sum(1 for flow in flows if matcher.scan(flow))

    hits = benchmark.pedantic(scan_all, rounds=3, iterations=1)
    assert hits == sum(1 for n in range(len(flows)) if n % 4 == 3 and n % 16 == 3)
    if benchmark.stats is not None:  # None when benchmarks are disabled (a plain test run)
        benchmark.extra_info["MB_per_s"] = round(SIZE / 1e6 / benchmark.stats.stats.mean, 1)


def test_bench_hostile_flood_of_gzip_magic_numbers(benchmark):
    """600 KB of fake gzip headers: each start is tried, so re-reading the rest each time would be
    quadratic (it once took minutes); linear, this is a fraction of a second."""
    matcher = CanaryMatcher([new_token()])
    flood = b"\x1f\x8b\x08" * 200_000
    benchmark.pedantic(matcher.scan, args=(flood,), rounds=3, iterations=1)
