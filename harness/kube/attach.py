"""``python -m harness.kube.attach POD``: the server container's stdio on this process's own.

The MCP client and its byte budgets speak to a child process's stdin and stdout (under Docker,
``docker start --attach``). On a cluster the server's stdio is reached through the API's
attach websocket, which the official client opens (``kubernetes.stream``): this bridge copies
its stdin to the container's stdin and the container's stdout and stderr to its own, as
``kubectl attach -i`` does, without needing kubectl. When its stdin ends it closes the
container's stdin (the v5 protocol's close signal; under v4, by closing the connection), and
since the server container is ``stdinOnce`` the server then reads end-of-file, as under
Docker. It exits when the API closes the stream (the server ended), 1 when it cannot attach.

Nothing is buffered beyond one websocket frame: the client's record of all output is switched
off, so a server flooding its stdout costs the bridge nothing (the budgets downstream count it).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from kubernetes import client as k8s
from kubernetes.stream import stream, ws_client

from harness.errors import SandboxError
from harness.kube.cluster import api_client

_CHUNK = 1 << 16
_STDOUT, _STDERR = 1, 2


def attach(api: Any, namespace: str, pod: str, container: str) -> Any:
    """The open attach websocket to ``container``'s stdin, stdout and stderr."""
    ws = stream(
        k8s.CoreV1Api(api).connect_get_namespaced_pod_attach,
        pod,
        namespace,
        container=container,
        stdin=True,
        stdout=True,
        stderr=True,
        tty=False,
        _preload_content=False,
        binary=True,
    )
    ws._all = ws_client._IgnoredIO()  # the client keeps all output for read_all() otherwise
    return ws


def _feed(ws: Any, source: int) -> None:
    """Copy ``source`` to the container's stdin until it ends, then close the container's stdin."""
    try:
        while data := os.read(source, _CHUNK):
            ws.write_stdin(data)
    except OSError:
        pass  # the connection went away under us: the server ended
    if ws.subprotocol == ws_client.V5_CHANNEL_PROTOCOL:
        ws.close_channel(0)
    else:
        ws.close()


def bridge(ws: Any, stdin: int = 0, stdout: int = 1, stderr: int = 2) -> None:
    """Pump until the API closes the stream."""
    threading.Thread(target=_feed, args=(ws, stdin), daemon=True).start()
    sinks = {_STDOUT: stdout, _STDERR: stderr}
    while ws.is_open():
        ws.update(timeout=1.0)
        for channel, sink in sinks.items():
            data = ws.read_channel(channel, timeout=0)
            if data:
                os.write(sink, data if isinstance(data, bytes) else data.encode())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kube.attach")
    parser.add_argument("pod")
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--container", required=True)
    parser.add_argument("--context")
    parser.add_argument("--server", help="the API's URL, overriding the kubeconfig (tests)")
    args = parser.parse_args(argv)
    try:
        if args.server:
            api = k8s.ApiClient(k8s.Configuration(host=args.server))
        else:
            api = api_client(args.context)
        ws = attach(api, args.namespace, args.pod, args.container)
    except (SandboxError, k8s.exceptions.ApiException) as exc:
        print(f"cannot attach to the server: {getattr(exc, 'reason', None) or exc}", file=sys.stderr)
        return 1
    try:
        bridge(ws)
    except Exception as exc:  # the stream's end, however it comes, ends the bridge
        print(f"attach stream ended: {exc.__class__.__name__}", file=sys.stderr)
    finally:
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
