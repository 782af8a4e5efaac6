"""Watch the server container from outside: processes it spawns and the resources it uses.

A background thread polls the engine (``docker top`` every 100 ms, memory
every second). Polling cannot see a process that lives less than one
interval; long-lived children, the ones persistence and miners need, are
seen with their full command lines. The watcher only reads; it never enters
the container.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import docker.errors
from docker.models.containers import Container

from harness.model import Event, ProcessStart, ResourceUsage

log = logging.getLogger(__name__)

_INTERVAL = 0.1
_STATS_EVERY = 10


class ProcessWatcher:
    """Polls one container until stopped; ``events()`` returns what it saw."""

    def __init__(self, container: Container, memory_limit: int | None, pids_limit: int | None):
        self.container = container
        self.memory_limit = memory_limit
        self.pids_limit = pids_limit
        self._seen: set[int] = set()
        self._main: int | None = None
        self._events: list[Event] = []
        self._memory_peak: int | None = None
        self._pids_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="process-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[Event]:
        """Stop polling and return the process events plus one resource-usage summary."""
        self._stop.set()
        self._thread.join(timeout=10)
        oom = False
        try:
            self.container.reload()
            oom = bool(self.container.attrs.get("State", {}).get("OOMKilled"))
        except docker.errors.APIError:
            pass
        usage = ResourceUsage(
            time.time(), self._memory_peak, self.memory_limit, self._pids_peak or None, self.pids_limit, oom
        )
        return [*self._events, usage]

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(_INTERVAL):
            try:
                self._poll_processes()
                if tick % _STATS_EVERY == 0:
                    self._poll_memory()
            except docker.errors.APIError:
                continue  # not running yet, or already gone
            except Exception:  # the watcher must never take the run down
                log.exception("process watcher poll failed")
            tick += 1

    def _poll_processes(self) -> None:
        if self._main is None:
            self.container.reload()
            self._main = int(self.container.attrs.get("State", {}).get("Pid") or 0) or None
            if self._main is None:
                return  # not started yet
            self._seen.add(self._main)
        top: dict[str, Any] = self.container.top(ps_args="-o pid,ppid,args")
        rows = top.get("Processes") or []
        self._pids_peak = max(self._pids_peak, len(rows))
        for row in rows:
            pid, ppid, command = int(row[0]), int(row[1]), str(row[2])
            if pid in self._seen:
                continue
            self._seen.add(pid)
            self._events.append(ProcessStart(time.time(), pid, ppid, command))

    def _poll_memory(self) -> None:
        stats: dict[str, Any] = self.container.stats(stream=False, one_shot=True)
        memory = stats.get("memory_stats") or {}
        used = memory.get("max_usage") or memory.get("usage")
        if isinstance(used, int):
            self._memory_peak = max(self._memory_peak or 0, used)
