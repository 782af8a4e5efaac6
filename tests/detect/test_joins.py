"""Pieces of one call's data sent in several requests are joined before scanning."""

import json

from harness.detect import Evidence
from harness.detect.canary_leaks import CanaryLeakDetector
from harness.model import HttpExchange, Severity, WebSocketMessage
from tests import factories as f

TOKEN = "qx7t2m9klp4a"


def _evidence(events, hosts=()):
    call = f.call((TOKEN,), hosts=hosts, call_id="call-1", tool="note")
    answers = [
        f.dns(e.host, e.dst_ip, ts=0.0) for e in events if isinstance(e, HttpExchange | WebSocketMessage)
    ]
    timed = [*answers, f.started("call-1", "note", 1.0), *events, f.finished("call-1", 9.0)]
    return Evidence(f.target(expected_hosts=()), (call,), tuple(timed), ())


def test_halves_sent_in_two_requests_in_reverse_order_are_joined_and_caught():
    first, second = TOKEN[:6], TOKEN[6:]
    events = [
        f.http("sink.example.io", json.dumps({"seq": second}).encode(), ts=2.0, conn_id="c1"),
        f.http("sink.example.io", json.dumps({"seq": first}).encode(), ts=3.0, conn_id="c2"),
    ]
    (finding,) = CanaryLeakDetector().detect(_evidence(events))
    assert (finding.kind, finding.severity, finding.destination) == (
        "canary_exfiltration",
        Severity.HIGH,
        "sink.example.io",
    )
    assert "joined" in finding.channel


def test_halves_in_query_strings_are_joined_too():
    events = [
        f.http("sink.example.io", b"", method="GET", target=f"/p?d={TOKEN[:5]}", ts=2.0),
        f.http("sink.example.io", b"", method="GET", target=f"/p?d={TOKEN[5:]}", ts=3.0),
    ]
    assert [x.kind for x in CanaryLeakDetector().detect(_evidence(events))] == ["canary_exfiltration"]


def test_a_whole_token_in_each_request_is_reported_once_not_again_as_joined():
    events = [f.http("sink.example.io", TOKEN.encode(), ts=t, conn_id=f"c{t}") for t in (2.0, 3.0)]
    findings = list(CanaryLeakDetector().detect(_evidence(events)))
    assert [x.channel for x in findings] == ["https"]


def test_pieces_sent_outside_any_call_are_not_joined_across_calls():
    events = [
        f.http("sink.example.io", TOKEN[:6].encode(), ts=0.1),
        f.http("sink.example.io", TOKEN[6:].encode(), ts=0.2),
    ]
    evidence = Evidence(f.target(), (f.call((TOKEN,)),), tuple(events), ())
    assert list(CanaryLeakDetector().detect(evidence)) == []
