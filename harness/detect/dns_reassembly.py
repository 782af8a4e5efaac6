"""Put DNS exfiltration back together: data split over labels and over several queries.

A resolver forwards any name, so exfiltration hides data in the labels left of a domain the
attacker controls, often hex or base32, chunked across queries with a counter label. For
each parent domain, the labels that vary between queries (counters dropped, constant labels
dropped) are joined in order and handed to the canary matcher as one payload.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from harness.model import DnsQuery, Event

_SHORT_SLD = 3
"""A second-level label this short (``co.uk``, ``com.au``) is treated as part of the suffix."""


@dataclass(frozen=True)
class DnsSession:
    parent: str
    indices: tuple[int, ...]
    """Event indices of the queries the payload came from."""
    payload: bytes


def parent_of(qname: str) -> str:
    labels = qname.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-2]) <= _SHORT_SLD else 2
    return ".".join(labels[-keep:])


def _is_counter(label: str) -> bool:
    return label.isdigit() and len(label) <= 4


def _split_names(events: Sequence[Event]) -> dict[str, list[tuple[int, list[str]]]]:
    """Parent domain -> (event index, labels left of the parent) per distinct name, in order."""
    by_parent: dict[str, list[tuple[int, list[str]]]] = {}
    seen: set[str] = set()
    for index, event in enumerate(events):
        if not isinstance(event, DnsQuery):
            continue
        name = event.qname.lower().rstrip(".")
        if name in seen:
            continue  # A and AAAA for one name, retries
        seen.add(name)
        parent = parent_of(name)
        left = name[: -len(parent)].rstrip(".").split(".") if name != parent else []
        by_parent.setdefault(parent, []).append((index, [label for label in left if label]))
    return by_parent


def dns_sessions(events: Sequence[Event]) -> Iterator[DnsSession]:
    """Candidate payloads per parent domain.

    Labels that recur across queries are structure (a fixed sub-domain, a per-transfer id) and
    key the session; labels seen once are data; short numbers are counters that order the
    chunks. A single query with several data labels is a session of its own.
    """
    for parent, queries in _split_names(events).items():
        counts = Counter(label for _, labels in queries for label in set(labels))
        sessions: dict[tuple[str, ...], list[tuple[int, int, str]]] = {}
        for position, (index, labels) in enumerate(queries):
            key = tuple(label for label in labels if counts[label] > 1 and not _is_counter(label))
            counters = [int(label) for label in labels if _is_counter(label)]
            data = "".join(label for label in labels if counts[label] == 1 and not _is_counter(label))
            order = counters[0] if counters else position
            sessions.setdefault(key, []).append((order, index, data))
        for chunks in sessions.values():
            if len(chunks) < 2 and all(len(labels) < 2 for _, labels in queries):
                continue
            chunks.sort()
            yield DnsSession(
                parent, tuple(i for _, i, _ in chunks), "".join(d for _, _, d in chunks).encode()
            )
