"""Gateway entry point: ``python3 -m harness.services --data DIR``.

Reads ``DIR/ca.pem``, ``DIR/ca.key`` and optional ``DIR/config.json``
(``{"postmark_tokens": [...]}``; none or empty: any token is accepted),
starts every fake, writes ``DIR/ready`` once all IPv4 listeners are bound and
appends events to ``DIR/gateway.jsonl``. Listeners on ``::1`` serve what
ip6tables redirects; they are skipped only where the namespace has no IPv6.
With ``--gate GATE``, ``GATE/ready`` is written too: the server container's PID 1
waits for it on a volume the two containers share. With ``--after FILE``, neither is
written before FILE exists: the gateway's entrypoint starts the fakes while it sets up
the routes and the capture, and says so when they are up.
SIGTERM or SIGINT stops the fakes, then flushes and closes the log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.services import default_services, namespace_watchers
from harness.services.dns import NameTable
from harness.services.sink import EventSink
from harness.services.tls import CertAuthority

log = logging.getLogger("harness.services")

_AFTER_POLL = 0.005
"""Seconds between looks for the ``--after`` file (the server waits on what follows it)."""


def _tokens(config: Path) -> list[str]:
    if not config.is_file():
        return []
    tokens = json.loads(config.read_text(encoding="utf-8")).get("postmark_tokens") or []
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ValueError(f"{config}: postmark_tokens must be a list of strings")
    return tokens


def _bindable(host: str) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 0))
    except OSError:
        return False
    return True


async def serve(
    data: Path,
    host: str,
    extra_hosts: Sequence[str],
    stopping: asyncio.Event,
    gate: Path | None = None,
    after: Path | None = None,
) -> None:
    """Run the fakes until ``stopping`` is set; everything started is stopped on every path."""
    # the gate first: a gate that cannot be written ends the gateway before the harness sees it ready
    readiness = [*([gate / "ready"] if gate is not None else []), data / "ready"]
    for ready in readiness:
        ready.unlink(missing_ok=True)
    authority = CertAuthority.from_files(data / "ca.pem", data / "ca.key")
    tokens = _tokens(data / "config.json")
    names = NameTable()
    async with contextlib.AsyncExitStack() as stack:
        sink = EventSink.open(data / "gateway.jsonl")
        stack.callback(sink.close)
        stack.callback(authority.close)
        for service in [*default_services(authority, names, tokens, host), *namespace_watchers()]:
            await service.start(sink)
            stack.push_async_callback(service.stop)
        for extra in extra_hosts:
            if not _bindable(extra):
                log.info("no listeners on %s: address unavailable in this namespace", extra)
                continue
            for service in default_services(authority, names, tokens, extra):
                try:
                    await service.start(sink)
                except OSError as exc:
                    log.warning("no %s listener on %s: %s", type(service).__name__, extra, exc)
                    continue
                stack.push_async_callback(service.stop)
        while after is not None and not after.exists() and not stopping.is_set():
            await asyncio.sleep(_AFTER_POLL)
        for ready in readiness:
            ready.touch()
        log.info("ready; postmark tokens accepted: %s", len(tokens) or "any")
        await stopping.wait()
        log.info("stopping")


async def _until_signalled(
    data: Path, host: str, extra_hosts: Sequence[str], gate: Path | None, after: Path | None
) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await serve(data, host, extra_hosts, stopping, gate, after)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m harness.services", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, required=True, help="directory with ca.pem/ca.key; events go here"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address every listener binds")
    parser.add_argument(
        "--ipv6-host", action="append", default=None, help="extra best-effort hosts (default ::1)"
    )
    parser.add_argument("--gate", type=Path, help="a directory to write ready in as well")
    parser.add_argument("--after", type=Path, help="write ready only once this file exists")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    extra = ["::1"] if args.ipv6_host is None else args.ipv6_host
    asyncio.run(_until_signalled(args.data, args.host, extra, args.gate, args.after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
