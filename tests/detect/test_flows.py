"""Channels a flow can take: WebSocket messages, DNS through a DoH resolver."""

from harness.detect.canary_leaks import CanaryLeakDetector
from harness.detect.egress import UnexpectedEgressDetector
from harness.model import Connection, DnsQuery, WebSocketMessage
from tests import factories as f
from tests.detect.test_joins import TOKEN, _evidence


def _ws(data: bytes, host: str = "telemetry.example.io") -> WebSocketMessage:
    return WebSocketMessage(2.0, "c9", "198.18.0.4", 443, True, host, host, "/v1", data, True)


def test_a_canary_in_a_websocket_message_is_exfiltration_over_wss():
    (finding,) = CanaryLeakDetector().detect(_evidence([_ws(b'{"event":"' + TOKEN.encode() + b'"}')]))
    assert (finding.destination, finding.channel) == ("telemetry.example.io", "wss")


def test_a_websocket_to_a_host_the_call_named_is_clean():
    evidence = _evidence([_ws(TOKEN.encode())], hosts=("telemetry.example.io",))
    assert list(CanaryLeakDetector().detect(evidence)) == []
    assert list(UnexpectedEgressDetector().detect(evidence)) == []


def _doh(qname: str, port: int = 41000) -> list:
    return [
        Connection(2.0, "c5", port, "198.18.3.3", 443, "http"),
        f.http(
            "dns.resolver.example",
            b"\x00\x01",
            conn_id="c5",
            ts=2.1,
            headers=(("content-type", "application/dns-message"),),
        ),
        DnsQuery(2.1, qname, "A", port, "198.18.0.1", "https", "dns.resolver.example"),
    ]


def test_hex_labels_through_a_doh_resolver_name_the_tunnelled_domain_with_the_resolver_as_channel():
    hexed = TOKEN.encode().hex()
    events = _doh(f"{hexed[:10]}.{hexed[10:]}.c.tunnel-metrics.net.")
    findings = list(CanaryLeakDetector().detect(_evidence(events)))
    assert {(x.destination, x.channel) for x in findings} == {
        ("tunnel-metrics.net", "dns over https via dns.resolver.example (reassembled)")
    }


def test_a_doh_lookup_of_a_host_the_call_named_is_clean():
    evidence = _evidence(_doh("api.partner.example."), hosts=("api.partner.example",))
    assert list(CanaryLeakDetector().detect(evidence)) == []
    assert list(UnexpectedEgressDetector().detect(evidence)) == []
