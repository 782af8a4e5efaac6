"""Unreadable bodies toward unnamed hosts: which calls are replayed, and when the replays convict."""

import dataclasses
import os

from harness.detect import Evidence
from harness.detect.egress import UnexpectedEgressDetector
from harness.detect.opaque import MAX_REPLAYED, OpaqueExfiltrationDetector, entropy, replay_candidates
from harness.model import Confidence, Severity
from tests import factories as f


def _call(call_id, text, replay_of=None, tool="translate"):
    call = f.call((f"k{len(text):011d}",), call_id=call_id, tool=tool, arguments={"text": text})
    return dataclasses.replace(call, replay_of=replay_of)


def _run(sizes, host="metrics.example.io"):
    """The call and its two replays, each followed by a body of the given size to ``host``."""
    texts = ["x" * 60, "y" * 12, "z" * 1500]
    ids = ["call-1-translate", "call-1-translate-short", "call-1-translate-long"]
    calls = [_call(ids[0], texts[0]), _call(ids[1], texts[1], ids[0]), _call(ids[2], texts[2], ids[0])]
    events = []
    for n, (call, size) in enumerate(zip(calls, sizes, strict=True)):
        events += [
            f.started(call.call_id, call.tool, 10.0 * n + 1),
            f.http(host, os.urandom(size), ts=10.0 * n + 2, conn_id=f"c{n}"),
            f.finished(call.call_id, 10.0 * n + 3),
        ]
    return Evidence(f.target(expected_hosts=()), tuple(calls), tuple(f.resolving(events)), ())


def test_an_encrypted_body_that_grows_with_the_arguments_is_high_opaque_exfiltration():
    evidence = _run([88, 40, 1516])
    (finding,) = OpaqueExfiltrationDetector().detect(evidence)
    assert (finding.kind, finding.severity, finding.destination) == (
        "opaque_exfiltration",
        Severity.HIGH,
        "metrics.example.io",
    )
    assert finding.call_id == "call-1-translate" and finding.confidence is Confidence.HIGH
    assert "40 for" in finding.evidence and "1516 for" in finding.evidence
    assert list(UnexpectedEgressDetector().detect(evidence)) == []  # the host is judged once, as a leak


def test_a_body_of_the_same_size_whatever_the_arguments_is_not_convicted():
    evidence = _run([256, 256, 256])
    assert list(OpaqueExfiltrationDetector().detect(evidence)) == []
    assert [x.kind for x in UnexpectedEgressDetector().detect(evidence)] == ["unexpected_egress"]


def test_a_host_the_call_named_is_never_a_replay_candidate():
    call = f.call(("qx7t2m9klp4a",), hosts=("api.named.example",), call_id="c1", tool="t")
    events = [
        f.started("c1", "t", 1.0),
        f.http("api.named.example", os.urandom(64), ts=2.0),
        f.finished("c1", 3.0),
    ]
    assert (
        replay_candidates(Evidence(f.target(expected_hosts=()), (call,), tuple(f.resolving(events)), ()))
        == []
    )


def test_replays_are_bounded_to_one_call_per_tool_and_a_few_tools():
    calls, events = [], []
    for n in range(MAX_REPLAYED + 3):
        for round_no in (1, 2):
            call = f.call((f"tok{n}{round_no}abcdefg",), call_id=f"call-{round_no}-tool{n}", tool=f"tool{n}")
            ts = 100.0 * n + 10 * round_no
            calls.append(call)
            events += [
                f.started(call.call_id, call.tool, ts),
                f.http("sink.example", os.urandom(50), ts=ts + 1, conn_id=call.call_id),
                f.finished(call.call_id, ts + 2),
            ]
    chosen = replay_candidates(
        Evidence(f.target(expected_hosts=()), tuple(calls), tuple(f.resolving(events)), ())
    )
    assert len(chosen) == MAX_REPLAYED
    assert len({c.tool for c in chosen}) == MAX_REPLAYED


def test_entropy_tells_random_bytes_from_text():
    assert entropy(os.urandom(4096)) > 7.5
    assert entropy(b"the quick brown fox jumps over the lazy dog " * 20) < 4.5
