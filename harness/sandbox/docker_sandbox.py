"""Gateway and server containers for one audit run.

The gateway owns a network namespace with no interface but loopback
(``--network none``); its entrypoint redirects every non-loopback packet to the
fake services and captures all of it. The server joins that namespace
(``--network container:``) with no capabilities, as a non-root user, on a
read-only root. :meth:`DockerSandbox.close` removes both containers and is safe
to call more than once, from any failure path.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.models.containers import Container

from harness.errors import SandboxError
from harness.sandbox.bait import Bait
from harness.sandbox.images import LABEL
from harness.sandbox.processes import ProcessWatcher

log = logging.getLogger(__name__)

CA_BUNDLE_IN_SANDBOX = "/etc/ssl/certs/ca-certificates.crt"
APP_DIR = "/usr/src/app"
HOME_DIR = "/home/node"


@dataclass(frozen=True)
class LifecycleRun:
    """What running the install scripts in the sandbox left: the image to run, their exit and output."""

    image: str
    exit_code: int | None
    """None: they were still running at the time limit and were killed."""
    log: str


@dataclass(frozen=True)
class Limits:
    """Resource ceilings for the server container."""

    memory: str = "1g"
    pids: int = 256
    cpus: float = 1.0


def docker_client() -> docker.DockerClient:
    """A client for the local engine, or a one-line SandboxError saying none answers."""
    try:
        client = docker.from_env(timeout=300)
        client.ping()
    except docker.errors.DockerException as exc:
        raise SandboxError(
            f"no Docker engine answers ({exc.__class__.__name__}); start dockerd first"
        ) from None
    return client


def _plausible_hostname() -> str:
    """A workstation-like name: the server sees it, and it must not give the sandbox away."""
    return f"ip-10-{secrets.randbelow(250) + 2}-{secrets.randbelow(250) + 2}-{secrets.randbelow(250) + 2}"


class DockerSandbox:
    """The two containers of one run, labelled with its run id."""

    def __init__(self, client: docker.DockerClient, run_id: str, data_dir: Path, limits: Limits = Limits()):
        self.client = client
        self.run_id = run_id
        self.data_dir = data_dir
        self.limits = limits
        self.gateway: Container | None = None
        self.server: Container | None = None
        self.installed: str | None = None

    def start_gateway(self, image: str, ready_timeout: float = 60.0) -> None:
        """Start the gateway and wait until its services listen; a gateway that dies is a SandboxError."""
        try:
            self.gateway = self.client.containers.run(
                image,
                detach=True,
                name=f"mcp-harness-gw-{self.run_id}",
                hostname=_plausible_hostname(),
                network_mode="none",
                cap_drop=["ALL"],
                cap_add=["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SETUID", "SETGID", "DAC_OVERRIDE"],
                volumes={str(self.data_dir): {"bind": "/data", "mode": "rw"}},
                labels={LABEL: self.run_id, f"{LABEL}.role": "gateway"},
                stop_signal="SIGTERM",
            )
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot start the gateway: {exc.explanation}") from None
        deadline = time.monotonic() + ready_timeout
        while not (self.data_dir / "ready").exists():
            self.gateway.reload()
            if self.gateway.status not in ("created", "running"):
                logs = self.gateway.logs(tail=10).decode(errors="replace").strip()
                raise SandboxError(f"gateway exited during start-up: {logs.splitlines()[-1:] or 'no output'}")
            if time.monotonic() > deadline:
                raise SandboxError(f"gateway not ready after {ready_timeout:.0f}s")
            time.sleep(0.1)

    def _hardened(self, env: dict[str, str], ca_bundle: Path, bait: Bait) -> dict[str, Any]:
        """Container settings every process of the target runs under: the gateway's namespace,
        no capabilities, a non-root user, the bait home and the run's CA, the resource limits."""
        if self.gateway is None:
            raise SandboxError("the gateway must run before the target's containers")
        trust = {"NODE_EXTRA_CA_CERTS": CA_BUNDLE_IN_SANDBOX, "SSL_CERT_FILE": CA_BUNDLE_IN_SANDBOX}
        trust["REQUESTS_CA_BUNDLE"] = CA_BUNDLE_IN_SANDBOX
        return {
            "network_mode": f"container:{self.gateway.id}",
            "user": "1000:1000",
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "tmpfs": {"/tmp": "rw,nosuid,nodev,size=128m"},
            "environment": {"HOME": HOME_DIR, **trust, **env},
            "volumes": _mounts(ca_bundle, bait),
            "mem_limit": self.limits.memory,
            "pids_limit": self.limits.pids,
            "nano_cpus": int(self.limits.cpus * 1e9),
        }

    def run_lifecycle_scripts(
        self, image: str, command: list[str], env: dict[str, str], ca_bundle: Path, bait: Bait, timeout: float
    ) -> LifecycleRun:
        """Run npm install scripts in the sandbox, then keep their work as this run's server image.

        The container is the server's in all but one point: its root is writable, since install
        scripts build into node_modules. What they leave is committed to an image removed with
        the run, so the server starts from exactly what its scripts made.
        """
        try:
            container = self.client.containers.create(
                image,
                command=command,
                name=f"mcp-harness-ins-{self.run_id}",
                working_dir=APP_DIR,
                labels={LABEL: self.run_id, f"{LABEL}.role": "install"},
                **self._hardened(env, ca_bundle, bait),
            )
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot create the install container: {exc.explanation}") from None
        try:
            container.start()
            try:
                code = int(container.wait(timeout=timeout).get("StatusCode", -1))
            except (requests.exceptions.RequestException, docker.errors.APIError):
                container.kill()
                code = None
            log_text = container.logs().decode("utf-8", errors="replace")
            committed = container.commit(
                repository=f"{LABEL}/installed", tag=self.run_id, changes=[f"LABEL {LABEL}={self.run_id}"]
            )
            self.installed = str(committed.id)
        except docker.errors.APIError as exc:
            raise SandboxError(f"install scripts could not run: {exc.explanation}") from None
        finally:
            _remove(container)
        return LifecycleRun(self.installed, code, log_text)

    def create_server(
        self,
        image: str,
        command: list[str] | None,
        env: dict[str, str],
        ca_bundle: Path,
        bait: Bait,
        working_dir: str | None = APP_DIR,
    ) -> str:
        """Create (not start) the hardened server container; return its id for ``docker start -ai``.

        Writable places: ``/tmp`` (tmpfs) and the home, a bind mount of the bait folder so that
        what the server writes there survives as evidence.
        """
        try:
            self.server = self.client.containers.create(
                image,
                command=command,
                name=f"mcp-harness-srv-{self.run_id}",
                read_only=True,
                working_dir=working_dir,
                stdin_open=True,
                labels={LABEL: self.run_id, f"{LABEL}.role": "server"},
                **self._hardened(env, ca_bundle, bait),
            )
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot create the server container: {exc.explanation}") from None
        return str(self.server.id)

    def start_server(self) -> None:
        """Start the server detached (an HTTP server: nothing speaks MCP on its stdio)."""
        if self.server is None:
            raise SandboxError("no server container to start")
        try:
            self.server.start()
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot start the server: {exc.explanation}") from None

    def watch_server(self) -> ProcessWatcher:
        """Start watching the server container's processes and resources."""
        if self.server is None:
            raise SandboxError("no server container to watch")
        host = self.server.attrs.get("HostConfig", {})
        watcher = ProcessWatcher(self.server, host.get("Memory") or None, host.get("PidsLimit") or None)
        watcher.start()
        return watcher

    def server_exit_code(self) -> int | None:
        """Exit code of the server if it has stopped, else None."""
        if self.server is None:
            return None
        try:
            self.server.reload()
        except docker.errors.NotFound:
            return None
        state = self.server.attrs.get("State", {})
        return None if state.get("Running") else state.get("ExitCode")

    def close(self) -> None:
        """Stop the gateway gracefully (so the capture is flushed), then remove both containers
        and the image the install scripts left."""
        if self.server is not None:
            _remove(self.server)
            self.server = None
        if self.installed is not None:
            try:
                self.client.images.remove(self.installed, force=True)
            except docker.errors.APIError as exc:
                log.warning("could not remove image %s: %s", self.installed, exc)
            self.installed = None
        if self.gateway is not None:
            try:
                self.gateway.stop(timeout=10)
            except docker.errors.APIError as exc:
                log.warning("gateway stop failed: %s", exc)
            _remove(self.gateway)
            self.gateway = None


def _mounts(ca_bundle: Path, bait: Bait) -> dict[str, dict[str, str]]:
    mounts = {
        str(ca_bundle): {"bind": CA_BUNDLE_IN_SANDBOX, "mode": "ro"},
        str(bait.home): {"bind": HOME_DIR, "mode": "rw"},
    }
    if bait.dotenv is not None:
        mounts[str(bait.dotenv)] = {"bind": f"{APP_DIR}/.env", "mode": "ro"}
    return mounts


def _remove(container: Container) -> None:
    try:
        container.remove(force=True, v=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        log.warning("could not remove container %s: %s", container.name or container.short_id, exc)


def remove_strays(client: docker.DockerClient) -> list[str]:
    """Remove every container labelled by any run, and the images install scripts left; return their
    names (for ``mcp-harness clean``)."""
    removed = []
    # sparse: a listing that inspected each container would fail on one a run removes meanwhile
    for container in client.containers.list(all=True, sparse=True, filters={"label": LABEL}):
        _remove(container)
        removed.append(str(container.attrs["Names"][0]).lstrip("/"))
    for image in client.images.list(name=f"{LABEL}/installed"):
        client.images.remove(image.id, force=True)
        removed += image.tags
    return removed
