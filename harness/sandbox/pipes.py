"""Whether the server still holds its stdin and stdout, seen from the host's ``/proc``.

``docker start --attach`` does not pass on the end of a container's stdout while the container
runs: a server that closes its stdout and keeps running looks, to the client, like a server that
is slow to answer every call. So the probe looks at the pipes themselves: it remembers which
pipes the server's main process got as fd 0 and 1, and a pipe that no process in the container
still has open has been closed by the server. Like :mod:`harness.sandbox.processes` it only
reads ``/proc`` on the host; when the host cannot see the container's processes (not root, a VM
in between), it knows nothing and says nothing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import docker.errors
from docker.models.containers import Container

from harness.sandbox.processes import cgroup_procs_candidates

log = logging.getLogger(__name__)

_STREAMS = {"stdin": 0, "stdout": 1}
_MAX_PIDS = 4096
_MAX_FDS = 4096


def _link(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _open_links(pid: int) -> set[str]:
    """What a process's file descriptors point at (``pipe:[123]``...), bounded."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")[:_MAX_FDS]
    except OSError:
        return set()
    return {link for name in names if (link := _link(f"/proc/{pid}/fd/{name}")) is not None}


class StdioProbe:
    """Tells which of the server's stdin and stdout no process in its container holds any more."""

    def __init__(self, container: Container, launcher: bool = False):
        self.container = container
        self.launcher = launcher
        """The main process is our PID 1, which keeps the server's stdio to hand to its next
        launch: only the processes below it count as holding a pipe."""
        self._main: int | None = None
        self._pipes: dict[str, str] = {}
        self._procs: Path | None = None
        self._blind = False

    def closed(self) -> frozenset[str]:
        """``stdin`` / ``stdout`` for each pipe the server has closed; empty when unknown or open."""
        if self._blind or not self._started():
            return frozenset()
        assert self._main is not None
        pids = [pid for pid in self._pids() if not (self.launcher and pid == self._main)]
        if self.launcher and not pids:
            return frozenset()  # between launches, or gone: its exit is reported, not a closed pipe
        held = set().union(*(_open_links(pid) for pid in pids))
        if not held and not Path(f"/proc/{self._main}").exists():
            return frozenset()  # the server is gone: its exit is reported, not a closed pipe
        return frozenset(name for name, pipe in self._pipes.items() if pipe not in held)

    def _started(self) -> bool:
        if self._main is not None:
            return True
        try:
            self.container.reload()
        except docker.errors.APIError:
            return False
        state = self.container.attrs.get("State", {})
        main = int(state.get("Pid") or 0)
        if not state.get("Running") or not main:
            return False
        cgroup = Path(f"/proc/{main}/cgroup")
        if not os.access(f"/proc/{main}/fd", os.R_OK) or not cgroup.exists():
            log.info("cannot see the server's file descriptors; closed pipes are found by silence only")
            self._blind = True
            return False
        candidates = cgroup_procs_candidates(cgroup.read_text(errors="replace"), str(self.container.id))
        self._procs = next((p for p in candidates if p.is_file()), None)
        for name, fd in _STREAMS.items():
            link = _link(f"/proc/{main}/fd/{fd}")
            # already closed before we looked: no pipe can stand for it, so it reads as closed
            self._pipes[name] = link if link and link.startswith("pipe:") else f"closed before start:{name}"
        self._main = main
        return True

    def _pids(self) -> list[int]:
        if self._procs is None:
            return [self._main] if self._main else []
        try:
            return [int(p) for p in self._procs.read_text().split()[:_MAX_PIDS]]
        except (OSError, ValueError):
            return []
