"""Drift between real audits: a release that adds a hidden Bcc drifts; a re-run does not."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.docker


def test_the_postmark_release_that_adds_a_bcc_is_the_one_drift(audit):
    honest = audit(REPO / "scenarios/postmark/benign")
    trojaned = audit(REPO / "scenarios/postmark/malicious")
    proc = run_cli("compare", str(honest.out), str(trojaned.out))
    assert proc.returncode == 1, proc.stderr
    lines = [ln.strip() for ln in proc.stdout.splitlines()[1:]]
    assert len(lines) == 1, proc.stdout
    [line] = lines
    assert line.startswith("+ finding unexpected_recipient ") and line.endswith("(sendEmail)")


def test_re_auditing_a_server_that_fetches_caller_named_urls_is_no_drift(audit):
    first, second = audit(REPO / "scenarios/fetch-url"), audit(REPO / "scenarios/fetch-url")
    proc = run_cli("compare", str(first.out), str(second.out))
    assert (proc.returncode, proc.stdout.split(":")[0]) == (0, "NO DRIFT"), proc.stdout
