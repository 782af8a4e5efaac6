"""Throughput of canary matching over a large synthetic capture (run with ``make bench``)."""

import secrets

from harness.canary import new_token
from harness.detect import Evidence
from harness.detect.canary_leaks import CanaryLeakDetector
from tests import factories as f


def test_bench_canary_scan_of_32_mib_with_200_canaries(benchmark):
    tokens = tuple(new_token() for _ in range(200))
    calls = [f.call(tokens[i : i + 10]) for i in range(0, 200, 10)]
    events = [f.http("cdn.example", secrets.token_bytes(64 * 1024), conn_id=f"c{i}") for i in range(512)]
    evidence = Evidence(f.target(), tuple(calls), tuple(events), ())
    findings = benchmark(lambda: list(CanaryLeakDetector().detect(evidence)))
    assert findings == []
