"""Each benchmark states the figure that matters beside its goal, printed after the run, with
how fast this machine ran Python at the start and the end of the run: on a shared virtual
machine the same code's throughput moves with its neighbours, and a figure says little without
the speed it was measured at."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

_FIGURES: list[str] = []
_REFERENCE: list[float] = []


@pytest.fixture
def report_figure() -> Callable[[str, float, str, str], None]:
    """``report_figure(what, value, unit, goal)``: one line in the closing summary of ``make bench``."""

    def record(what: str, value: float, unit: str, goal: str) -> None:
        _FIGURES.append(f"{what}: {value:,.2f} {unit} (goal {goal})")

    return record


def _reference_seconds() -> float:
    """The time of a fixed pure-Python loop: this machine's speed just now."""
    started = time.perf_counter()
    total = 0
    for number in range(20_000_000):
        total += number
    return time.perf_counter() - started


@pytest.fixture(scope="session", autouse=True)
def _machine_speed() -> Iterator[None]:
    _REFERENCE.append(_reference_seconds())
    yield
    _REFERENCE.append(_reference_seconds())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.section("figures against their goals")
        for line in _FIGURES:
            terminalreporter.write_line(line)
        speeds = ", ".join(f"{seconds:.2f} s" for seconds in _REFERENCE)
        terminalreporter.write_line(f"machine speed, a fixed 20M-step Python loop at start and end: {speeds}")
