"""Live progress: a spinner line on a terminal, plain lines in a pipe, nothing with -q."""

from __future__ import annotations

import io
import os

from harness.model import PhaseStarted, ToolCallStarted
from harness.progress import progress


def _steps(observe) -> None:
    for phase in ("build", "sandbox", "startup", "calls"):
        observe(PhaseStarted(1.0, phase))
    observe(ToolCallStarted(2.0, "call-1", "send\x1b]0;pwned\x07[bold]x[/bold]", {}, ()))
    observe(PhaseStarted(3.0, "linger"))


class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


def test_in_a_pipe_each_step_is_one_plain_line_and_server_names_cannot_drive_the_terminal():
    out = _Pipe()
    with progress("mailer", quiet=False, stream=out) as observe:
        assert observe is not None
        _steps(observe)
    lines = out.getvalue().splitlines()
    assert lines[0] == "mcp-harness: mailer: installing into an image"
    assert "mcp-harness: mailer: call 1: tool send␛[bold]x[/bold]" in lines
    assert lines[-1] == "mcp-harness: mailer: watching for delayed sends"
    assert "\x1b" not in out.getvalue()


def test_quiet_means_no_observer_at_all():
    with progress("mailer", quiet=True, stream=_Pipe()) as observe:
        assert observe is None


def test_on_a_terminal_the_line_is_live_and_markup_in_names_is_not_interpreted():
    main, side = os.openpty()
    with os.fdopen(side, "w", closefd=True) as terminal:
        with progress("mailer", quiet=False, stream=terminal) as observe:
            assert observe is not None
            _steps(observe)
        terminal.flush()
        shown = b""
        os.set_blocking(main, False)
        while True:
            try:
                chunk = os.read(main, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            shown += chunk
    os.close(main)
    text = shown.decode("utf-8", "replace")
    assert "\x1b[?25l" in text and "mailer: " in text  # a live line (cursor hidden while it spins)
    assert "mcp-harness: mailer" not in text  # not the plain lines of a pipe
    assert "\x1b]0;pwned" not in text
