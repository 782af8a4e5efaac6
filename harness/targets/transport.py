"""How the harness talks to a server: stdio, or Streamable HTTP / SSE on a sandbox-loopback port.

One place validates the combination, whichever way it was given (``--transport``,
``scenario.toml``, or a config entry's ``type`` and ``url``), so every spelling fails the
same way: a one-line TargetError.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from harness.errors import TargetError
from harness.model import TargetSpec

TRANSPORTS = ("stdio", "http", "sse")
DEFAULT_ENDPOINTS = {"http": "/mcp", "sse": "/sse"}
_ALIASES = {"streamable-http": "http", "streamableHttp": "http", "streamable_http": "http"}
_GATEWAY_PORTS = frozenset({15001, 15025, 15053, 15054})
"""The fakes listen on these in the shared namespace (harness.services.PORTS): a server cannot."""
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def with_transport(
    target: TargetSpec, transport: str, port: int | None = None, endpoint: str | None = None
) -> TargetSpec:
    """``target`` reached over ``transport``; raises TargetError for a combination that cannot work."""
    kind = _ALIASES.get(transport, transport)
    if kind not in TRANSPORTS:
        raise TargetError(f"unknown transport {transport!r}: use {', '.join(TRANSPORTS)}")
    if kind == "stdio":
        if port is not None or endpoint is not None:
            raise TargetError("a port or endpoint only applies to the http and sse transports")
        return dataclasses.replace(target, transport="stdio", port=None, endpoint=None)
    if port is None:
        raise TargetError(f"the {kind} transport needs the port the server listens on (--port)")
    if not 0 < port < 65536:
        raise TargetError(f"port {port} is not a TCP port")
    if port in _GATEWAY_PORTS:
        raise TargetError(f"port {port} is taken inside the sandbox; start the server on another port")
    path = endpoint or DEFAULT_ENDPOINTS[kind]
    if not path.startswith("/"):
        raise TargetError(f"endpoint {path!r} must be a URL path starting with /")
    return dataclasses.replace(target, transport=kind, port=port, endpoint=path)


def from_url(target: TargetSpec, transport: str | None, url: str) -> TargetSpec:
    """A config entry that launches a server and names the local URL it then serves on."""
    parts = urlsplit(url)
    if (parts.hostname or "") not in _LOCAL_HOSTS:
        raise TargetError(
            f"{url} is a remote server: there is no code to run in the sandbox"
            " (audit the package that serves it)"
        )
    if parts.scheme != "http":
        raise TargetError(f"{url}: only plain http endpoints on the sandbox's loopback can be relayed")
    try:
        port = parts.port or 80
    except ValueError:
        raise TargetError(f"{url} has no valid port") from None
    kind = transport or ("sse" if parts.path.rstrip("/").endswith("/sse") else "http")
    return with_transport(target, kind, port, parts.path or None)
