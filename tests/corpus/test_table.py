"""The reproduction table: every case a row, failures spelled out, server text inert."""

from __future__ import annotations

from pathlib import Path

from harness.corpus import Run, Verdict
from harness.corpus.cases import Case
from harness.corpus.table import html, markdown, rows


def _case(label: str, category: str, source: str = "a public case", role: str = "attack") -> Case:
    return Case(
        Path("/c") / label,
        label,
        label,
        category,
        source,
        role,
        False,
        None,
        ("canary_exfiltration",),
        None,
        (),
    )


def _verdict(tmp_path: Path, label: str, category: str, problems: tuple[str, ...] = (), **kw) -> Verdict:
    out = tmp_path / "runs" / label
    out.mkdir(parents=True)
    (out / "report.html").write_text("<html></html>")
    return Verdict(label, _case(label, category, **kw), Run(1, "", "", out, 12.4), problems)


def test_rows_are_ordered_by_category_number_and_link_their_report(tmp_path):
    verdicts = [_verdict(tmp_path, "x", "A10"), _verdict(tmp_path, "y", "A2"), _verdict(tmp_path, "z", "A2")]
    table = rows(verdicts, tmp_path)
    assert [(r.category, r.scenario) for r in table] == [("A2", "y"), ("A2", "z"), ("A10", "x")]
    assert table[0].report == "runs/y/report.html" and table[0].seconds == 12.4


def test_a_failure_is_marked_in_its_row_and_listed_in_full_under_the_table(tmp_path):
    verdicts = [
        _verdict(tmp_path, "ok", "A1"),
        _verdict(tmp_path, "bad", "A5", ("missing: unexpected_recipient",)),
    ]
    text = markdown(rows(verdicts, tmp_path), [v for v in verdicts if not v.passed], 61.2, 3)
    [bad_row] = [line for line in text.splitlines() if line.startswith("| A5 | bad ")]
    assert "**FAIL**" in bad_row
    assert "1 passed, 1 failed; categories covered: A1, A5; corpus took 61 s with 3 audits at a time." in text
    assert "scenario bad does not reproduce:\n  - missing: unexpected_recipient" in text
    page = html(rows(verdicts, tmp_path), [v for v in verdicts if not v.passed], 61.2, 3)
    assert "1 passed, 1 failed; categories covered: A1, A5;" in page and 'class="fail">FAIL' in page


def test_text_from_scenarios_cannot_break_the_table_or_inject_markup(tmp_path):
    verdicts = [_verdict(tmp_path, "evil", "A1", ("<script>x</script>",), source="a | b\n<img src=x>")]
    table = rows(verdicts, tmp_path)
    text = markdown(table, verdicts, 1.0, 1)
    [row] = [line for line in text.splitlines() if line.startswith("| A1 ")]
    assert row.count(" | ") == 8 and "<img" not in row and "a \\| b &lt;img src=x&gt;" in row
    page = html(table, verdicts, 1.0, 1)
    assert "<script>x" not in page and "<img" not in page and "&lt;script&gt;" in page


def test_a_twin_and_a_declared_drift_are_shown_with_what_compare_printed(tmp_path):
    case = Case(
        Path("/c/pm/malicious"),
        "pm/malicious",
        "pm",
        "A5",
        "postmark-mcp 1.0.16",
        "attack",
        False,
        Path("/c/pm/benign"),
        ("unexpected_recipient",),
        Path("/c/pm/benign"),
        ("+ finding unexpected_recipient",),
    )
    out = tmp_path / "r"
    out.mkdir()
    verdict = Verdict(
        "pm/malicious", case, Run(1, "", "", out, 1.0), (), ("+ finding unexpected_recipient x@y (send)",)
    )
    [row] = rows([verdict], tmp_path)
    assert row.role == "attack, twin ../benign"
    assert row.expected == "unexpected_recipient; compare from ../benign: + finding unexpected_recipient"
    assert row.observed == "none; compare: + finding unexpected_recipient x@y (send)"
