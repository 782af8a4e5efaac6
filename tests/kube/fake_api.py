"""A few endpoints of the Kubernetes API on 127.0.0.1, for driving the real client without a cluster.

It keeps the objects created, answers pod listings from a scripted sequence of pod states (or,
with ``kubelet=True``, from a local process standing in for the server container), serves the
gateway's log (held back until ``log_gate`` is set when one is given, as a followed log is until
the gateway ends), answers ``/version``, and records every request so a test can check order and
bodies.

With ``kubelet=True`` an attach websocket (the v5/v4 channel protocol the official client speaks)
runs the created Job's server command as a local process and carries its stdin, stdout and
stderr: the real MCP client and a real MCP server then talk through the real attach path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0",
    "gitCommit": "0",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.22",
    "compiler": "gc",
    "platform": "linux/amd64",
}


class FakeApi:
    def __init__(
        self,
        pod_states: list[dict[str, Any]] | None = None,
        gateway_log: str = "",
        refuse: str | None = None,
        log_gate: threading.Event | None = None,
        kubelet: bool = False,
    ):
        self.refuse = refuse
        """A kind whose creation the API forbids (403)."""
        self.pod_states = pod_states or [{"phase": "Pending"}]
        self.gateway_log = gateway_log
        self.log_gate = log_gate
        """When given, the gateway's log is served only once it is set (a DELETE of the pod sets it)."""
        self.kubelet = kubelet
        self.server_exit: int | None = None
        """With ``kubelet``: the local server process's exit code once it ended."""
        self.requests: list[tuple[str, str, Any]] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def kubeconfig(self, path: Path) -> Path:
        """A kubeconfig naming this API as the current context's cluster."""
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "tester", "user": {"token": "not-a-secret"}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}],
                    "current-context": "fake",
                }
            )
        )
        return path

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.log_gate is not None:
            self.log_gate.set()
        self._server.shutdown()
        self._server.server_close()

    def _pod(self) -> dict[str, Any]:
        if self.kubelet:
            if self.server_exit is None:
                state = {"phase": "Running", "containerStatuses": [container("server", "running")]}
            else:
                state = {
                    "phase": "Succeeded",
                    "containerStatuses": [container("server", "terminated", self.server_exit)],
                    "initContainerStatuses": [container("gateway", "terminated")],
                }
        else:
            state = self.pod_states.pop(0) if len(self.pod_states) > 1 else self.pod_states[0]
        return {"metadata": {"name": "run-pod-x1"}, "status": state}

    def server_command(self) -> tuple[list[str], dict[str, str]]:
        """The created Job's server container: its command and environment."""
        [server] = self.objects["Job"]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e["value"] for e in server.get("env", [])}
        return server["command"], env

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: Any, text: bool = False) -> None:
                data = body.encode() if text else json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain" if text else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append(("POST", self.path, body))
                if body["kind"] == api.refuse:
                    self._send(
                        403, {"kind": "Status", "apiVersion": "v1", "code": 403, "reason": "Forbidden"}
                    )
                    return
                api.objects[body["kind"]] = body
                self._send(201, body)

            def do_DELETE(self) -> None:
                api.requests.append(("DELETE", self.path, None))
                if "/pods/" in self.path:
                    if api.log_gate is not None:
                        api.log_gate.set()  # the kubelet stops the pod: the gateway ends and its log with it
                    self._send(200, {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "run-pod-x1"}})
                    return
                self._send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})

            def do_GET(self) -> None:
                api.requests.append(("GET", self.path, None))
                if self.path.startswith("/version"):
                    self._send(200, _VERSION)
                elif "/attach" in self.path and self.headers.get("Upgrade", "").lower() == "websocket":
                    _Attach(self, api).run()
                elif re.search(r"/pods/[^/]+/log", self.path):
                    if api.log_gate is not None:
                        api.log_gate.wait(120)
                    self._send(200, api.gateway_log, text=True)
                elif re.search(r"/pods/[^/?]+$", self.path):
                    self._send(200, {"kind": "Pod", "apiVersion": "v1", **api._pod()})
                elif "/pods" in self.path:
                    self._send(
                        200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [api._pod()]}
                    )
                else:
                    self._send(404, {"kind": "Status", "apiVersion": "v1", "code": 404})

        return Handler


