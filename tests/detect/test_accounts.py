from harness.detect import Credential, Evidence
from harness.detect.accounts import ForeignCredentialDetector
from harness.model import Severity
from tests import factories as f

TOKEN = "qx7t2m9klp4a"
TO = f"maria.{TOKEN}@brightlane.io"
MINE = (("X-Postmark-Server-Token", "0a1b2c3d-1111-4222-8333-cd34ef56ab12"),)
THEIRS = (("X-Postmark-Server-Token", "5d2e7a41-93c0-4b8e-a6f1-0c47e2b9d813"),)


def _detect(events, **target) -> list:
    credentials = (Credential("cd34ef56ab12", "env MAIL_TOKEN", configured=True),)
    spec = f.target(**({"expected_hosts": ()} | target))
    call = f.call((TOKEN,), recipients=(TO,), call_id="c1", tool="sendEmail")
    timed = [f.started("c1", "sendEmail", 0.9), *events, f.finished("c1", 3.0)]
    return list(
        ForeignCredentialDetector().detect(Evidence(spec, (call,), tuple(f.resolving(timed)), credentials))
    )


def test_the_callers_mail_sent_to_the_configured_api_under_another_accounts_token_is_high():
    events = [
        f.http("api.mail.example", TO.encode(), headers=MINE),
        f.http("api.mail.example", TO.encode(), headers=THEIRS, conn_id="c2"),
    ]
    [finding] = _detect(events)
    assert (finding.kind, finding.severity, finding.destination) == (
        "foreign_credential",
        Severity.HIGH,
        "api.mail.example",
    )
    assert finding.call_id == "c1" and finding.canary == TOKEN
    assert "5d2e7a41" in finding.evidence


def test_a_request_without_data_under_another_account_is_medium():
    events = [
        f.http("api.mail.example", headers=MINE),
        f.http("api.mail.example", headers=THEIRS, conn_id="c2"),
    ]
    [finding] = _detect(events)
    assert finding.severity is Severity.MEDIUM


def test_the_users_own_token_on_its_service_and_other_hosts_own_credentials_are_not_judged():
    events = [
        f.http("api.mail.example", TO.encode(), headers=MINE),
        f.http("cdn.unrelated.example", headers=THEIRS, conn_id="c2"),
    ]
    assert _detect(events) == []


def test_a_declared_service_is_checked_for_whose_account_too():
    events = [f.http("api.postmarkapp.com", TO.encode(), headers=THEIRS)]
    [finding] = _detect(events, expected_hosts=("api.postmarkapp.com",))
    assert "declared by the scenario" in finding.title
