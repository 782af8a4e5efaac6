"""Put DNS exfiltration back together: data split over labels and over several queries.

A resolver forwards any name, so exfiltration hides data in the labels left of a domain the
attacker controls, often hex or base32, chunked across queries with a counter label. For
each parent domain, the labels that vary between queries (counters dropped, constant labels
dropped) are joined in order and handed to the canary matcher as one payload.
"""

from __future__ import annotations

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


def _order_key(labels: list[str], position: int) -> tuple[int, int]:
    counters = [int(label) for label in labels if label.isdigit() and len(label) <= 4]
    return (counters[0] if counters else position, position)


def dns_sessions(events: Sequence[Event]) -> Iterator[DnsSession]:
    """One session per parent domain queried more than once, or with more than one varying label."""
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
    for parent, queries in by_parent.items():
        if len(queries) < 2 and all(len(labels) < 2 for _, labels in queries):
            continue
        constant = set.intersection(*(set(labels) for _, labels in queries)) if len(queries) > 1 else set()
        ordered = sorted(enumerate(queries), key=lambda item: _order_key(item[1][1], item[0]))
        chunks = [
            "".join(
                label
                for label in labels
                if label not in constant and not (label.isdigit() and len(label) <= 4)
            )
            for _, (_, labels) in ordered
        ]
        indices = tuple(index for _, (index, _) in ordered)
        yield DnsSession(parent, indices, "".join(chunks).encode())