class _Attach:
    """One attach session: the Job's server command run locally, its stdio on channels 0, 1 and 2."""

    def __init__(self, handler: BaseHTTPRequestHandler, api: FakeApi):
        self.handler, self.api = handler, api
        self.ws = Connection(ConnectionType.SERVER)
        self.lock = threading.Lock()
        offered = [p.strip() for p in handler.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        self.protocol = "v5.channel.k8s.io" if "v5.channel.k8s.io" in offered else "v4.channel.k8s.io"

    def _accept(self) -> None:
        key = self.handler.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        self.handler.send_response(101)
        self.handler.send_header("Upgrade", "websocket")
        self.handler.send_header("Connection", "Upgrade")
        self.handler.send_header("Sec-WebSocket-Accept", accept)
        self.handler.send_header("Sec-WebSocket-Protocol", self.protocol)
        self.handler.end_headers()

    def _frame(self, channel: int, data: bytes) -> None:
        with self.lock:
            self.handler.wfile.write(self.ws.send(BytesMessage(data=bytes([channel]) + data)))

    def run(self) -> None:
        self._accept()
        command, env = self.api.server_command()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ["PATH"], **env},
        )
        threading.Thread(target=self._from_client, args=(process,), daemon=True).start()
        errors = threading.Thread(target=self._pump, args=(process.stderr, 2), daemon=True)
        errors.start()
        self._pump(process.stdout, 1)
        errors.join(30)
        self.api.server_exit = process.wait(30)
        process.stdout.close()
        process.stderr.close()
        if self.api.log_gate is not None:
            self.api.log_gate.set()  # the server ended: the native sidecar is stopped and writes its data
        self._frame(3, json.dumps({"metadata": {}, "status": "Success"}).encode())
        with self.lock:
            self.handler.wfile.write(self.ws.send(CloseConnection(code=1000)))
        self.handler.close_connection = True

    def _pump(self, stream: Any, channel: int) -> None:
        while chunk := stream.read1(1 << 16):
            self._frame(channel, chunk)

    def _from_client(self, process: subprocess.Popen[bytes]) -> None:
        """Frames from the client to the process's stdin; the close signal (or the end) closes it."""
        assert process.stdin is not None
        message = b""
        try:
            while data := self.handler.rfile.read1(1 << 16):
                with self.lock:
                    self.ws.receive_data(data)
                    events = list(self.ws.events())
                for event in events:
                    if isinstance(event, Ping):
                        with self.lock:
                            self.handler.wfile.write(self.ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        return
                    elif isinstance(event, BytesMessage | TextMessage):
                        raw = event.data if isinstance(event.data, bytes) else event.data.encode()
                        message += raw
                        if not event.message_finished:
                            continue
                        if message[:1] == b"\xff" and message[1:2] == b"\x00":
                            return  # v5: the client closed stdin
                        if message[:1] == b"\x00":
                            process.stdin.write(message[1:])
                            process.stdin.flush()
                        message = b""
        except (OSError, ValueError):
            pass
        finally:
            try:
                process.stdin.close()
            except OSError:
                pass


def container(name: str, state: str, exit_code: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = (
        {"running": {}} if state == "running" else {"waiting": {"reason": "PodInitializing"}}
    )
    if state == "terminated":
        body = {"terminated": {"exitCode": exit_code}}
    return {
        "name": name,
        "state": body,
        "ready": state == "running",
        "restartCount": 0,
        "image": "i",
        "imageID": "",
    }


def waiting(name: str, reason: str, message: str = "") -> dict[str, Any]:
    return {**container(name, "waiting"), "state": {"waiting": {"reason": reason, "message": message}}}
