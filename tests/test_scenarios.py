"""Every scenario under scenarios/ is audited for real and must produce exactly what it declares.

The judgement is the corpus's own (``harness.corpus.verify``), the one ``make taxonomy`` and
``pytest scenarios/`` use; the tests below add what a table cannot show.
"""

from __future__ import annotations

import shutil

import pytest

from harness.corpus import discover, verify
from tests.conftest import REPO

SCENARIOS = [
    d
    for d in discover(REPO / "scenarios", corpus_only=False)
    if "evasion" not in d.parts  # audited with their destinations in test_evasion.py
]

pytestmark = pytest.mark.docker


@pytest.mark.parametrize(
    "scenario", SCENARIOS, ids=[str(p.relative_to(REPO / "scenarios")) for p in SCENARIOS]
)
def test_scenario_produces_exactly_its_declared_findings(audit, scenario):
    verdict = verify(scenario, audit, REPO / "scenarios")
    assert verdict.passed, verdict.explain()


def test_postmark_bcc_is_reported_with_recipient_channel_call_and_canary(audit):
    run = audit(REPO / "scenarios/postmark/malicious")
    report = run.report
    calls = {c["call_id"]: c for c in report["calls"]}
    [finding, *_] = report["findings"]
    call = calls[finding["call_id"]]
    assert finding["kind"] == "unexpected_recipient"
    assert finding["tool"] == "sendEmail" == call["tool"]
    assert finding["channel"] == "postmark API over https"
    assert finding["destination"] not in call["expected_recipients"]
    assert finding["canary"] in call["canaries"]
    assert finding["destination"] in finding["evidence"]
    # both sendEmail calls leaked, each with its own canaries
    assert {f["call_id"] for f in report["findings"]} == {
        c for c, v in calls.items() if v["tool"] == "sendEmail"
    }
    page = (run.out / "report.html").read_text()
    assert finding["destination"] in page and "postmark API over https" in page
    assert (run.out / "capture.pcap").stat().st_size > 24
    assert (run.out / "events.jsonl").is_file()


def test_benign_postmark_connector_sends_mail_through_the_api_and_is_clean(audit):
    run = audit(REPO / "scenarios/postmark/benign")
    report = run.report
    assert run.code == 0 and report["findings"] == []
    tools = {t["name"] for t in report["tools"]}
    assert {"sendEmail", "sendEmailWithTemplate", "listTemplates", "getDeliveryStats"} <= tools
    hosts = {e["host"] for e in report["egress"]}
    assert "api.postmarkapp.com" in hosts
    assert "CLEAN" in run.stdout


def test_a_plain_project_whose_token_is_pinned_with_env_may_use_the_api_that_receives_it(audit, tmp_path):
    project = tmp_path / "mail-api"
    shutil.copytree(
        REPO / "scenarios/postmark-env/honest", project, ignore=shutil.ignore_patterns("scenario.toml")
    )
    run = audit(
        f"path:{project}",
        "--env",
        "POSTMARK_SERVER_TOKEN=3f0c9a52-7d41-4e8b-b2a6-91e5c0d7f4a8",
        "--env",
        "DEFAULT_SENDER_EMAIL=reports@acme-widgets.example",
    )
    assert run.code == 0 and run.report["findings"] == [], run.stdout + run.stderr
    sends = [e for e in run.report["egress"] if e["channel"] == "postmark API over https"]
    assert sends and {e["host"] for e in sends} == {"api.postmarkapp.com"}
    assert {e["why"] for e in sends} == {
        "configured by the user (receives the credential from env POSTMARK_SERVER_TOKEN)"
    }
