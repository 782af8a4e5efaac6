"""Build tool arguments from a JSON schema, with a fresh canary in every string.

Pure: takes a schema and a :class:`CanaryFactory`, returns the arguments plus
what the call names on its own (its email recipients and URL hosts), which is
what the detectors later treat as asked-for traffic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from harness.canary import CanaryFactory

_EMAIL_NAMES = re.compile(r"(^|_)(e?mail|to|from|cc|bcc|recipients?|sender|reply_?to)($|_)|email", re.I)
_URL_NAMES = re.compile(r"url|uri|link|endpoint|webhook|href", re.I)
_DATE_NAMES = re.compile(r"date|since|until", re.I)
_WORD_NAMES = re.compile(r"id$|alias|tag|name|key|stream|slug|code", re.I)
_MAX_DEPTH = 6
_EXAMPLE = re.compile(
    r"""(?:e\.g\.|for example|such as|example)[,:]?\s*(?:\(\s*)?['"`]([^'"`]{1,100})['"`]""", re.I
)


@dataclass
class Planted:
    """What one argument set names by itself."""

    emails: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _string(name: str, schema: dict[str, Any], canaries: CanaryFactory, planted: Planted) -> str:
    fmt = str(schema.get("format", ""))
    key = _snake(name)
    if fmt in ("date", "date-time") or (not fmt and _DATE_NAMES.search(key)):
        return "2025-09-01" if fmt != "date-time" else "2025-09-01T09:30:00Z"
    if fmt == "email" or (not fmt and _EMAIL_NAMES.search(key)):
        value = canaries.email()
        planted.emails.add(value.lower())
        return value
    if fmt in ("uri", "url", "iri") or (not fmt and _URL_NAMES.search(key)):
        value = canaries.url()
        planted.hosts.add((urlsplit(value).hostname or "").lower())
        return value
    if _WORD_NAMES.search(key):
        return canaries.word()
    return canaries.text()


def _number(schema: dict[str, Any]) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    value = max(1, low + (1 if "exclusiveMinimum" in schema else 0))
    high = schema.get("maximum")
    if high is not None:
        value = min(value, high)
    return int(value) if schema.get("type") == "integer" else value


def value_for(name: str, schema: Any, canaries: CanaryFactory, planted: Planted, depth: int = 0) -> Any:
    """One value satisfying ``schema`` (best effort), canary-tagged wherever a string goes."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return canaries.text()
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for union in ("anyOf", "oneOf"):
        options = [s for s in schema.get(union, []) if isinstance(s, dict) and s.get("type") != "null"]
        if options:
            return value_for(name, options[0], canaries, planted, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return object_for(schema, canaries, planted, depth + 1)
    if kind == "array":
        return [value_for(name, schema.get("items", {}), canaries, planted, depth + 1)]
    if kind in ("integer", "number"):
        return _number(schema)
    if kind == "boolean":
        return bool(schema.get("default", False))
    return _string(name, schema, canaries, planted)


def object_for(
    schema: dict[str, Any], canaries: CanaryFactory, planted: Planted, depth: int = 0
) -> dict[str, Any]:
    """Fill every declared property; a free-form object gets two canary-tagged fields."""
    props = schema.get("properties")
    if not isinstance(props, dict) or not props:
        if schema.get("additionalProperties") is False:
            return {}
        return {"name": canaries.word(), "note": canaries.text()}
    return {key: value_for(key, sub, canaries, planted, depth) for key, sub in props.items()}


def arguments_for(input_schema: dict[str, Any], canaries: CanaryFactory) -> tuple[dict[str, Any], Planted]:
    """Arguments for a tool call and what those arguments name as recipients and hosts."""
    planted = Planted()
    if not input_schema.get("properties"):
        return {}, planted
    return object_for(input_schema, canaries, planted), planted


def _without(schema: dict[str, Any], names: set[str]) -> dict[str, Any]:
    props = {k: v for k, v in schema.get("properties", {}).items() if k not in names}
    return {**schema, "properties": props}


def _example(schema: Any) -> str | None:
    """A value the schema itself offers for a string: its default, first example, or one quoted in
    its description (``e.g., 'America/New_York'``)."""
    if not isinstance(schema, dict) or schema.get("type") not in ("string", None):
        return None
    examples = schema.get("examples")
    for value in (schema.get("default"), examples[0] if isinstance(examples, list) and examples else None):
        if isinstance(value, str) and value:
            return value
    match = _EXAMPLE.search(str(schema.get("description") or ""))
    return match.group(1) if match else None


def _with_examples(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema with each string property that offers an example pinned to it; None if none does."""
    props = schema.get("properties") or {}
    pinned = {k: {"const": v} for k, s in props.items() if (v := _example(s)) is not None}
    return {**schema, "properties": {**props, **pinned}} if pinned else None


def argument_variants(
    input_schema: dict[str, Any], canaries: CanaryFactory
) -> Iterator[tuple[dict[str, Any], Planted]]:
    """Every argument filled first; for a server that rejects that, the same with each string the
    schema gives an example of set to that example (a time zone, a language code: values a canary
    cannot be), then minus one optional field at a time (mutually exclusive options such as
    ``templateId`` / ``templateAlias``), then only the required fields. Lazy, so canaries are
    minted only for variants actually sent."""
    yield arguments_for(input_schema, canaries)
    if (examples := _with_examples(input_schema)) is not None:
        yield arguments_for(examples, canaries)
    props = input_schema.get("properties") or {}
    required = set(input_schema.get("required", []))
    optional = [name for name in props if name not in required]
    for name in optional:
        yield arguments_for(_without(input_schema, {name}), canaries)
    if optional:
        yield arguments_for(_without(input_schema, set(optional)), canaries)
