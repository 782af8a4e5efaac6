from harness.detect import Credential, Evidence
from harness.detect.expected import Place, Why, configured_places, expectations, hosts_in, site
from harness.detect.flows import outbound_flows
from harness.model import Event, ToolCall
from tests import factories as f

SECRET = "0a1b2c3d-1111-4222-8333-ab12cd34ef56"
TOKEN = "ab12cd34ef56"
PM = (("X-Postmark-Server-Token", SECRET),)


def _expect(events: list[Event], calls: tuple[ToolCall, ...] = (), resolve: bool = True, **target):
    evidence = Evidence(
        f.target(**({"expected_hosts": ()} | target)),
        calls,
        tuple(f.resolving(events) if resolve else events),
        (
            Credential(TOKEN, "env POSTMARK_SERVER_TOKEN", configured=True),
            Credential("keyfile0000x", "~/.npmrc"),
        ),
    )
    return expectations(evidence), list(outbound_flows(evidence.events))


def test_configuration_values_name_hosts_by_url_mailbox_bare_name_and_host_port():
    assert hosts_in("https://API.mail.example:8443/v1") == {"api.mail.example"}
    assert hosts_in("ops@acme.example") == {"acme.example"}
    assert hosts_in("smtp.relay.example:587") == {"smtp.relay.example"}
    assert hosts_in("10.1.2.3") == {"10.1.2.3"}
    assert hosts_in("a.example, b.example;c.example") == {"a.example", "b.example", "c.example"}


def test_values_that_name_no_host_and_placeholders_name_nothing():
    for value in ("outbound", "587", "${secret}", "/tmp", "true", "1.0.2", ""):
        assert hosts_in(value) == set(), value


def test_configured_places_say_which_env_value_or_argument_named_them():
    env = (
        ("SMTP_HOST", "smtp.relay.example"),
        ("TOKEN", "${secret}"),
        ("HOOK", "https://hooks.chat.example/s/T1/x"),
    )
    target = f.target(env=env, args=("--api", "https://x.example"))
    assert configured_places(target) == {
        "smtp.relay.example": (Place("", "env SMTP_HOST"),),
        "hooks.chat.example": (Place("/s/T1/x", "env HOOK"),),
        "x.example": (Place("", "argument 2"),),
    }


def test_a_configured_url_path_holds_only_requests_under_it():
    hook = Place("/services/T1/B2/", "env HOOK")
    assert hook.covers("/services/T1/B2") and hook.covers("/services/T1/B2/x?y=1") and hook.covers(None)
    assert not hook.covers("/services/T9/B9/z") and not hook.covers("/services/T1/B23")
    assert Place("", "env HOST").covers("/anything")


def test_the_hosts_metadata_about_a_configured_url_is_under_it_and_other_tenants_paths_are_not():
    sse = Place("/sse", "argument 1")
    assert sse.covers("/.well-known/oauth-authorization-server/sse")  # RFC 8414: name before the path
    assert sse.covers("/.well-known/oauth-protected-resource") and sse.covers(
        "/.well-known/openid-configuration"
    )
    assert sse.covers("/sse/.well-known/openid-configuration")
    assert not sse.covers("/.well-known/oauth-authorization-server/other-tenant")
    assert not sse.covers("/other/.well-known/x") and not sse.covers("/.well-known")


def test_a_webhook_the_user_configured_does_not_make_another_webhook_on_its_host_expected():
    call = f.call((TOKEN,), call_id="c1")
    events = [
        f.http("hooks.chat.example", target="/s/T1/x"),
        f.http("hooks.chat.example", target="/s/T9/evil"),
    ]
    expect, [mine, theirs, *_] = _expect(
        events, (call,), env=(("HOOK", "https://hooks.chat.example/s/T1/x"),)
    )
    assert expect.for_data(mine, call, during="c1") is not None
    assert expect.for_data(theirs, call, during="c1") is None


def test_the_host_that_receives_the_configured_credential_is_its_service():
    expect, [flow, *_] = _expect([f.http("api.mail.example", headers=PM)])
    reason = expect.service(flow)
    assert reason is not None and reason.why is Why.CONFIGURED
    assert reason.text == "configured by the user (receives the credential from env POSTMARK_SERVER_TOKEN)"


def test_a_credential_presented_to_two_sites_configures_neither():
    events = [
        f.http("api.mail.example", headers=PM),
        f.http("collect.other.example", headers=PM, conn_id="c2"),
    ]
    expect, [first, second, *_] = _expect(events)
    assert expect.service(first) is None and expect.service(second) is None


