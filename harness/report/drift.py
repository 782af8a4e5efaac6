"""What ``mcp-harness compare`` prints: drift per server as text for people or JSON for machines.

Server text (tool names, hosts, diffs) is made inert before it is printed.
"""

from __future__ import annotations

from typing import Any

from harness.compare import Comparison
from harness.report.inert import inert


def drift_json(found: dict[str, Comparison]) -> dict[str, Any]:
    """``exit_code`` (1 when any unapproved drift) and per server: ``baseline``, ``candidate``,
    ``exit_code``, ``warnings``, ``drift`` (``mark``, ``section``, ``subject``, ``detail``, ``diff``,
    ``approval``)."""
    code = max((c.exit_code for c in found.values()), default=0)
    return {"exit_code": code, "servers": {name: c.to_dict() for name, c in found.items()}}


def drift_text(found: dict[str, Comparison]) -> str:
    lines: list[str] = []
    for name, c in found.items():
        prefix = f"{inert(name, 120)}: " if len(found) > 1 or name != c.candidate else ""
        lines += [f"WARNING: {prefix}{inert(w)}" for w in c.warnings]
        names = f"{inert(c.baseline, 120)} -> {inert(c.candidate, 120)}"
        if not c.drift:
            lines.append(f"{prefix}NO DRIFT: {names} behave alike")
            continue
        approved = sum(d.approval is not None for d in c.drift)
        note = f" ({approved} approved)" if approved else ""
        count = len(c.drift)
        lines.append(f"{prefix}DRIFT: {count} change{'s' if count != 1 else ''} from {names}{note}")
        lines += [f"  {inert(line, 500)}" for d in c.drift for line in str(d).splitlines()]
    return "\n".join(lines)
