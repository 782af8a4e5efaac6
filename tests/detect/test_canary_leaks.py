from harness.detect import Credential, Evidence
from harness.detect.canary_leaks import CanaryLeakDetector
from harness.model import Event, PhaseStarted, Severity, ToolCall
from tests import factories as f

TOKEN = "qx7t2m9klp4a"
TO = f"maria.{TOKEN}@brightlane.io"


def _detect(
    calls: list[ToolCall], events: list[Event], env: tuple[str, ...] = (), files: tuple[str, ...] = ()
) -> list:
    credentials = tuple(Credential(t, "env TOKEN", configured=True) for t in env)
    credentials += tuple(Credential(t, "~/.ssh/id_rsa") for t in files)
    evidence = Evidence(f.target(), tuple(calls), tuple(f.resolving(events)), credentials)
    return list(CanaryLeakDetector().detect(evidence))


def test_mail_to_exactly_the_named_recipient_through_the_declared_api_is_clean():
    call = f.call((TOKEN,), recipients=(TO,))
    events = [f.http("api.postmarkapp.com", TO.encode()), f.submission((TO,), text=TOKEN)]
    assert _detect([call], events) == []


def test_hidden_bcc_on_the_declared_api_is_an_unexpected_recipient():
    call = f.call((TOKEN,), recipients=(TO,), tool="sendEmail")
    events = [
        f.http("api.postmarkapp.com", TO.encode()),
        f.submission((TO,), bcc=("someone@elsewhere.net",), text=TOKEN),
    ]
    [finding] = _detect([call], events)
    assert finding.kind == "unexpected_recipient"
    assert finding.destination == "someone@elsewhere.net"
    assert finding.channel == "postmark API over https"
    assert finding.tool == "sendEmail" and finding.canary == TOKEN
    assert finding.call_id == call.call_id
    assert "someone@elsewhere.net" in finding.evidence
    assert finding.event_index == 1


def test_canary_posted_to_a_host_no_one_named_is_exfiltration_whatever_its_name():
    call = f.call((TOKEN,), recipients=(TO,))
    [finding] = _detect([call], [f.http("telemetry.some-cdn.dev", b'{"d":"QX7T2M9KLP4A"}')])
    assert finding.kind == "canary_exfiltration"
    assert finding.severity is Severity.HIGH
    assert finding.destination == "telemetry.some-cdn.dev"


def test_a_url_the_call_named_may_receive_its_canary():
    call = f.call((TOKEN,), hosts=("docs.brightlane.io",))
    assert _detect([call], [f.http("docs.brightlane.io", TOKEN.encode())]) == []


def test_smtp_envelope_recipient_not_named_by_the_call_is_flagged_and_host_resolved_from_dns():
    call = f.call((TOKEN,), recipients=(TO,))
    events = [f.dns("smtp.postmarkapp.com", "198.18.0.7"), f.smtp((TO, "drop@x.example"), TOKEN.encode())]
    kinds = {(x.kind, x.destination) for x in _detect([call], events)}
    assert kinds == {
        ("canary_exfiltration", "smtp.postmarkapp.com"),
        ("unexpected_recipient", "drop@x.example"),
    }


def test_canary_inside_a_dns_name_is_exfiltration_to_that_name():
    call = f.call((TOKEN,))
    [finding] = _detect([call], [f.dns(f"{TOKEN}.a.example.org")])
    assert (finding.kind, finding.channel) == ("canary_exfiltration", "dns")


def test_environment_credential_sent_anywhere_but_the_declared_service_is_critical():
    secret = "fe86d1f1d71a"
    events = [
        f.http("api.postmarkapp.com", secret.encode()),
        f.http("paste.example", secret.encode(), conn_id="c2"),
    ]
    [finding] = _detect([], events, env=(secret,))
    assert finding.kind == "credential_exfiltration" and finding.severity is Severity.CRITICAL
    assert finding.destination == "paste.example" and finding.call_id is None
    assert "env TOKEN" in finding.title


def test_a_credential_leak_is_placed_in_the_call_or_phase_it_left_during():
    secret = "fe86d1f1d71a"
    events = [
        PhaseStarted(0.5, "install"),
        f.http("stats.example", secret.encode(), ts=0.6),
        PhaseStarted(1.0, "calls"),
        f.started("call-1-a", "lookup", 2.0),
        f.http("paste.example", secret.encode(), conn_id="c2", ts=2.1),
        f.finished("call-1-a", 2.2),
    ]
    first, second = _detect([], events, env=(secret,))
    assert (first.phase, first.call_id, first.tool) == ("install", None, None)
    assert "during install" in first.title
    assert (second.phase, second.call_id, second.tool) == (None, "call-1-a", "lookup")
    assert "during lookup (call-1-a)" in second.title


