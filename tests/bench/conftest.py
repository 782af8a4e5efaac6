"""Each benchmark states the figure that matters beside its goal, printed after the run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

_FIGURES: list[str] = []


@pytest.fixture
def report_figure() -> Callable[[str, float, str, str], None]:
    """``report_figure(what, value, unit, goal)``: one line in the closing summary of ``make bench``."""

    def record(what: str, value: float, unit: str, goal: str) -> None:
        _FIGURES.append(f"{what}: {value:,.2f} {unit} (goal {goal})")

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.section("figures against their goals")
        for line in _FIGURES:
            terminalreporter.write_line(line)
