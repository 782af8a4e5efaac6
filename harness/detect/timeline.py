"""Which call (or phase) was in flight at a moment: attribution for behaviour without canaries.

Egress, processes and file writes carry no token, so the only honest link to
a call is time: whatever happened between a call's start and its answer
belongs to it; anything else belongs to the phase (``startup``, ``linger``).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from harness.model import Event, PhaseStarted, ToolCallFinished, ToolCallStarted


class Where(TypedDict):
    """A finding's attribution fields, as :class:`harness.model.Finding` names them."""

    call_id: str | None
    phase: str | None
    tool: str | None


@dataclass(frozen=True)
class Moment:
    call_id: str | None
    tool: str | None
    phase: str

    @property
    def outside_call(self) -> str | None:
        """The phase, for what happened outside any call (a finding's ``phase``); None during a call."""
        return None if self.call_id else self.phase

    @property
    def where(self) -> Where:
        """Attribution for a finding: ``Finding(**moment.where, ...)``."""
        return Where(call_id=self.call_id, phase=self.outside_call, tool=self.tool)

    @property
    def label(self) -> str:
        return f"during {self.tool} ({self.call_id})" if self.call_id else f"during {self.phase}"


class Timeline:
    def __init__(self, events: Sequence[Event]):
        self._phases: list[tuple[float, str]] = [
            (e.ts, e.phase) for e in events if isinstance(e, PhaseStarted)
        ]
        starts = {e.call_id: e for e in events if isinstance(e, ToolCallStarted)}
        ends = {e.call_id: e.ts for e in events if isinstance(e, ToolCallFinished)}
        self._calls = sorted(
            (start.ts, ends.get(call_id, float("inf")), call_id, start.tool)
            for call_id, start in starts.items()
        )

    def at(self, ts: float) -> Moment:
        phase = "startup"
        index = bisect.bisect_right([p[0] for p in self._phases], ts) - 1
        if index >= 0:
            phase = self._phases[index][1]
        for start, end, call_id, tool in self._calls:
            if start <= ts <= end:
                return Moment(call_id, tool, phase)
        return Moment(None, None, phase)
