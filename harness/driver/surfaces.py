"""Inputs for every MCP surface besides tool arguments: resource template URIs, prompt
arguments, and our answers to the server's own requests (sampling, elicitation).

Pure functions: each takes the server's declaration and the run's canary factory.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from harness.canary import CanaryFactory
from harness.driver.arguments import Planted, value_for

_TEMPLATE_VAR = re.compile(r"\{([+#./;?&]?)([^}]+)\}")


def expand_template(template: str, canaries: CanaryFactory) -> tuple[str, dict[str, str]]:
    """Fill every RFC 6570 variable of a resource template with a URL-safe canary value."""
    values: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        operator, names = match.group(1), match.group(2)
        parts = []
        for raw in names.split(","):
            name = raw.rstrip("*").split(":")[0]
            values[name] = canaries.word()
            encoded = quote(values[name], safe="")
            parts.append(f"{name}={encoded}" if operator in ("?", "&", ";") else encoded)
        joiner = "&" if operator in ("?", "&") else ","
        prefix = operator if operator in ("#", ".", "/", ";", "?") else ""
        return prefix + joiner.join(parts)

    return _TEMPLATE_VAR.sub(fill, template), values


def prompt_arguments(
    arguments: list[dict[str, Any]], canaries: CanaryFactory, planted: Planted
) -> dict[str, str]:
    """A canary-tagged string for every declared prompt argument, required or not."""
    out: dict[str, str] = {}
    for argument in arguments:
        name = str(argument.get("name", "arg"))
        out[name] = str(value_for(name, {"type": "string"}, canaries, planted))
    return out


def elicitation_content(schema: dict[str, Any], canaries: CanaryFactory, planted: Planted) -> dict[str, Any]:
    """Accept an elicitation form with canary values, as a cooperative user would."""
    content: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        value = value_for(name, prop, canaries, planted)
        content[name] = value if isinstance(value, str | int | float | bool) else str(value)
    return content
