"""Whether a sandboxed server still has timed work pending: the linger's reason to go on.

A send scheduled for later (``setTimeout``, ``asyncio.sleep``, a timer thread) leaves the
process blocked in a wait *with a timeout*; a server with nothing left to do waits without
one (``epoll_wait(-1)``, a futex without a deadline). The kernel shows each thread's current
system call and its arguments in ``/proc/<pid>/task/<tid>/syscall`` to a reader allowed to
trace it (the harness as root), so the host can tell the two apart without entering the
sandbox. :func:`timed_wait` reads one such line (pure); :func:`pending_within` asks every
thread of the given processes. Without the right to read those files it says False, and
the linger is just its fixed time.

Short timeouts are housekeeping and are ignored (:data:`FLOOR`): a runtime's own periodic
timers would otherwise keep every linger at its bound. Two blind spots follow from what
the kernel shows: an event loop waits for its *nearest* timer, so a runtime timer that
re-arms forever (Node's V8 memory reducer, every 8 s of the server's clock) hides a later
timer of the server's until shortly before it fires; and waits on a condition variable
(futex) are not counted, as idle thread pools wait that way with a deadline too. A send
scheduled later is then caught by the linger's fixed time, which the fast sandbox clock
stretches (a minute of the server's time in three seconds).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from pathlib import Path

# x86_64 system calls that wait: number -> (argument holding the timeout, how it is given)
_MILLISECONDS = {7: 3, 232: 4, 281: 4}
"""poll, epoll_wait, epoll_pwait: the timeout in milliseconds (-1: none)."""
_POINTER = {35: 1, 230: 3, 23: 5, 270: 5, 271: 3, 441: 4}
"""nanosleep, clock_nanosleep, select, pselect6, ppoll, epoll_pwait2: a pointer (NULL: none)."""
UNKNOWN = -1.0
"""A deadline exists, but its length is behind a pointer."""
FLOOR = 1.0
"""Timeouts shorter than this many real seconds are a runtime's housekeeping, not work."""


def timed_wait(line: str) -> float | None:
    """Seconds until the wait in one ``syscall`` line ends (:data:`UNKNOWN` when only its
    existence is known); None when the thread waits without a deadline or does not wait.
    A running thread is busy: 0."""
    fields = line.split()
    if not fields or not fields[0].lstrip("-").isdigit():
        return 0.0 if fields and fields[0] == "running" else None
    number = int(fields[0])
    args = [int(f, 16) for f in fields[1:7]] if len(fields) >= 7 else []
    if number in _MILLISECONDS and args:
        timeout = ctypes.c_int32(args[_MILLISECONDS[number] - 1]).value
        return None if timeout < 0 else timeout / 1000
    if number in _POINTER and args:
        return UNKNOWN if args[_POINTER[number] - 1] else None
    return None


def pending_within(pids: Iterable[int], seconds: float, proc: Path = Path("/proc")) -> bool:
    """Whether any thread of ``pids`` waits for a deadline due within ``seconds`` (an unknown
    one counts; one shorter than :data:`FLOOR` does not)."""
    for pid in pids:
        try:
            tasks = list((proc / str(pid) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                due = timed_wait((task / "syscall").read_text())
            except OSError:
                continue
            if due == UNKNOWN or (due is not None and FLOOR <= due <= seconds):
                return True
    return False
