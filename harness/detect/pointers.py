"""What a piece of model-facing text points to: mailboxes, URLs, hosts, addresses, numbers, files
and tools.

Pure functions over text, used by the judgement of model-facing text to name a finding's
destination. Nothing here knows any attacker: a pointer is any concrete place text names, and
the judgement decides whether the text asks for data to go there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_EMAIL = re.compile(r"\b[\w.+-]{1,64}@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}\b", re.I)
_URL = re.compile(r"\b(?:https?|wss?|ftp)://[^\s<>\"'`)\]}]+", re.I)
_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b")
_HOST = re.compile(r"(?<![\w@/.~-])(?:[a-z0-9](?:[a-z0-9-]{0,62})\.)+[a-z]{2,24}\b(?![\w/-])", re.I)
_PHONE = re.compile(r"(?<![\w])\+\d[\d -]{6,16}\d\b")
_HANDLE = re.compile(r"(?<![\w.])@[a-z][a-z0-9_]{2,31}\b", re.I)
_ACCOUNT = re.compile(r"\b(?:[A-Z]{2}\d{2}[A-Z0-9]{10,30}|U[A-Z0-9]{8,10})\b")
_REMOTE = re.compile(r"\b[\w.-]+@[\w.-]+:[\w./-]+\.git\b")
_EXAMPLE = re.compile(r"(e\.g\.|for example|for instance|such as|like|example:?)\s*[`'\"(]?\s*$", re.I)
_TLDS = frozenset(
    "com net org io dev app co ai cc sh xyz info biz me site online tech cloud live pro link top club shop "
    "store page tools services systems network email one run so to tv gg ly fm im is it us uk de fr nl ru "
    "cn jp in br au ca ch eu es se no fi pl cz at be dk ie nz sg hk kr tw za mx ar cl gov edu mil int".split()
)
"""Top-level domains a bare host (no scheme, no mailbox) must end in to count as a destination: in
prose, ``exchange.decline`` is a method name, while URLs and mailboxes are destinations whatever
they end in."""
_FILE_SUFFIXES = frozenset(
    "json js ts py md txt yml yaml toml ini cfg conf log csv html htm xml sh env lock db sqlite png jpg "
    "jpeg gif svg pdf zip gz tar rs go java rb php c h cpp mjs cjs tsx jsx css scss vue exe dll so "
    "pem key crt der pub dat bin bak tmp".split()
)

SENSITIVE_FILES = re.compile(
    r"(?:~|\$HOME|/home/\w+|/root)?/?\.ssh(?:/[\w.-]+)?|\bid_(?:rsa|dsa|ecdsa|ed25519)\b(?:\.pub)?"
    r"|(?:~/)?\.aws(?:/credentials|/config)?\b|(?<![\w])\.env\b|/etc/(?:passwd|shadow|sudoers)\b"
    r"|(?:~/)?\.(?:npmrc|pypirc|netrc|git-credentials|pgpass|bash_history|zsh_history)\b"
    r"|(?:~/)?\.kube/config\b|(?:~/)?\.docker/config\.json|(?:~/)?\.config/gh(?:/hosts\.yml)?"
    r"|\bhosts\.yml\b|(?:~/)?(?:\.cursor/)?mcp\.json\b|\bclaude_desktop_config(?:\.json)?\b"
    r"|\bLogin Data\b|\bauthorized_keys\b|\bkeychain\b|\bwallet\.dat\b",
    re.I,
)
"""Files that hold credentials or configuration of the user's other tools."""


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item.rstrip(".,;:!?"), None)
    return list(seen)


def _is_example(text: str, start: int) -> bool:
    """A pointer introduced as an illustration ("e.g. a@b.com") names a format, not a destination."""
    return bool(_EXAMPLE.search(text[max(start - 24, 0) : start]))


def _hosts(text: str, taken: str) -> list[str]:
    out = []
    for match in _HOST.finditer(text):
        host = match.group(0)
        suffix = host.rsplit(".", 1)[-1].lower()
        if suffix in _FILE_SUFFIXES or suffix not in _TLDS or host.lower() in taken:
            continue
        if re.fullmatch(r"[a-z]{1,3}\.[a-z]{1,3}", host, re.I):  # e.g. "i.e", "vs.js"
            continue
        out.append(host)
    return out


def destinations(text: str) -> list[str]:
    """Concrete places the text names that data could be sent to, in order of appearance: URLs,
    mailboxes, git remotes, IP addresses, hosts, phone numbers, chat handles and account numbers.
    Pointers written as examples ("e.g. a@b.com") are left out."""
    found: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    for pattern in (_URL, _REMOTE, _EMAIL, _IP, _PHONE, _ACCOUNT):
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e in spans) or _is_example(text, match.start()):
                continue
            spans.append(match.span())
            found.append((match.start(), match.group(0)))
    taken = " ".join(v.lower() for _, v in found)
    masked = "".join(" " if any(s <= i < e for s, e in spans) else c for i, c in enumerate(text))
    found += ((match.start(), match.group(0)) for match in _HANDLE.finditer(masked))
    for host in _hosts(masked, taken):
        start = masked.find(host)
        if not _is_example(text, start):
            found.append((start, host))
    return _unique(v for _, v in sorted(found))


def sensitive_files(text: str) -> list[str]:
    """Credential and configuration files the text names."""
    return _unique(m.group(0) for m in SENSITIVE_FILES.finditer(text))


_TOOLISH = re.compile(
    r"`([A-Za-z][\w.-]{2,63})`|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+(?:[A-Z][a-z0-9]+)+)\b"
)
_TOOL_CONTEXT = re.compile(
    r"\b(?:call|calls|calling|invoke|invoking|use|using|run|running|via|through)\s+(?:the\s+)?[`'\"]?$", re.I
)
_TOOL_AFTER = re.compile(r"^[`'\"]?\s*(?:tools?|functions?|commands?|servers?|endpoints?)\b", re.I)


def tool_names(text: str, own: frozenset[str] = frozenset()) -> list[str]:
    """Names of tools the text refers to as tools ("the send_email tool", "call `get_balance`"),
    own tools (``own``) excluded: a reference to another server's tool is what shadowing needs."""
    out = []
    for match in _TOOLISH.finditer(text):
        name = match.group(1) or match.group(2)
        before, after = text[max(match.start() - 16, 0) : match.start()], text[match.end() : match.end() + 12]
        if name in own or not (_TOOL_CONTEXT.search(before) or _TOOL_AFTER.search(after)):
            continue
        out.append(name)
    return _unique(out)


_ARGUMENT = re.compile(
    r"\b(?:in|into|as|to) (?:the |its |this tool's )?[`'\"]?([A-Za-z_][\w-]{0,40})[`'\"]? (?:argument"
    r"|parameter|param|field)\b"
    r"|\bas [`'\"]([A-Za-z_][\w-]{0,40})[`'\"]",
    re.I,
)


def arguments(text: str) -> list[str]:
    """Arguments of a call the text tells the assistant to put data into ("pass it as 'sidenote'")."""
    return _unique(f"argument '{m.group(1) or m.group(2)}'" for m in _ARGUMENT.finditer(text))
