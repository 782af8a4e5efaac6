"""A few endpoints of the Kubernetes API on 127.0.0.1, for driving the real client without a cluster.

It keeps the objects created, answers pod listings from a scripted sequence of pod states,
serves the gateway's log, and records every request so a test can check order and bodies.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeApi:
    def __init__(self, pod_states: list[dict[str, Any]], gateway_log: str, refuse: str | None = None):
        self.refuse = refuse
        """A kind whose creation the API forbids (403)."""
        self.pod_states = pod_states
        self.gateway_log = gateway_log
        self.requests: list[tuple[str, str, Any]] = []
        self.objects: dict[str, dict[str, Any]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _pod(self) -> dict[str, Any]:
        state = self.pod_states.pop(0) if len(self.pod_states) > 1 else self.pod_states[0]
        return {"metadata": {"name": "run-pod-x1"}, "status": state}

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
                self._send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})

            def do_GET(self) -> None:
                api.requests.append(("GET", self.path, None))
                if re.search(r"/pods/[^/]+/log", self.path):
                    self._send(200, api.gateway_log, text=True)
                elif "/pods" in self.path:
                    self._send(
                        200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [api._pod()]}
                    )
                else:
                    self._send(404, {"kind": "Status", "apiVersion": "v1", "code": 404})

        return Handler


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
