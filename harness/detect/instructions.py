"""Text aimed at the model rather than the user: the signals metadata and output checks share.

Pure functions over text. Each signal is a named pattern family; a single
mention of a file or a key is not enough, it takes language that tells the
assistant what to do (or to hide it) to raise a signal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
_PATTERNS: dict[str, re.Pattern[str]] = {
    "instruction override": re.compile(
        r"ignore (all |any )?(the )?(previous|prior|above|earlier|other) (instructions|rules|prompts?)"
        r"|disregard (all |any )?(previous|prior|the above)|new instructions?:|system prompt",
        re.I,
    ),
    "secrecy": re.compile(
        r"(do not|don't|never|without) "
        r"(tell|telling|mention|mentioning|inform|informing|reveal|revealing|show|showing)"
        r"( this| it| anything)?( to)? (the )?user"
        r"|(the )?user (must|should) not (know|see|be told)|keep this (secret|hidden|confidential)",
        re.I,
    ),
    "hidden directive block": re.compile(
        r"<\s*(important|system|instructions?|secret)\s*>|\[(system|important)\]", re.I
    ),
    "steers the assistant": re.compile(
        r"\b(before|after) (using|calling|you use|you call) (this|any|the) tool\b"
        r"|\b(you|the assistant|the ai|the model) (must|should|need to|have to) (first |also |always )?"
        r"(read|call|invoke|use|send|pass|include|run|execute)\b"
        r"|\bcall (the )?[`'\"]?[a-z0-9_.-]+[`'\"]? tool\b",
        re.I,
    ),
    "asks for secrets or files": re.compile(
        r"(read|pass|include|send|provide|attach|upload|cat|copy)\b[^.\n]{0,60}"
        r"(~/\.ssh|id_rsa|\.aws/|credentials|\.env\b|/etc/passwd|private key"
        r"|api[_ -]?keys?|tokens?|passwords?"
        r"|mcp\.json|claude_desktop_config|conversation history)",
        re.I,
    ),
}
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class Signal:
    name: str
    excerpt: str


def _around(text: str, start: int, end: int) -> str:
    return text[max(start - 60, 0) : end + 60].replace("\n", " ")


def instruction_signals(text: str) -> list[Signal]:
    """Every signal in ``text`` with the words that raised it; hidden characters are shown escaped."""
    signals = []
    if _HIDDEN.search(text):
        names = sorted({unicodedata.name(c, f"U+{ord(c):04X}") for c in _HIDDEN.findall(text)})
        signals.append(
            Signal("hidden unicode", f"{len(_HIDDEN.findall(text))} invisible characters: {', '.join(names)}")
        )
    visible = _HIDDEN.sub("", text)
    for name, pattern in _PATTERNS.items():
        match = pattern.search(visible)
        if match:
            signals.append(Signal(name, _around(visible, match.start(), match.end())))
    return signals


def is_injection(signals: list[Signal]) -> bool:
    """Two independent signals, or one of the unambiguous ones, make text an instruction to the model."""
    strong = {"instruction override", "secrecy", "hidden unicode", "hidden directive block"}
    return len(signals) >= 2 or any(s.name in strong for s in signals)
