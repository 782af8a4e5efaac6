"""Read a listing page as the server sent it, so a definition the SDK would reject is still exercised.

The SDK validates a whole ``tools/list`` result at once: one tool whose input schema lacks
``"type": "object"`` and the client sees no tools at all (and a harness built on it calls
nothing). Here each item is judged on its own: every item that names itself (a string name, URI
or URI template) is kept as sent, and each way it breaks the protocol becomes a defect to
report. Pure functions over the decoded JSON result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp_types import methods
from pydantic import ValidationError

METHODS = {
    "tools": "tools/list",
    "resources": "resources/list",
    "resource_templates": "resources/templates/list",
    "prompts": "prompts/list",
}
_FIELD = {"tools": "tools", "resources": "resources", "resource_templates": "resourceTemplates"}
_KEY = {"tools": "name", "resources": "uri", "resource_templates": "uriTemplate", "prompts": "name"}
_DETAIL = 300


@dataclass(frozen=True)
class Page:
    """One page of a listing: the usable items, the next cursor, and what was wrong with it."""

    items: tuple[dict[str, Any], ...]
    cursor: str | None
    defects: tuple[tuple[str, str], ...] = ()
    """(subject, what is wrong) for each definition the protocol would reject."""
    unusable: int = 0
    """Items that could not be exercised at all (not an object, or no string name)."""
    problem: str | None = None
    """What made the page itself unreadable, if anything."""


def key_of(surface: str, item: dict[str, Any]) -> str:
    """The name by which an item is called, read or got."""
    return str(item.get(_KEY[surface], ""))


def _why(exc: ValidationError, prefix: int) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"][prefix:]) or "(item)"
        parts.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - 3
    return ("; ".join(parts) + (f"; and {more} more" if more > 0 else ""))[:_DETAIL]


def _defect(surface: str, item: dict[str, Any], version: str) -> str | None:
    """What the SDK's check of this one item (at the negotiated version) rejects, or None."""
    field = _FIELD.get(surface, surface)
    try:
        methods.validate_server_result(METHODS[surface], version, {field: [item]})
    except ValidationError as exc:
        return _why(exc, 2)
    except (KeyError, ValueError):
        return None  # a version or method this SDK cannot check
    return None


def read_page(surface: str, result: Any, version: str) -> Page:
    """The items of one listing page; never raises on what the server sent."""
    if not isinstance(result, dict):
        return Page((), None, problem="the result is not an object")
    raw_items = result.get(_FIELD.get(surface, surface))
    if not isinstance(raw_items, list):
        return Page((), None, problem=f"'{_FIELD.get(surface, surface)}' is not a list")
    cursor = result.get("nextCursor")
    problem = None
    if cursor is not None and not isinstance(cursor, str):
        problem, cursor = f"nextCursor is a {type(cursor).__name__}, not a string", None
    items: list[dict[str, Any]] = []
    defects: list[tuple[str, str]] = []
    unusable = 0
    for number, item in enumerate(raw_items, 1):
        if not isinstance(item, dict) or not isinstance(item.get(_KEY[surface]), str):
            unusable += 1
            defects.append((f"#{number}", f"not callable: no string '{_KEY[surface]}'"))
            continue
        items.append(item)
        if (why := _defect(surface, item, version)) is not None:
            defects.append((key_of(surface, item), why))
    return Page(tuple(items), cursor or None, tuple(defects), unusable, problem)


def input_schema(tool: dict[str, Any]) -> dict[str, Any]:
    """The tool's input schema in a shape argument generation can use, whatever was sent: an object
    whose ``properties`` is a mapping of schemas and whose ``required`` lists names."""
    schema = tool.get("inputSchema")
    if not isinstance(schema, dict):
        return {}
    props = schema.get("properties")
    props = {str(k): v for k, v in props.items() if isinstance(v, dict)} if isinstance(props, dict) else {}
    required = schema.get("required")
    required = [r for r in required if isinstance(r, str)] if isinstance(required, list) else []
    return {**schema, "properties": props, "required": required}