def test_a_planted_key_file_may_go_nowhere_not_even_to_the_declared_service():
    token = "ab12cd34ef56"
    [finding] = _detect([], [f.http("api.postmarkapp.com", token.upper().encode())], files=(token,))
    assert finding.kind == "credential_exfiltration" and "~/.ssh/id_rsa" in finding.title


def test_the_same_leak_repeated_is_reported_once():
    call = f.call((TOKEN,))
    events = [f.http("evil.example", TOKEN.encode()), f.http("evil.example", TOKEN.encode(), conn_id="c2")]
    assert len(_detect([call], events)) == 1


def test_a_credential_used_as_smtp_password_toward_an_unnamed_server_is_caught():
    secret = "fe86d1f1d71a"
    events = [f.dns("mx.unrelated.example", "198.18.0.7"), f.smtp(("a@b.example",), b"hi", password=secret)]
    [finding] = _detect([], events, env=(secret,))
    assert (finding.kind, finding.destination) == ("credential_exfiltration", "mx.unrelated.example")


def _configured(calls: list[ToolCall], events: list[Event], resolve: bool = True, **target) -> list:
    credentials = (Credential("cd34ef56ab12", "env MAIL_TOKEN", configured=True),)
    spec = f.target(**({"expected_hosts": ()} | target))
    evidence = Evidence(spec, tuple(calls), tuple(f.resolving(events) if resolve else events), credentials)
    return list(CanaryLeakDetector().detect(evidence))


KEY = (("X-Postmark-Server-Token", "0a1b2c3d-1111-4222-8333-cd34ef56ab12"),)


def test_a_relay_the_user_configured_in_env_may_carry_the_call_but_not_a_recipient_it_never_named():
    call = f.call((TOKEN,), recipients=(TO,), call_id="c1")
    events = [
        f.started("c1", "sendMail", 1.0),
        f.dns("smtp.relay.example", "203.0.113.25", ts=1.5),
        f.smtp((TO, "copies@keeper.example"), TOKEN.encode(), dst_ip="203.0.113.25"),
        f.finished("c1", 3.0),
    ]
    findings = _configured([call], events, env=(("SMTP_HOST", "smtp.relay.example"),))
    assert [(x.kind, x.destination) for x in findings] == [("unexpected_recipient", "copies@keeper.example")]


def test_the_api_that_receives_the_configured_token_may_carry_the_call_during_it():
    call = f.call((TOKEN,), recipients=(TO,), call_id="c1")
    events = [
        f.started("c1", "sendEmail", 0.9),
        f.http("api.mail.example", TO.encode(), headers=KEY),
        f.submission((TO,), text=TOKEN),
        f.finished("c1", 3.0),
    ]
    assert _configured([call], events) == []


def test_a_configured_service_reached_with_the_call_data_after_the_call_is_exfiltration():
    call = f.call((TOKEN,), recipients=(TO,), call_id="c1")
    events = [
        f.started("c1", "sendEmail", 0.1),
        f.finished("c1", 0.2),
        PhaseStarted(0.3, "linger"),
        f.http("api.mail.example", TOKEN.encode(), headers=KEY),
    ]
    [finding] = _configured([call], events)
    assert finding.kind == "canary_exfiltration" and "outside the call" in finding.title


def test_a_pinned_address_claiming_the_configured_api_is_judged_by_where_it_went():
    call = f.call((TOKEN,), recipients=(TO,), call_id="c1")
    events = [
        f.started("c1", "sendEmail", 0.1),
        f.dns("api.mail.example", "203.0.113.8", ts=0.0),
        f.http("api.mail.example", headers=KEY, conn_id="c0", ts=0.05, dst_ip="203.0.113.8"),
        f.http("api.mail.example", TOKEN.encode(), headers=KEY, dst_ip="198.51.100.20"),
        f.finished("c1", 3.0),
    ]
    findings = _configured([call], events, resolve=False)
    assert {(x.kind, x.destination) for x in findings} == {
        ("canary_exfiltration", "198.51.100.20:443"),
        ("credential_exfiltration", "198.51.100.20:443"),
    }
