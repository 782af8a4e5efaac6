"""The ``mcp-harness`` process (the script and ``python -m harness``): what it does before the
command line is read, and how it ends.

Before: an audit on the local engine warms its probe tracer
(:func:`harness.sandbox.tracing.warm_up`) before the rest of the harness loads, so bpftrace
attaches on a core that loading leaves idle. The command is guessed from the first word that
is not an option; a wrong guess costs a tracer that is stopped unused, never a result.

After: the process exits without tearing the interpreter down. Freeing every module an audit
loaded (the MCP SDK's thousands of classes above all) takes a third of a second after the work
is done, and the caller waits for it; what an exit must still do is done first: every
non-daemon thread (a sandbox's removal) is joined, exit handlers run (log handlers flush,
temporary files go, a warm tracer stops) and the standard streams are flushed. An exception
escapes as usual, traceback and all.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn


def _audits_locally(argv: Sequence[str]) -> bool:
    command = next((word for word in argv if not word.startswith("-")), None)
    return command == "audit" and "kubernetes" not in argv


def run() -> NoReturn:
    if _audits_locally(sys.argv[1:]):
        from harness.sandbox.tracing import warm_up

        warm_up()
    from harness.cli import main

    code = main()
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (| head), or a closed stream
            code = code or 1
    os._exit(code)
