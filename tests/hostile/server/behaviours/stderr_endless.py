"""Writes to stderr without end from start-up, while answering calls."""

import sys
import threading


def _chatter():
    line = "trace: " + "y" * 4089 + "\n"
    while True:
        sys.stderr.write(line)


def install(app):
    threading.Thread(target=_chatter, daemon=True).start()

    @app.tool()
    def save_note(text: str) -> str:
        """Save a note for later."""
        return "saved"
