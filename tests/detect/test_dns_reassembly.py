import base64

from harness.detect.dns_reassembly import dns_sessions, parent_of
from harness.detect.encodings import CanaryMatcher
from tests import factories as f

TOKEN = "qx7t2m9klp4a"


def test_parent_domain_is_the_registrable_domain_by_the_public_suffix_list():
    assert parent_of("a.b.evil.example.net.") == "example.net"
    assert parent_of("x.y.shop.co.uk") == "shop.co.uk"
    # a length guess gets these wrong: a long public suffix, a short owned name, a private suffix
    assert parent_of("data.a.b.sch.uk") == "a.b.sch.uk"
    assert parent_of("x.abc.com") == "abc.com"
    assert parent_of("data.exfil.github.io") == "exfil.github.io"
    assert parent_of("co.uk") == "co.uk"


def test_hex_chunks_over_three_queries_with_counters_are_reassembled_in_counter_order():
    chunks = [TOKEN.encode().hex()[i : i + 8] for i in range(0, 24, 8)]
    names = [f"{n}.{chunk}.d.cdn-metrics.example.net" for n, chunk in enumerate(chunks)]
    events = [f.dns(names[2]), f.dns(names[0]), f.dns(names[1]), f.dns(names[1])]
    [session] = dns_sessions(events)
    assert session.parent == "example.net"
    assert session.payload == TOKEN.encode().hex().encode()
    assert [h.token for h in CanaryMatcher([TOKEN]).scan(session.payload)] == [TOKEN]


def test_base32_token_split_over_labels_of_one_query_is_joined():
    encoded = base64.b32encode(TOKEN.encode()).decode().rstrip("=").lower()
    [session] = dns_sessions([f.dns(f"{encoded[:10]}.{encoded[10:]}.t.example.org")])
    assert CanaryMatcher([TOKEN]).scan(session.payload)[0].chain == ("base32",)


def test_a_single_ordinary_lookup_is_not_a_session():
    assert list(dns_sessions([f.dns("api.postmarkapp.com"), f.dns("api.postmarkapp.com")])) == []


def test_two_transfers_with_their_own_ids_are_reassembled_separately():
    hexed = [t.encode().hex() for t in (TOKEN, "b8kd02mxq7ve")]
    events = [
        f.dns(f"{n}.{h[i : i + 12]}.{sid}.d.cdn-metrics.example.net")
        for h, sid in zip(hexed, ("k3j2aa", "p9x1bb"), strict=True)
        for n, i in enumerate(range(0, 24, 12))
    ]
    payloads = {s.payload for s in dns_sessions(events)}
    assert payloads >= {h.encode() for h in hexed}


def test_hex_cut_at_every_label_boundary_joins_even_where_chunks_look_like_counters_or_repeat():
    hexed = "3132" + TOKEN.encode().hex() + "3132"  # digits before and after: all-digit, repeated labels
    matcher = CanaryMatcher([TOKEN])
    for width in range(2, 9):
        chunks = [hexed[i : i + width] for i in range(0, len(hexed), width)]
        events = [f.dns(f"{chunk}.x7.t.example.org") for chunk in chunks]
        found = {h.token for s in dns_sessions(events) for h in matcher.scan(s.payload)}
        assert found == {TOKEN}, width


def test_base32_over_several_queries_joins_in_arrival_order():
    encoded = base64.b32encode(TOKEN.encode()).decode().rstrip("=").lower()
    events = [f.dns(f"{encoded[i : i + 5]}.u.example.org") for i in range(0, len(encoded), 5)]
    assert any(CanaryMatcher([TOKEN]).scan(s.payload) for s in dns_sessions(events))


def test_queries_through_a_doh_resolver_form_their_own_session_named_by_the_resolver():
    hexed = TOKEN.encode().hex()
    events = [
        f.dns(f"{hexed[:12]}.t.example.org", transport="https", resolver="dns.resolver.example"),
        f.dns(f"{hexed[12:]}.t.example.org", transport="https", resolver="dns.resolver.example"),
        f.dns("unrelated.t.example.org"),
    ]
    doh = [s for s in dns_sessions(events) if s.channel == "dns over https via dns.resolver.example"]
    assert [s.payload for s in doh] == [hexed.encode()]
    assert doh[0].parent == "example.org"
