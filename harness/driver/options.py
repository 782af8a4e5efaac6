"""The bounds and effort of one drive, apart from the driver itself: the command line and the
pipeline read them without loading the MCP SDK, which the pipeline loads while the sandbox starts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DriveOptions:
    """Time bounds and effort of one drive."""

    init_timeout: float = 90.0
    call_timeout: float = 30.0
    rounds: int = 6
    """Calls per tool, template and prompt over all launches, each with fresh canaries; past
    the second, a round runs only while the calls so far took less than ``call_budget``."""
    call_budget: float = 4.0
    """Seconds of calls after which no optional round starts."""
    attempts: int = 4
    """Argument variants tried per call while the server rejects them."""
    linger: float = 3.0
    """Seconds to keep the server alive after the last call, for delayed sends."""
    linger_max: float = 10.0
    """Longest wait, per launch, while the server still has timed work pending."""
    launches: int = 2
    """Starts of a stdio server with the same home (each under another client identity)."""
    tools_called: int = 256
    """Tools called at most: of a server listing more, that many are chosen at random (the same in
    every launch) and the rest are only listed and judged, a gap the coverage states."""
