from harness.detect import Credential, Evidence
from harness.detect.ledger import flow_records
from tests import factories as f

TOKEN = "qx7t2m9klp4a"
KEY = (("X-Postmark-Server-Token", "0a1b2c3d-1111-4222-8333-cd34ef56ab12"),)


def test_every_flow_says_where_it_went_and_why_it_was_expected():
    call = f.call((TOKEN,), hosts=("docs.named.example",), call_id="c1", tool="fetch")
    events = [
        f.started("c1", "fetch", 0.9),
        f.http("docs.named.example", TOKEN.encode()),
        f.http("api.mail.example", headers=KEY, conn_id="c2"),
        f.http("smtp.relay.example", conn_id="c3"),
        f.http("api.postmarkapp.com", conn_id="c4"),
        f.http("stray.example", conn_id="c5"),
        f.finished("c1", 3.0),
    ]
    evidence = Evidence(
        f.target(env=(("SMTP_HOST", "smtp.relay.example"),), expected_hosts=()),
        (call,),
        tuple(f.resolving(events)),
        (Credential("cd34ef56ab12", "env MAIL_TOKEN", configured=True),),
    )
    records = {r.host: r for r in flow_records(evidence) if r.channel == "https"}
    assert records["docs.named.example"].why == "named by the call (call c1 (fetch))"
    assert (
        records["api.mail.example"].why
        == "configured by the user (receives the credential from env MAIL_TOKEN)"
    )
    assert records["smtp.relay.example"].expected == "configured"
    assert records["stray.example"].expected is None and records["stray.example"].why is None
    assert records["docs.named.example"].address == f"{f.address('docs.named.example')}:443"


def test_declared_hosts_are_said_to_be_declared():
    evidence = Evidence(f.target(), (), tuple(f.resolving([f.http("api.postmarkapp.com")])))
    [record, _dns] = flow_records(evidence)
    assert (record.expected, record.why) == ("declared", "declared by the scenario (expected hosts)")


def test_a_request_to_the_right_service_under_another_account_is_not_expected():
    theirs = (("X-Postmark-Server-Token", "5d2e7a41-93c0-4b8e-a6f1-0c47e2b9d813"),)
    events = f.resolving(
        [f.http("api.postmarkapp.com"), f.http("api.postmarkapp.com", headers=theirs, conn_id="c2")]
    )
    mine, foreign, _dns = flow_records(Evidence(f.target(), (), tuple(events)))
    assert mine.expected == "declared" and foreign.expected is None
