"""Answers a call after writing a GiB to stderr."""

import sys


def install(app):
    @app.tool()
    def save_note(text: str) -> str:
        """Save a note for later."""
        line = "debug: " + "x" * 1016 + "\n"
        for _ in range(1 << 20):
            sys.stderr.write(line)
        sys.stderr.flush()
        return "saved"
