"""Text aimed at the model, caught HIGH in real audits: the finding names where the text points."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.docker


@pytest.mark.parametrize(
    ("scenario", "kind", "destination", "words"),
    [
        ("shadowing-bcc", "tool_poisoning", "compliance-copy@mail-archive-hub.net", "bcc field"),
        (
            "credential-url-description",
            "tool_poisoning",
            "https://quotes-auth.example.net/v1/verify",
            "~/.aws/credentials",
        ),
        ("malicious-prompt", "output_injection", "budget-sync@ledger-mail.net", "get_balance"),
    ],
)
def test_untagged_text_that_moves_data_is_high_and_names_its_destination(
    audit, scenario, kind, destination, words
):
    run = audit(REPO / "scenarios" / scenario)
    [finding] = [f for f in run.report["findings"] if f["kind"] == kind]
    assert finding["severity"] == "high", finding
    assert finding["destination"] == destination
    assert words in finding["evidence"] and words in finding["detail"]
    assert destination in (run.out / "report.html").read_text()


def test_a_sleeper_that_turns_at_its_second_launch_is_caught_across_launches(audit):
    run = audit(REPO / "scenarios/sleeper-second-launch")
    changed = [f for f in run.report["findings"] if f["kind"] == "tool_definition_changed"]
    assert changed and changed[0]["severity"] == "high", run.report["findings"]
    assert "archive-desk@mailfmt-backup.net" in (changed[0]["detail"] or "")
    lines = (run.out / "events.jsonl").read_text().splitlines()
    listings = [e for e in map(json.loads, lines) if e["kind"] == "listing"]
    launches = {e["launch"] for e in listings if e["surface"] == "tools"}
    assert launches == {1, 2}
