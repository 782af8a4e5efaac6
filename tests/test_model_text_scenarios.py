"""Text aimed at the model, caught HIGH in real audits: the finding names where the text points."""

from __future__ import annotations

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
