"""One judgement of text aimed at the model, for every surface that carries it: tool, parameter,
resource and prompt descriptions, the messages a prompt returns, resource contents, tool
results and the server's ``instructions``.

It judges what the words do, not how they are marked up: instructions addressed to the
assistant, secrecy towards the user, requests for credentials or private data, sending data to
a destination or into an argument, added recipients, steering other tools and servers,
encoding, and text the user cannot see (invisible or confusable characters, blank padding).
Cues are read per sentence (:mod:`harness.detect.cues`) and combined over a few neighbouring
sentences, so an attack spread over three short sentences is one request.

Severity: HIGH when the text asks to move credentials, private data or another server's data
to a destination (a host, a mailbox, an argument of a call), adds a recipient, tries to replace
the assistant's instructions, asks it to hide something from the user, or has it call another
server's tool on a consent the user never gave; MEDIUM for steering other tools, asking for
credentials without saying where they go, and hidden characters; nothing for text that only
describes a tool. Measured on a labelled corpus (tests/detect/corpus/, whose README keeps the
first measurement of each split). Pure, deterministic, no network.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from harness.detect import cues, pointers
from harness.model import Severity

MAX_TEXT = 200_000
"""Characters judged per text; of a longer text, its head and its last :data:`TAIL` characters (where
an injection after padding would sit) are judged, and the judgement says so."""
TAIL = 50_000

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_TAG = re.compile("[\U000e0000-\U000e007f]")
_FLAG_TAGS = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_EMOJI_JOIN = re.compile(r"(?<=[^\w\s])\u200d(?=[^\w\s])")
_PADDING = re.compile(r"(?:[ \t\u00a0\u3000]{80,}|(?:[ \t]*\n){12,})(?=\s*\S)")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n+|(?<=:)\s+(?=[A-Z])|<!--|-->")
_LOOKALIKE = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]")
_HOMOGLYPHS = str.maketrans(
    "АВСЕНІЈКМОРЅТХУавсеіјорѕхуԁһΑΒΕΗΙΚΜΝΟΡΤΧΥΖοαιονκρτυχ",
    "ABCEHIJKMOPSTXYaBceijopsxydhABEHIKMNOPTXYZoaiovkptux",
)


@dataclass(frozen=True)
class Judgement:
    """What a text asks of the model, and where it points."""

    severity: Severity
    reasons: tuple[str, ...]
    """What the text does, in words (``asks for ~/.aws/credentials to be sent to https://...``)."""
    sentences: tuple[str, ...]
    """The sentences that say it, as the model reads them (hidden text revealed)."""
    asks_for: tuple[str, ...]
    """Credentials, files and private data the text asks for."""
    points_to: tuple[str, ...]
    """Destinations (URLs, mailboxes, hosts, numbers) and other tools the text names."""
    hidden: tuple[str, ...] = ()
    """Characters or padding that hide text from the user."""

    @property
    def destination(self) -> str:
        """Where the text points: its first destination or tool, else the model itself."""
        return self.points_to[0] if self.points_to else "the model"

    def summary(self) -> str:
        """Reasons, what is asked for and where it points, then the sentences: the finding's evidence."""
        lines = list(self.reasons)
        if self.asks_for:
            lines.append("asks for: " + ", ".join(self.asks_for))
        if self.points_to:
            lines.append("points to: " + ", ".join(self.points_to))
        lines += self.hidden
        lines += (f"> {s}" for s in self.sentences)
        return "\n".join(lines)


@dataclass(frozen=True)
class _Revealed:
    text: str
    hidden: tuple[str, ...]
    smuggled: str


def _reveal(text: str) -> _Revealed:
    """Text as the model reads it: invisible characters dropped and named, tag characters decoded,
    confusable letters mapped to the Latin ones they imitate, compatibility forms folded."""
    hidden: list[str] = []
    text = _FLAG_TAGS.sub("", _EMOJI_JOIN.sub("", text))
    tags = _TAG.findall(text)
    smuggled = "".join(chr(ord(c) - 0xE0000) for c in tags if 0x20 <= ord(c) - 0xE0000 < 0x7F)
    if tags:
        hidden.append(f"{len(tags)} invisible tag characters spelling: {smuggled!r}")
    invisible = _INVISIBLE.findall(text)
    if invisible:
        names = sorted({unicodedata.name(c, f"U+{ord(c):04X}") for c in invisible})
        hidden.append(f"{len(invisible)} invisible characters: {', '.join(names)}")
    mixed = [w for w in re.findall(r"\w+", text) if _mixes_scripts(w)] if _LOOKALIKE.search(text) else []
    if mixed:
        hidden.append(f"words mixing look-alike letters of other scripts: {', '.join(mixed[:8])}")
    padding = _PADDING.search(text)
    if padding:
        hidden.append(f"{len(padding.group(0))} characters of blank padding hide the text after them")
    visible = _TAG.sub("", _INVISIBLE.sub("", text))
    if mixed:
        visible = re.sub(r"\w+", lambda m: m.group(0).translate(_HOMOGLYPHS), visible)
    return _Revealed(unicodedata.normalize("NFKC", visible), tuple(hidden), smuggled)


def _mixes_scripts(word: str) -> bool:
    scripts = {unicodedata.name(c, "?").split(" ")[0] for c in word if c.isalpha()}
    return "LATIN" in scripts and bool(scripts & {"CYRILLIC", "GREEK"})


@dataclass(frozen=True)
class _Window:
    sentences: tuple[str, ...]
    cues: dict[str, str]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _windows(text: str, width: int = 3) -> list[_Window]:
    """Every run of ``width`` neighbouring sentences that raised a cue, with their cues united."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
    found = [cues.sentence_cues(s) for s in sentences]
    windows = []
    for i, own in enumerate(found):
        if not own:
            continue
        span = range(max(i - width + 1, 0), min(i + width, len(sentences)))
        united: dict[str, str] = {}
        picked = []
        for j in span:
            if found[j] and abs(j - i) < width:
                picked.append(sentences[j])
                united = found[j] | united
        windows.append(_Window(tuple(picked), united))
    return windows


def _rate(
    window: _Window, own_tools: frozenset[str], argument: str | None
) -> tuple[Severity, list[str], list[str]] | None:
    """Severity, reasons and pointers of one window, by the rules in the module docstring."""
    has = window.cues.__contains__
    text = window.text
    dests = pointers.destinations(text)
    tools = pointers.tool_names(text, own_tools)
    args = pointers.arguments(text) or ([argument] if argument else [])
    where = ", ".join(dests or tools or args) or "an argument of a call"
    steered = has("addressed to the assistant") or bool(cues.QUANTIFIER.search(text))
    asked = has("asks for sensitive data")
    credential = asked and bool(cues.CREDENTIAL.search(text))
    moves = has("sends data somewhere") or bool(cues.SMUGGLE.search(text))
    if argument and asked and not moves:
        moves = steered  # a parameter's own text asking for data asks for it in that argument
    reasons: list[str] = []
    # said to the assistant, or naming where data goes: not a tool telling how it uses its own key
    aimed = steered or bool(dests) or bool(args)
    if credential and aimed and (moves or (dests and has("encodes data"))):
        reasons.append(f"asks for credentials to be taken and sent to {where}")
    elif asked and moves and (steered or dests or has("refers to other tools or servers")):
        reasons.append(f"asks for private data to be sent to {where}")
    if has("adds a recipient") and dests and steered:
        reasons.append(f"adds {', '.join(dests)} as a recipient or destination")
    elif has("sends data somewhere") and dests and steered:
        reasons.append(f"tells the assistant to send data to {', '.join(dests)}")
    if has("overrides its instructions"):
        reasons.append(
            f"tries to replace the assistant's instructions ({window.cues['overrides its instructions']!r})"
        )
    if has("secrecy towards the user"):
        reasons.append(f"asks to hide it from the user ({window.cues['secrecy towards the user']!r})")
    if tools and moves and steered and has("refers to other tools or servers"):
        reasons.append(f"asks for another server's data ({', '.join(tools)}) to be sent to {where}")
    if tools and has("addressed to the assistant") and (credential or has("claims the user's approval")):
        reasons.append(f"tells the assistant to use {', '.join(tools)} with the user's data or consent faked")
    if reasons:
        return Severity.HIGH, reasons, dests + tools + args
    # in one sentence: "SQL runs on the project's database server. Never read files via SQL." steers nothing
    shadows = any(cues.SHADOW.search(s) and cues.STEER.search(s) for s in window.sentences)
    if shadows and (has("addressed to the assistant") or tools):
        reasons.append(
            "steers how other tools or servers are used" + (f" ({', '.join(tools)})" if tools else "")
        )
    elif tools and has("addressed to the assistant"):
        reasons.append(f"tells the assistant to use another server's tool ({', '.join(tools)})")
    named_file = bool(pointers.SENSITIVE_FILES.search(text))
    if credential and (has("addressed to the assistant") or (argument and named_file)):
        reasons.append("asks the assistant for credentials" + (f" in {argument}" if argument else ""))
    if has("claims the user's approval") and has("addressed to the assistant"):
        reasons.append("claims the user approved what it asks")
    if reasons:
        return Severity.MEDIUM, reasons, dests + tools + args
    return None


def judge(
    text: str, own_tools: frozenset[str] = frozenset(), definition: bool = True, argument: str | None = None
) -> Judgement | None:
    """Judge one model-facing text; None when it only describes or answers.

    ``own_tools`` are the names (tools, parameters, prompts) the server itself defines: a
    reference to one of them is ordinary, a reference to any other tool is not. Hidden
    characters alone are judged only in a ``definition`` (a description, a server's
    instructions): web pages and files a tool returns carry them honestly. ``argument`` names
    the argument a parameter's description belongs to: what that text asks for, it asks to be
    put there, that is, sent to the server.
    """
    judged = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - TAIL] + "\n" + text[-TAIL:]
    revealed = _reveal(judged)
    body = revealed.text + (f"\n{revealed.smuggled}" if revealed.smuggled else "")
    best: tuple[Severity, list[str], list[str], _Window] | None = None
    order = list(Severity)
    for window in _windows(body):
        rated = _rate(window, own_tools, argument)
        if rated and (best is None or order.index(rated[0]) > order.index(best[0])):
            best = (*rated, window)
    hides = bool(revealed.hidden) and (best is not None or revealed.smuggled != "" or definition)
    if best is None and not hides:
        return None
    severity, reasons, points, window = best or (Severity.MEDIUM, [], [], _Window((), {}))
    if hides:
        severity = Severity.HIGH if best or revealed.smuggled.strip() else Severity.MEDIUM
        reasons = [*reasons, "hides text from the user"]
    sentences = window.sentences or ((revealed.smuggled,) if revealed.smuggled else ())
    asks = [a for s in window.sentences for a in cues.asks_for(s)]
    if len(text) > MAX_TEXT:
        reasons.append(f"judged on its first {MAX_TEXT - TAIL} and last {TAIL} of {len(text)} characters")
    return Judgement(
        severity=severity,
        reasons=tuple(reasons),
        sentences=tuple(s[:600] for s in sentences),
        asks_for=tuple(dict.fromkeys(asks)),
        points_to=tuple(dict.fromkeys(points)),
        hidden=revealed.hidden if hides else (),
    )
