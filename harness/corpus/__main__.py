"""``python -m harness.corpus [DIR]`` (``make taxonomy``): audit every scenario, print the table.

Audits run in parallel threads, each an ``mcp-harness audit`` process; a scenario that
another one drifts from is audited once and shared. Writes ``taxonomy.md`` and
``taxonomy.html`` to the output directory; exit 0 when every case holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from harness.corpus.audit import Run, audit_to
from harness.corpus.cases import discover, label_of
from harness.corpus.expect import Verdict, verify
from harness.corpus.table import html, markdown, rows


def default_jobs() -> int:
    """Audits mostly wait on containers, so one more than the cores keeps them busy (at most 4)."""
    return max(1, min(4, (os.cpu_count() or 1) + 1))


class SharedAuditor:
    """Audits each directory once per corpus run, however many cases ask for it."""

    def __init__(self, out: Path, root: Path):
        self.out, self.root = out, root
        self._lock = threading.Lock()
        self._runs: dict[Path, Future[Run]] = {}

    def __call__(self, directory: Path) -> Run:
        with self._lock:
            future = self._runs.get(directory)
            mine = future is None
            if future is None:
                future = self._runs[directory] = Future()
        if mine:
            name = label_of(directory, self.root).replace("/", "__")
            try:
                future.set_result(audit_to(directory, self.out / name))
            except BaseException as exc:
                future.set_exception(exc)
        return future.result()


def run_corpus(root: Path, out: Path, jobs: int) -> tuple[list[Verdict], float]:
    """Every case under ``root`` audited into ``out``, ``jobs`` at a time; the verdicts and wall time."""
    out.mkdir(parents=True, exist_ok=True)
    auditor = SharedAuditor(out, root)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        verdicts = list(pool.map(lambda d: verify(d, auditor, root), discover(root)))
    return verdicts, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.corpus", description=__doc__)
    parser.add_argument(
        "root", nargs="?", type=Path, default=Path("scenarios"), help="the corpus (scenarios/)"
    )
    parser.add_argument("--out", type=Path, default=None, help="new directory for the runs and tables")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="audits at a time")
    args = parser.parse_args(argv)
    out = args.out or Path("reports") / time.strftime("taxonomy-%Y%m%d-%H%M%S")
    if out.exists():
        parser.error(f"{out} exists; name a new directory")
    verdicts, seconds = run_corpus(args.root, out, max(1, args.jobs))
    failures = [v for v in verdicts if not v.passed]
    table = rows(verdicts, out)
    text = markdown(table, failures, seconds, args.jobs)
    (out / "taxonomy.md").write_text(text, encoding="utf-8")
    (out / "taxonomy.html").write_text(html(table, failures, seconds, args.jobs), encoding="utf-8")
    print(text)
    print(f"tables: {out / 'taxonomy.md'} and {out / 'taxonomy.html'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
