"""A real night: honest servers audited in parallel against approved runs, one of which turned."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.conftest import REPO, labelled_containers, run_cli

pytestmark = pytest.mark.docker

_HONEST = ("fetch-url", "smtp-bcc-requested")


def _connectors(path, postmark: str, prefix: str) -> None:
    """Connector names carry ``prefix`` so this test's sandboxes (named after their runs) are its own."""
    entries = [(f"{prefix}-{name}", f"{REPO}/scenarios/{name}") for name in _HONEST]
    entries.append((f"{prefix}-postmark", f"{REPO}/scenarios/postmark/{postmark}"))
    path.write_text("".join(f'[[connector]]\nname = "{n}"\ntarget = "{t}"\n\n' for n, t in entries))


def test_a_night_reports_exactly_the_one_connector_that_changed_behaviour(tmp_path):
    approved, tonight = tmp_path / "approved", tmp_path / "tonight"
    prefix = f"n{secrets.token_hex(3)}"
    _connectors(tmp_path / "approve.toml", "benign", prefix)
    first = run_cli(
        "nightly",
        str(tmp_path / "approve.toml"),
        "--out",
        str(approved),
        "--jobs",
        "3",
        "--",
        "--linger",
        "1",
    )
    assert first.returncode == 1, first.stdout + first.stderr  # nothing approved yet: every one is new
    assert json.loads((approved / "nightly.json").read_text())["counts"]["no baseline"] == 3

    _connectors(tmp_path / "night.toml", "malicious", prefix)
    proc = run_cli(
        "nightly", str(tmp_path / "night.toml"), "--baselines", str(approved), "--out", str(tonight),
        "--jobs", "3", "--", "--linger", "1",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    index = json.loads((tonight / "nightly.json").read_text())
    assert index["counts"] == {"could not audit": 0, "drift": 1, "no baseline": 0, "no drift": 2}
    [drifted] = [s for s in index["servers"] if s["state"] == "drift"]
    assert drifted["name"] == index["servers"][0]["name"] == f"{prefix}-postmark"  # drift leads
    [line] = drifted["drift"]
    assert line.startswith("+ finding unexpected_recipient ") and line.endswith("(sendEmail)")
    page = (tonight / "nightly.html").read_text()
    assert f"{prefix}-postmark/report.html" in page and "unexpected_recipient" in page
    assert f"DRIFT: {prefix}-postmark" in proc.stdout
    assert labelled_containers(prefix) == []


def test_a_connector_that_cannot_be_audited_makes_the_night_exit_2_and_the_others_still_run(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        f'[[connector]]\nname = "gone"\ntarget = "{tmp_path}/no-such-dir"\n\n'
        f'[[connector]]\nname = "fetch"\ntarget = "{REPO}/scenarios/fetch-url"\n'
    )
    proc = run_cli("nightly", str(path), "--out", str(tmp_path / "n"), "--", "--linger", "1")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    servers = {s["name"]: s for s in json.loads((tmp_path / "n" / "nightly.json").read_text())["servers"]}
    assert servers["gone"]["state"] == "could not audit" and "not found" in servers["gone"]["reason"]
    assert servers["fetch"]["state"] == "no baseline" and servers["fetch"]["audit_exit"] == 0
