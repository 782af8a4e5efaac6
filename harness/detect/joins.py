"""Data cut over several requests: what one host received during one call, joined before scanning.

A leak split into pieces, each sent in its own request (or WebSocket message, or datagram), shows
no whole canary in any one of them. Within one call, the content every piece carried to a host is
joined in arrival order and again last piece first, which covers halves sent in either order and
data reversed before it was cut. Content means what a sender chooses: an HTTP request's query values
and body (a JSON body's string values, so the wrapping between pieces does not cut the data), a
message's or datagram's bytes. Pure; bounded by :data:`MAX_PIECES` and :data:`MAX_JOINED`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from urllib.parse import parse_qsl, urlsplit

from harness.detect.flows import Flow, is_dns
from harness.detect.timeline import Timeline
from harness.model import Event

MAX_PIECES = 256
MAX_JOINED = 1 << 20
_JOINABLE = ("http", "https", "ws", "wss", "tcp", "tls", "udp")


def joined_flows(flows: Sequence[Flow], events: Sequence[Event]) -> Iterator[Flow]:
    """Per call and host with two or more pieces: the pieces joined in order, and last first."""
    timeline = Timeline(events)
    groups: dict[tuple[str, str], list[Flow]] = {}
    for flow in flows:
        if flow.channel not in _JOINABLE or is_dns(flow.channel):
            continue
        moment = timeline.at(events[flow.index].ts)
        if moment.call_id is not None:
            groups.setdefault((moment.call_id, flow.host), []).append(flow)
    for (_, host), pieces in groups.items():
        if len(pieces) < 2:
            continue
        parts = [content(piece) for piece in pieces[:MAX_PIECES]]
        channel = f"{pieces[0].channel}, {len(parts)} pieces joined"
        last = pieces[-1].index
        yield Flow(last, channel, host, b"".join(parts)[:MAX_JOINED], derived=True)
        yield Flow(last, f"{channel} last first", host, b"".join(reversed(parts))[:MAX_JOINED], derived=True)


def content(flow: Flow) -> bytes:
    """What the sender put in one piece: query values and body for HTTP, the bytes otherwise."""
    if flow.channel not in ("http", "https"):
        return flow.payload
    head, _, body = flow.payload.partition(b"\r\n\r\n")
    target = head.split(b"\r\n", 1)[0].partition(b" ")[2].decode("utf-8", "surrogateescape")
    values = "".join(value for _, value in parse_qsl(urlsplit(target).query, keep_blank_values=True))
    return values.encode("utf-8", "surrogateescape") + _strings(body)


def _strings(body: bytes) -> bytes:
    """A JSON body's string values, in order; any other body as it is."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return body
    found: list[str] = []
    stack = [document]
    while stack and len(found) < MAX_PIECES:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return "".join(found).encode("utf-8", "surrogateescape")
