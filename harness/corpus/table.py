"""The reproduction table: one row per case, as Markdown (README, terminal) and HTML.

Cells quote scenario files and audit reasons, which a server can influence: Markdown
cells are escaped (no pipes, newlines or tags survive) and the HTML is autoescaped.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from harness.corpus.cases import Case
from harness.corpus.expect import Verdict

HEADERS = ("category", "scenario", "role", "source", "expected", "observed", "result", "seconds", "report")


@dataclass(frozen=True)
class Row:
    """One case as the table shows it."""

    category: str
    scenario: str
    role: str
    source: str
    expected: str
    observed: str
    passed: bool
    seconds: float
    report: str
    """The report page, relative to the table's own directory ('' when there is none)."""


def _role(case: Case) -> str:
    words = [case.role] + (["via model"] if case.through_model else [])
    if case.twin is not None:
        words.append(f"twin {os.path.relpath(case.twin, case.directory)}")
    return ", ".join(words)


def _expected(case: Case) -> str:
    text = ", ".join(case.findings or ()) or "none"
    if case.drift_from is not None:
        text += f"; compare from {os.path.relpath(case.drift_from, case.directory)}: " + ", ".join(case.drift)
    return text


def _order(category: str) -> tuple[int, str]:
    return (int(category[1:]), category) if category[1:].isdigit() else (99, category)


def rows(verdicts: Sequence[Verdict], table_dir: Path) -> list[Row]:
    """The table's rows, by category then scenario."""
    out = []
    for v in verdicts:
        case, run = v.case, v.run
        page = run.out / "report.html" if run is not None else None
        out.append(
            Row(
                category=(case.category if case else None) or "-",
                scenario=v.label,
                role=_role(case) if case else "?",
                source=case.source if case else "",
                expected=_expected(case) if case else "?",
                observed=", ".join(v.observed) or "none",
                passed=v.passed,
                seconds=run.seconds if run else 0.0,
                report=os.path.relpath(page, table_dir) if page and page.is_file() else "",
            )
        )
        if case and case.drift_from:
            shown = "; ".join(v.drift) or "no drift"
            out[-1] = dataclasses.replace(out[-1], observed=f"{out[-1].observed}; compare: {shown}")
    return sorted(out, key=lambda r: (_order(r.category), r.scenario))


def _covered(table: Sequence[Row]) -> list[str]:
    return sorted({r.category for r in table if r.category != "-"}, key=_order)


def _cell(text: str) -> str:
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " ")):
        text = text.replace(raw, safe)
    return text


def markdown(table: Sequence[Row], failures: Sequence[Verdict], seconds: float, jobs: int) -> str:
    """The table, its totals, and every failure spelled out."""
    passed = sum(r.passed for r in table)
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for r in table:
        link = f"[report]({r.report})" if r.report else "-"
        cells = (r.category, r.scenario, r.role, r.source, r.expected, r.observed)
        result = "pass" if r.passed else "**FAIL**"
        lines.append("| " + " | ".join(_cell(c) for c in cells) + f" | {result} | {r.seconds:.0f} | {link} |")
    lines += [
        "",
        f"{passed} passed, {len(table) - passed} failed; categories covered: {', '.join(_covered(table))}; "
        f"corpus took {seconds:.0f} s with {jobs} audits at a time.",
    ]
    if failures:
        lines += ["", "Failures:", ""]
        fence = "`" * 3  # a reason quoting a fence must not close the block early
        lines += [fence, *(v.explain().replace(fence, "` ` `") for v in failures), fence]
    return "\n".join(lines) + "\n"


_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Taxonomy reproduction</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.pass{color:#075}.fail{color:#b00;font-weight:bold}pre{background:#f6f6f6;padding:1em}</style></head>
<body><h1>Taxonomy reproduction</h1>
<p>{{ passed }} passed, {{ failed }} failed; categories covered: {{ covered | join(", ") }};
corpus took {{ "%.0f" % seconds }} s with {{ jobs }} audits at a time.</p>
<table><tr>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for r in table %}<tr><td>{{ r.category }}</td><td>{{ r.scenario }}</td><td>{{ r.role }}</td>
<td>{{ r.source }}</td><td>{{ r.expected }}</td><td>{{ r.observed }}</td>
<td class="{{ 'pass' if r.passed else 'fail' }}">{{ 'pass' if r.passed else 'FAIL' }}</td>
<td>{{ "%.0f" % r.seconds }}</td>
<td>{% if r.report %}<a href="{{ r.report }}">report</a>{% else %}-{% endif %}</td></tr>
{% endfor %}</table>
{% if failures %}<h2>Failures</h2>{% for f in failures %}<pre>{{ f }}</pre>{% endfor %}{% endif %}
</body></html>
"""
)


def html(table: Sequence[Row], failures: Sequence[Verdict], seconds: float, jobs: int) -> str:
    passed = sum(r.passed for r in table)
    return _PAGE.render(
        headers=HEADERS,
        table=table,
        failures=[v.explain() for v in failures],
        covered=_covered(table),
        passed=passed,
        failed=len(table) - passed,
        seconds=seconds,
        jobs=jobs,
    )