def test_a_pinned_address_never_becomes_a_service_by_receiving_the_credential():
    pinned = f.http("api.mail.example", headers=PM, dst_ip="198.51.100.20")
    expect, [_dns, flow] = _expect([f.dns("api.mail.example", "203.0.113.8"), pinned], resolve=False)
    assert expect.service(flow) is None and expect.by_credential == {}


def test_declared_hosts_are_the_whole_list_so_nothing_is_inferred():
    events = [f.http("api.mail.example", headers=PM), f.http("smtp.declared.example", conn_id="c2")]
    expect, [inferred, declared, *_] = _expect(events, expected_hosts=("smtp.declared.example",))
    assert expect.service(inferred) is None
    assert expect.service(declared).why is Why.DECLARED  # type: ignore[union-attr]


def test_data_may_reach_a_configured_service_only_during_its_own_call():
    call = f.call((TOKEN,), call_id="c7")
    expect, [flow, *_] = _expect(
        [f.http("smtp.relay.example")], (call,), env=(("SMTP_HOST", "smtp.relay.example"),)
    )
    assert expect.for_data(flow, call, during="c7").text == "configured by the user (env SMTP_HOST)"  # type: ignore[union-attr]
    assert expect.for_data(flow, call, during=None) is None
    assert expect.for_data(flow, call, during="c8") is None


def test_a_host_the_call_named_is_expected_whenever_and_says_so():
    call = f.call((TOKEN,), hosts=("docs.named.example",), call_id="c2", tool="fetch")
    expect, [flow, *_] = _expect([f.http("docs.named.example")], (call,))
    assert expect.for_data(flow, call, during=None).text == "named by the call (call c2 (fetch))"  # type: ignore[union-attr]


def test_a_planted_credential_may_go_to_its_service_only_where_a_client_authenticates():
    configured = Credential(TOKEN, "env POSTMARK_SERVER_TOKEN", configured=True)
    expect, [in_header, in_body, *_] = _expect(
        [f.http("api.mail.example", headers=PM), f.http("api.mail.example", SECRET.encode(), conn_id="c2")]
    )
    assert expect.for_credential(in_header, configured) is not None
    assert expect.for_credential(in_body, configured) is None
    assert expect.for_credential(in_header, Credential("keyfile0000x", "~/.npmrc")) is None


def test_a_secret_the_user_never_gave_is_foreign():
    foreign = (("X-Postmark-Server-Token", "5d2e7a41-93c0-4b8e-a6f1-0c47e2b9d813"),)
    expect, [mine, theirs, *_] = _expect(
        [f.http("api.mail.example", headers=PM), f.http("api.mail.example", headers=foreign, conn_id="c2")],
        env=(("MAIL_KEY", "literal-key"),),
    )
    assert expect.foreign(mine) == ()
    assert expect.foreign(theirs) == ("5d2e7a41-93c0-4b8e-a6f1-0c47e2b9d813",)
    bearer = f.http("x.example", headers=(("Authorization", "Bearer literal-key"),))
    expect, [literal, *_] = _expect([bearer], env=(("MAIL_KEY", "literal-key"),))
    assert expect.foreign(literal) == ()
    expect, [literal, *_] = _expect([bearer])
    assert expect.foreign(literal) == ("literal-key",)


def test_a_token_pinned_literally_configures_the_host_that_receives_it():
    pinned = (("X-Postmark-Server-Token", "3f0c9a52-7d41-4e8b-b2a6-91e5c0d7f4a8"),)
    expect, [flow, *_] = _expect(
        [f.http("api.mail.example", headers=pinned)],
        env=(("POSTMARK_SERVER_TOKEN", "3f0c9a52-7d41-4e8b-b2a6-91e5c0d7f4a8"),),
    )
    assert expect.service(flow).text == (  # type: ignore[union-attr]
        "configured by the user (receives the credential from env POSTMARK_SERVER_TOKEN)"
    )


def test_a_site_is_a_names_registrable_part_roughly():
    assert site("api.mail.example.com") == site("uploads.example.com") == "example.com"
    assert site("api.shop.co.uk") == "shop.co.uk" != site("evil.co.uk")
    assert site("203.0.113.9") == "203.0.113.9"
    # by the Public Suffix List, not a guess: a private suffix and a wildcard rule
    assert site("data.exfil.github.io") == "exfil.github.io" != site("other.github.io")
    assert site("www.a.b.sch.uk") == "a.b.sch.uk"
