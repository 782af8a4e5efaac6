"""The floor the overhead benchmark measures against: the official MCP client driving a server under
a bare ``docker run -i --rm --network none IMAGE COMMAND...``, through the calls of the harness's
basic pass (list the tools, call each twice, wait ``LINGER`` seconds), in a process of its own so
that it pays its start-up (the SDK's import) as the harness's CLI does.

Usage: ``python tests/bench/bare_client.py IMAGE [COMMAND...]``; exits non-zero unless every call
was answered.
"""

from __future__ import annotations

import sys
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

LINGER = 2.0
ROUNDS = 2


def _arguments(tool: Any) -> dict[str, Any]:
    """A short text for every string property the tool's schema names."""
    properties = (tool.input_schema or {}).get("properties", {})
    return {name: "hello bare world" for name, spec in properties.items() if spec.get("type") == "string"}


async def drive(image: str, command: list[str]) -> int:
    server = StdioServerParameters(
        command="docker", args=["run", "-i", "--rm", "--network", "none", image, *command]
    )
    answered = 0
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = (await session.list_tools()).tools
        for _ in range(ROUNDS):
            for tool in tools:
                result = await session.call_tool(tool.name, _arguments(tool))
                answered += not getattr(result, "is_error", False)
        await anyio.sleep(LINGER)  # the basic pass's linger: the server stays up as long
    return 0 if tools and answered == ROUNDS * len(tools) else 1


if __name__ == "__main__":
    sys.exit(anyio.run(drive, sys.argv[1], sys.argv[2:]))
