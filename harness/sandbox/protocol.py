"""What the drive and collect stages need from a sandbox, whichever backend started it.

The pipeline starts a sandbox in the backend's own way (containers on the local engine, or a
Job on a cluster), then drives and collects through this protocol only: the MCP client speaks
to the server through :meth:`Sandbox.stdio_argv`, the driver asks whether the server still
runs, has timed work pending, or can be launched again, and :meth:`Sandbox.close` ends the
run and leaves its data in the run folder (the gateway's files in the data folder, the home
as the server left it in ``home_out``, with :attr:`Sandbox.home_copy` saying what came back).
A backend that cannot do something (watch processes, restart the server) says so through
the same methods: the run is then less thorough, never wrong.
"""

from __future__ import annotations

from typing import Protocol

from harness.model import Event
from harness.sandbox.copyout import CopyOutcome


class Watcher(Protocol):
    def stop(self) -> list[Event]:
        """Stop watching; what was seen (process starts, resource usage) as events."""
        ...


class PipeProbe(Protocol):
    def closed(self) -> frozenset[str]:
        """``stdin`` / ``stdout`` for each pipe the server has closed; empty when unknown or open."""
        ...


class Sandbox(Protocol):
    relaunchable: bool
    """Whether the server can be started again after its stdio closed (the replay pass needs it)."""
    home_copy: CopyOutcome | None
    """What came back from the home once closed (None: nothing could be read)."""

    @property
    def home(self) -> str:
        """The home as the server sees it."""
        ...

    @property
    def unobserved(self) -> tuple[str, ...]:
        """What a full audit does that this sandbox could not (watch processes, disguise the machine,
        speed up the clock), each said in the report: a clean verdict never claims more than was looked at."""
        ...

    @property
    def home_limit(self) -> int:
        """Bytes the server may write into its home."""
        ...

    def stdio_argv(self) -> list[str]:
        """The command whose stdin and stdout are the server's (for the MCP client's stdio)."""
        ...

    def watch_server(self) -> Watcher: ...

    def stdio_probe(self) -> PipeProbe: ...

    def server_exit_code(self) -> int | None:
        """The server's exit code once it has stopped, else None."""
        ...

    def pending(self, seconds: float) -> bool:
        """Whether the server has timed work due within ``seconds``."""
        ...

    def restart_server(self, timeout: float = 10.0) -> bool:
        """Start the server again under the same stdio; False when this sandbox cannot."""
        ...

    def close(self) -> None:
        """End the run, bring its data back into the run folder, and remove everything it made;
        safe to call more than once and from any failure path."""
        ...


class Unwatched:
    """For a backend with no view of the server's processes: nothing seen, nothing closed."""

    def stop(self) -> list[Event]:
        return []

    def closed(self) -> frozenset[str]:
        return frozenset()
