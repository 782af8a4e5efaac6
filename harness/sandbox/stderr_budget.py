"""Run a command with its stderr kept within a budget: the head and the tail, the middle counted.

The server's stderr reaches the host through the command that attaches to it (``docker
start --attach`` or ``docker logs --follow``). Wrapped by this module, that command's
stderr goes through a pipe read here: the first ``head`` bytes pass straight on (so a
server that stops early is explained at once), the last ``tail`` bytes are held in a
ring, and everything between is only counted. At the end the tail follows a marker line
saying how much was left out, and the counts go to a small JSON file the pipeline
reports. stdin and stdout are the command's own, untouched: the MCP stream never passes
through here.

Run as ``python -m harness.sandbox.stderr_budget STATS HEAD TAIL MERGE -- COMMAND...``; with
MERGE ``1`` the command's stdout is budgeted with its stderr (``docker logs``, whose stdout is the
server's).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

HEAD = 1 << 20
TAIL = 256 << 10
_CHUNK = 1 << 16


def budgeted(
    argv: list[str], stats: Path, head: int = HEAD, tail: int = TAIL, with_stdout: bool = False
) -> list[str]:
    """``argv`` wrapped so that its stderr (and its stdout, ``with_stdout``) stays within ``head`` +
    ``tail`` bytes, written to the wrapper's stderr."""
    module = "harness.sandbox.stderr_budget"
    return [
        sys.executable,
        "-m",
        module,
        str(stats),
        str(head),
        str(tail),
        str(int(with_stdout)),
        "--",
        *argv,
    ]


class Budget:
    """Head passed on, tail held, middle counted: the pure part, fed chunk by chunk."""

    def __init__(self, head: int, tail: int) -> None:
        self.head_left = head
        self.tail_size = tail
        self.ring = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> bytes:
        """Bytes to write now; the rest is held or counted."""
        passed = chunk[: self.head_left]
        self.head_left -= len(passed)
        self.ring += chunk[len(passed) :]
        if len(self.ring) > self.tail_size:
            excess = len(self.ring) - self.tail_size
            del self.ring[:excess]
            self.dropped += excess
        return passed

    def end(self) -> bytes:
        """What to write last: the tail, after a marker when bytes were left out."""
        marker = f"\n[... {self.dropped} bytes of stderr not kept ...]\n".encode() if self.dropped else b""
        return marker + bytes(self.ring)


def main(argv: list[str]) -> int:
    stats, head, tail, merge, command = Path(argv[0]), int(argv[1]), int(argv[2]), argv[3] == "1", argv[5:]
    if merge:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        pipe = child.stdout
    else:
        child = subprocess.Popen(command, stderr=subprocess.PIPE)
        pipe = child.stderr
    # Asked to stop: pass it on, and keep reading until the command's output closes, so the tail
    # is still written.
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    assert pipe is not None
    budget = Budget(head, tail)
    out = sys.stderr.buffer
    while chunk := os.read(pipe.fileno(), _CHUNK):
        if passed := budget.feed(chunk):
            out.write(passed)
            out.flush()
    out.write(budget.end())
    out.flush()
    code = child.wait()
    stats.write_text(json.dumps({"limit": head + tail, "dropped": budget.dropped}))
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
