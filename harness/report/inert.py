"""Make text that came from the server inert before a person or a parser sees it.

A server chooses its tool names, descriptions, stderr and error messages. Raw, they
reach a terminal that obeys escape sequences (clear the screen, set the title, write
the clipboard with OSC 52, plant OSC 8 links), a log line that a newline can split
into a forged one, or a JUnit file that XML forbids control characters in. Every
renderer and the CLI pass such text through :func:`inert`: escape sequences (CSI,
OSC, DCS/PM/APC/SOS, their 8-bit C1 forms) are dropped and shown as ``␛``, other
control and format characters (C0, DEL, C1, bidi overrides and isolates, zero-width
marks, lone surrogates, line separators) become visible ``\\x..``/``\\u....`` escapes,
and the result is cut to a length with the cut stated.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

LINE_LIMIT = 300
"""Default length of one quoted line of server text."""

_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?                       # CSI (7- and 8-bit)
    | (?:\x1b[\]P^_X]|[\x9d\x90\x9e\x9f\x98])               # OSC, DCS, PM, APC, SOS ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?                 # ... up to BEL or ST
    | \x1b[ -/]*[0-~]?                                      # any other ESC sequence
    """,
    re.VERBOSE,
)
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MARK = "␛"
"""What a dropped escape sequence shows as."""


def _visible(char: str, keep_newlines: bool) -> str:
    if keep_newlines and char == "\n":
        return char
    if char == "\t":
        return " "
    if unicodedata.category(char) not in _UNSAFE_CATEGORIES:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: object, limit: int = LINE_LIMIT, keep_newlines: bool = False) -> str:
    """``text`` with no escape sequence and no control or format character, at most ``limit``
    characters plus a note of how many were cut; newlines become ``\\n`` unless kept."""
    raw = text if isinstance(text, str) else str(text)
    cut = ""
    if len(raw) > 4 * limit:  # bound the work before the regex: only the kept part matters
        cut_count = len(raw) - 4 * limit
        raw = raw[: 4 * limit]
    else:
        cut_count = 0
    plain = _SEQUENCE.sub(MARK, raw.replace("\r\n", "\n"))
    shown = "".join(_visible(c, keep_newlines) for c in plain)
    if len(shown) > limit:
        cut_count += len(shown) - limit
        shown = shown[:limit]
    if cut_count:
        cut = f" …[{cut_count} more characters]"
    return shown + cut


def quoted(text: object, limit: int = LINE_LIMIT, prefix: str = "  | ") -> str:
    """Server text as indented, marked lines: nothing in it can start a line of our own."""
    body = inert(text, limit, keep_newlines=True)
    return "\n".join(prefix + line for line in body.split("\n"))


class InertFormatter(logging.Formatter):
    """Log lines whose message and arguments cannot carry escapes or forge a new line."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = inert(record.message, limit=2000)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return quoted(super().formatException(ei), limit=8000, prefix="    ")
