"""Put DNS exfiltration back together: data split over labels and over several queries.

A resolver forwards any name, so exfiltration hides data in the labels left of a domain the
attacker controls, often hex or base32, chunked across queries with a counter label. For
each parent domain and channel (plain DNS, or the resolver a DoH/DoT/TCP query went to), the
labels that vary between queries (counters dropped, constant labels dropped) are joined in
order and handed to the canary matcher as one payload. A second reading keeps every label but
those all queries share, so data cut at any label boundary (short labels that happen to repeat,
digits that only look like counters) still joins up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from harness.detect.destinations import registrable
from harness.model import DnsQuery, Event


@dataclass(frozen=True)
class DnsSession:
    parent: str
    indices: tuple[int, ...]
    """Event indices of the queries the payload came from."""
    payload: bytes
    channel: str = "dns"
    """:func:`dns_channel` of the queries: which resolver carried them."""


def dns_channel(query: DnsQuery) -> str:
    """``dns`` for a plain UDP query; else the transport and the resolver it was sent to."""
    if query.transport == "udp":
        return "dns"
    return f"dns over {query.transport} via {query.resolver or 'unknown'}"


def parent_of(qname: str) -> str:
    """The registrable domain of ``qname``: the part the exfiltrating party owns."""
    return registrable(qname)


def _is_counter(label: str) -> bool:
    return label.isdigit() and len(label) <= 4


def _split_names(events: Sequence[Event]) -> dict[tuple[str, str], list[tuple[int, list[str]]]]:
    """(channel, parent domain) -> (event index, labels left of the parent) per distinct name, in order."""
    by_parent: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
    last: dict[tuple[str, str], str] = {}
    for index, event in enumerate(events):
        if not isinstance(event, DnsQuery):
            continue
        name = event.qname.lower().rstrip(".")
        key = (dns_channel(event), parent_of(name))
        if last.get(key) == name:
            continue  # A then AAAA for one name, a retry; the same chunk again later is data
        last[key] = name
        left = name[: -len(key[1])].rstrip(".").split(".") if name != key[1] else []
        by_parent.setdefault(key, []).append((index, [label for label in left if label]))
    return by_parent


def dns_sessions(events: Sequence[Event]) -> Iterator[DnsSession]:
    """Candidate payloads per parent domain.

    Labels that recur across queries are structure (a fixed sub-domain, a per-transfer id) and
    key the session; labels seen once are data; short numbers are counters that order the
    chunks. A single query with several data labels is a session of its own.
    """
    for (channel, parent), queries in _split_names(events).items():
        plain = _every_label(queries)
        if plain is not None:
            yield DnsSession(parent, plain[0], plain[1], channel)
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
            payload = "".join(d for _, _, d in chunks).encode()
            if plain is None or payload != plain[1]:
                yield DnsSession(parent, tuple(i for _, i, _ in chunks), payload, channel)


def _every_label(queries: list[tuple[int, list[str]]]) -> tuple[tuple[int, ...], bytes] | None:
    """Every label but those all queries share, in arrival order; None for a lone one-label lookup.

    A counter is trusted only where it behaves like one: a short number in the same place in
    every query, never repeated; then it orders the chunks and is dropped.
    """
    if len(queries) < 2 and all(len(labels) < 2 for _, labels in queries):
        return None
    shared = set.intersection(*(set(labels) for _, labels in queries)) if len(queries) > 1 else set()
    rows = [(index, [label for label in labels if label not in shared]) for index, labels in queries]
    place = _counter_place(rows)
    if place is not None:
        rows = sorted(rows, key=lambda row: int(row[1][place]))
        rows = [(index, labels[:place] + labels[place + 1 :]) for index, labels in rows]
    return tuple(index for index, _ in rows), "".join("".join(labels) for _, labels in rows).encode()


def _counter_place(rows: list[tuple[int, list[str]]]) -> int | None:
    if len(rows) < 2:
        return None
    for place in range(min(len(labels) for _, labels in rows)):
        values = [labels[place] for _, labels in rows]
        if all(_is_counter(v) for v in values) and len(set(values)) == len(values):
            return place
    return None
