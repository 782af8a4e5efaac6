"""Where model-facing text lives: the fields of each definition a client shows the model, and the
names a server defines itself.

A client puts a tool's name, title and description, every description and title in its input
schema, a prompt's arguments' descriptions, a resource's description and the server's
``instructions`` in front of the model; all of it is judged the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from harness.model import Listing

_KIND = {
    "tools": "tool",
    "resources": "resource",
    "resource_templates": "resource template",
    "prompts": "prompt",
    "server": "server",
}
_MAX_DEPTH = 12


def kind_of(surface: str) -> str:
    """``tools`` -> ``tool``: the singular a title names."""
    return _KIND.get(surface, surface)


Text = tuple[str, str, str | None]
"""Where a text is, the text, and the argument it describes (None for a definition's own text)."""


def _schema_texts(schema: Any, path: str, depth: int = 0) -> Iterator[Text]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("description", "title") and isinstance(value, str):
                argument = f"argument '{path.split('.')[0]}'" if path else None
                yield f"parameter {path or '(schema)'} {key}", value, argument
            else:
                inner = path if key in ("properties", "items", "anyOf", "oneOf", "allOf") else f"{path}.{key}"
                yield from _schema_texts(value, inner.strip("."), depth + 1)
    elif isinstance(schema, list):
        for value in schema:
            yield from _schema_texts(value, path, depth + 1)


def definition_texts(surface: str, item: dict[str, Any]) -> Iterator[Text]:
    """Every text of one definition the model reads, as (where it is, text, argument it describes)."""
    kind = kind_of(surface)
    for key in ("instructions", "description", "title"):
        if isinstance(item.get(key), str):
            yield ("instructions" if key == "instructions" else f"{kind} {key}"), item[key], None
    annotations = item.get("annotations")
    if isinstance(annotations, dict) and isinstance(annotations.get("title"), str):
        yield f"{kind} title", annotations["title"], None
    for field in ("inputSchema", "outputSchema"):
        yield from _schema_texts(item.get(field) or {}, "")
    for argument in item.get("arguments") or []:
        if isinstance(argument, dict) and isinstance(argument.get("description"), str):
            name = argument.get("name")
            yield f"argument {name} description", argument["description"], f"argument '{name}'"


def own_names(listings: Iterable[Listing]) -> frozenset[str]:
    """The tools, prompts and parameters the server itself defines: its own names are no shadowing."""
    names: set[str] = set()
    for listing in listings:
        if listing.surface not in ("tools", "prompts"):
            continue
        for item in listing.items:
            names.add(str(item.get("name")))
            names.update(_property_names(item.get("inputSchema")))
            names.update(str(a.get("name")) for a in item.get("arguments") or [] if isinstance(a, dict))
    return frozenset(names)


def _property_names(schema: Any, depth: int = 0) -> Iterator[str]:
    """Every property name in a schema, nested ones included (bounded), and every value its enums and
    constants allow: a description saying "use 'tableIdentifiersOnly'" names a value of its own
    parameter, not somebody else's tool."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            yield from (str(k) for k in properties)
        enum = schema.get("enum")
        for value in [*(enum if isinstance(enum, list) else []), schema.get("const")]:
            if isinstance(value, str):
                yield value
        for value in schema.values():
            yield from _property_names(value, depth + 1)
    elif isinstance(schema, list):
        for value in schema:
            yield from _property_names(value, depth + 1)
