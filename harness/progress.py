"""Live progress for the command line: what an audit is doing while it runs.

The pipeline and the driver tell an optional observer about each stage and recorded event; this
module turns those into a spinner line on a terminal (``rich``) or into plain lines on stderr when
output is piped, so a CI log shows where a slow run spends its time. It only reads events.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.text import Text

from harness.model import Event, PhaseStarted, ToolCallStarted
from harness.report.inert import inert

_PHASES = {
    "build": "installing into an image",
    "sandbox": "starting the sandbox",
    "install": "running install scripts in the sandbox",
    "startup": "starting the server",
    "inventory": "listing tools, resources and prompts",
    "calls": "calling tools",
    "linger": "watching for delayed sends",
}
_MAX_NAME = 60


def _printable(text: str) -> str:
    """Server-chosen names reach a terminal: inert and bounded."""
    return inert(text, _MAX_NAME)


class Progress:
    """Counts calls and phrases each step for one target."""

    def __init__(self, name: str, say: Callable[[str], None]):
        self.name = _printable(name)
        self.say = say
        self.calls = 0
        self.started = time.monotonic()

    def __call__(self, event: Event) -> None:
        if isinstance(event, PhaseStarted) and event.phase in _PHASES:
            self.say(f"{self.name}: {_PHASES[event.phase]}")
        elif isinstance(event, ToolCallStarted):
            self.calls += 1
            self.say(f"{self.name}: call {self.calls}: {event.surface} {_printable(event.tool)}")


@contextmanager
def progress(
    name: str, quiet: bool, stream: TextIO | None = None
) -> Iterator[Callable[[Event], None] | None]:
    """An observer for one audit: a live line on a terminal, plain lines otherwise, none with ``-q``."""
    out = stream or sys.stderr
    if quiet:
        yield None
        return
    if not out.isatty():
        yield Progress(name, lambda line: print(f"mcp-harness: {line}", file=out, flush=True))
        return
    console = Console(file=out, highlight=False)
    with console.status(Text(f"{_printable(name)}: starting")) as status:
        yield Progress(name, lambda line: status.update(Text(line)))  # Text: never read as markup
