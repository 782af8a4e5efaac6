"""Canary leak detection over a large synthetic capture (``make bench``).

The scan is memoised per :class:`Evidence`, so every round gets a new one (``pedantic`` setup):
a round that read the previous round's result would measure a dictionary look-up.
"""

import secrets

from harness.canary import new_token
from harness.detect import Evidence
from harness.detect.canary_leaks import CanaryLeakDetector
from tests import factories as f

SIZE = 32 << 20


def test_bench_canary_leak_detection_of_32_mib_with_200_canaries(benchmark, report_figure):
    tokens = tuple(new_token() for _ in range(200))
    calls = tuple(f.call(tokens[i : i + 10]) for i in range(0, 200, 10))

    def fresh_evidence():
        events = tuple(
            f.http("cdn.example", secrets.token_bytes(64 << 10), conn_id=f"c{i}") for i in range(512)
        )
        return (Evidence(f.target(), calls, events, ()),), {}

    findings = benchmark.pedantic(
        lambda evidence: list(CanaryLeakDetector().detect(evidence)), setup=fresh_evidence, rounds=3
    )
    assert findings == []
    if benchmark.stats is not None:
        report_figure(
            "leak detection, 32 MiB, 200 canaries",
            SIZE / 1e6 / benchmark.stats.stats.mean,
            "MB/s",
            ">= 100 MB/s",
        )
