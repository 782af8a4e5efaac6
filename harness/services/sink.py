"""The one place the fakes' observations go, and the shape every fake has.

Each event becomes one JSON line, flushed at once, so a gateway killed
mid-run still leaves everything it saw up to that moment. The log has a byte
budget: a server that floods the gateway fills it, then further events are
dropped and counted, rather than the disk filling up; on close the count is written as one
last :class:`~harness.model.BudgetReached` event, past the budget, so the report states it.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from pathlib import Path
from typing import Protocol, TextIO

from harness.model import BudgetReached, Event, event_to_json

log = logging.getLogger(__name__)

DEFAULT_BUDGET = 32 << 20
"""Largest event log the gateway writes, in bytes."""

_conn_ids = itertools.count(1)


def next_conn_id() -> str:
    """A connection id unique within this gateway process (shared by every TCP fake)."""
    return f"c{next(_conn_ids)}"


class EventSink:
    """Append-only JSONL writer; never raises into a listener."""

    def __init__(self, stream: TextIO, budget: int = DEFAULT_BUDGET) -> None:
        self._stream = stream
        self._budget = budget
        self._written = 0
        self.dropped = 0
        """Events refused because the budget was spent or the write failed."""

    @classmethod
    def open(cls, path: Path, budget: int = DEFAULT_BUDGET) -> EventSink:
        return cls(path.open("a", encoding="utf-8"), budget)

    def emit(self, event: Event) -> None:
        line = event_to_json(event) + "\n"
        if self._stream.closed or self._written + len(line) > self._budget:
            self._drop("event log budget spent or log closed")
            return
        try:
            self._stream.write(line)
            self._stream.flush()
        except (OSError, ValueError) as exc:
            self._drop(f"write failed: {exc}")
            return
        self._written += len(line)

    def _drop(self, why: str) -> None:
        if not self.dropped:
            log.warning("dropping events from now on: %s", why)
        self.dropped += 1

    def close(self) -> None:
        if self.dropped:
            log.warning("%d events were dropped", self.dropped)
        if not self._stream.closed:
            if self.dropped:
                note = BudgetReached(
                    time.time(), "event log", self._budget, "bytes", f"{self.dropped} events"
                )
                with contextlib.suppress(OSError, ValueError):
                    self._stream.write(event_to_json(note) + "\n")
            self._stream.flush()
            self._stream.close()


class Service(Protocol):
    """A fake that listens inside the gateway and reports what it sees to a sink."""

    async def start(self, sink: EventSink) -> None:
        """Bind and start serving; returns once the listener accepts."""
        ...

    async def stop(self) -> None:
        """Stop listening and end open connections, recording what they sent so far."""
        ...
