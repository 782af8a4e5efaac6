"""Holding one audit to what its scenario declares, and saying plainly what differs.

Pure over the reports: the audit itself is a callable the caller passes, so the table
runner, the pytest plugin and the tests share this one judgement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.compare import compare
from harness.corpus.audit import Run
from harness.corpus.cases import Case, label_of, load_case
from harness.errors import ManifestError
from harness.model import Severity

Auditor = Callable[[Path], Run]
"""Audits a scenario directory and returns the finished run."""


@dataclass(frozen=True)
class Verdict:
    """A case held to its expectations: every way it fell short, empty when it passed."""

    label: str
    case: Case | None
    """None when the scenario.toml could not be read (the problem says where)."""
    run: Run | None
    problems: tuple[str, ...]
    drift: tuple[str, ...] = ()
    """What ``compare drift_from this`` printed, when the case declares a drift."""

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def observed(self) -> tuple[str, ...]:
        """The distinct finding kinds the audit produced (empty when there is no report)."""
        report = _report(self.run)
        return tuple(sorted({f["kind"] for f in report["findings"]})) if report else ()

    def explain(self) -> str:
        """The failure as a reader wants it: which scenario, what was expected, what happened."""
        lines = [f"scenario {self.label} does not reproduce:"]
        lines += [f"  - {p}" for p in self.problems]
        if self.run is not None:
            lines.append(f"  report: {self.run.out / 'report.html'}")
        return "\n".join(lines)


def _report(run: Run | None) -> dict[str, Any] | None:
    if run is None or not (run.out / "report.json").is_file():
        return None
    return run.report


def _names(kinds: set[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(sorted(kinds)) + "]"


def finding_problems(case: Case, run: Run) -> list[str]:
    """How the run's status, findings and exit code differ from what the case declares."""
    report = _report(run)
    if report is None:
        return [f"the audit wrote no report (exit {run.code}): {run.stderr.strip()[-400:]}"]
    if report["status"] != "completed":
        return [f"the audit did not complete ({report['status']}): {report.get('reason') or ''}"]
    if case.role == "honest" and case.findings:
        return [f"an honest twin must expect no findings, but expects {_names(case.findings)}"]
    if case.findings is None:
        return []
    observed = {f["kind"] for f in report["findings"]}
    expected = set(case.findings)
    problems = []
    if observed != expected:
        problems.append(f"expected findings {_names(expected)}, observed {_names(observed)}")
        problems += [f"missing: {kind}" for kind in sorted(expected - observed)]
        problems += [
            f"unexpected: {f['kind']}: {f['title']} ({f.get('evidence', '')[:160]!r})"
            for f in report["findings"]
            if f["kind"] in observed - expected
        ][:10]
    else:
        # the default --fail-on is medium: findings below it are reported but the audit still passes
        failing = any(Severity(f["severity"]).rank >= Severity.MEDIUM.rank for f in report["findings"])
        if run.code != (1 if failing else 0):
            problems.append(f"exit code {run.code}, expected {1 if failing else 0}")
    return problems


def drift_problems(case: Case, baseline: Run, run: Run) -> tuple[list[str], list[str]]:
    """The drift lines from the baseline release to this one, and how they differ from the declared ones."""
    old, new = _report(baseline), _report(run)
    if old is None or new is None:
        return [], [f"drift: no report from {'the baseline' if old is None else 'this run'} to compare"]
    lines = [str(d) for d in compare(old, new)]
    problems = [
        f"drift: expected a line starting {want!r}" for want in case.drift if not _starts(lines, want)
    ]
    problems += [
        f"drift: unexpected {line!r}" for line in lines if not any(line.startswith(w) for w in case.drift)
    ]
    return lines, problems


def _starts(lines: list[str], prefix: str) -> bool:
    return any(line.startswith(prefix) for line in lines)


def verify(directory: Path, audit: Auditor, root: Path | None = None) -> Verdict:
    """Read the case in ``directory``, audit it (and its drift baseline) and judge the result."""
    try:
        case = load_case(directory, root)
    except ManifestError as exc:
        return Verdict(label_of(directory, root), None, None, (str(exc),))
    run = audit(case.directory)
    problems = finding_problems(case, run)
    drift: list[str] = []
    if case.drift_from is not None:
        drift, more = drift_problems(case, audit(case.drift_from), run)
        problems += more
    return Verdict(case.label, case, run, tuple(problems), tuple(drift))
