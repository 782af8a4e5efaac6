"""Run one audit's sandbox as a Kubernetes Job, through the official client.

The pod (see :mod:`harness.kube.manifests`) is the Docker sandbox re-expressed; this module
creates its objects, waits for the server to run, tells the MCP client how to reach the
server's stdio (``kubectl attach``, the one step the Python client has no stdio stream for),
and takes the run's data back from the gateway's log once the server has ended. What comes
back is unpacked into the same run-folder layout the Docker backend leaves, so detection and
reports do not know which backend ran.

Clean-up guarantee: :meth:`KubeSandbox.close` deletes every object the run created (the Job
with its pod, the Secret, the NetworkPolicy) on every path; a run the harness loses track of
is still ended by the Job's ``activeDeadlineSeconds`` and removed by its TTL.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from harness.errors import SandboxError
from harness.kube.manifests import GATEWAY, HOME_VIEW, LABEL, SERVER, PodPlan, run_objects

log = logging.getLogger(__name__)

BEGIN, END = "----- BEGIN RUN DATA -----", "----- END RUN DATA -----"
MAX_RUN_DATA = 512 << 20
"""Largest unpacked run data taken back (the gateway's capture and logs are capped well below)."""


def run_data(gateway_log: str) -> bytes:
    """The gzipped tar the gateway framed into its log; SandboxError when it is missing or broken."""
    start, end = gateway_log.rfind(BEGIN), gateway_log.rfind(END)
    if start < 0 or end < start:
        raise SandboxError("the gateway's log holds no run data (did the pod end before the server?)")
    try:
        return base64.b64decode("".join(gateway_log[start + len(BEGIN) : end].split()), validate=True)
    except binascii.Error as exc:
        raise SandboxError(f"the gateway's run data is corrupt: {exc}") from None


def unpack(data: bytes, data_dir: Path, home_dir: Path, limit: int = MAX_RUN_DATA) -> None:
    """Unpack run data: the gateway's files into ``data_dir``, the server's home into ``home_dir``.

    The archive passed through a pod the server shared: members are size-capped, and tarfile's
    ``data`` filter refuses links out of the folder, device files and setuid bits.
    """
    total = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive:
            total += member.size
            if total > limit:
                raise SandboxError(f"run data larger than {limit >> 20} MiB; not taken back")
            name = member.name.removeprefix("./")
            top, _, rest = name.partition("/")
            if top == HOME_VIEW.strip("/"):
                if rest:
                    member.name = rest
                    archive.extract(member, home_dir, filter="data")
            elif name and name != ".":
                member.name = name
                archive.extract(member, data_dir, filter="data")


class KubeSandbox:
    """The objects of one run in one namespace; ``submit`` creates them, ``close`` deletes them."""

    def __init__(self, api: k8s.ApiClient, plan: PodPlan, poll: float = 1.0):
        self.plan = plan
        self.core = k8s.CoreV1Api(api)
        self.batch = k8s.BatchV1Api(api)
        self.net = k8s.NetworkingV1Api(api)
        self.poll = poll
        self.pod: str | None = None
        self._made: list[Any] = []

    def submit(self) -> None:
        """Create the wall, the Secret and the Job, in that order; any refusal is a SandboxError."""
        ns = self.plan.namespace
        creators: dict[str, Callable[[str, Any], Any]] = {
            "NetworkPolicy": self.net.create_namespaced_network_policy,
            "Secret": self.core.create_namespaced_secret,
            "Job": self.batch.create_namespaced_job,
        }
        for obj in run_objects(self.plan):
            try:
                creators[obj.kind](ns, obj)
            except ApiException as exc:
                raise SandboxError(
                    f"the cluster refused the run's {obj.kind}: {exc.status} {exc.reason}"
                ) from None
            self._made.append(obj)

    def _pod(self) -> Any | None:
        pods = self.core.list_namespaced_pod(
            self.plan.namespace, label_selector=f"{LABEL}={self.plan.run_id}"
        )
        return pods.items[0] if pods.items else None

    @staticmethod
    def _state(pod: Any, name: str) -> Any | None:
        statuses = (pod.status.container_statuses or []) + (pod.status.init_container_statuses or [])
        return next((s.state for s in statuses if s.name == name), None)

    def wait_running(self, timeout: float) -> str:
        """Wait until the server container runs (the gateway is then ready); return the pod's name."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pod = self._pod()
            if pod is not None:
                self.pod = pod.metadata.name
                if pod.status.phase in ("Failed", "Succeeded"):
                    raise SandboxError(
                        f"the audit pod ended before the server ran: {pod.status.reason or pod.status.phase}"
                    )
                state = self._state(pod, SERVER)
                if state is not None and state.running is not None:
                    return str(self.pod)
                if state is not None and state.terminated is not None:
                    return str(self.pod)  # it already ended: the driver reads its exit code
            time.sleep(self.poll)
        raise SandboxError(f"the audit pod's server was not running after {timeout:g}s")

    def attach_command(self, kubectl: str = "kubectl") -> list[str]:
        """The argv that carries the MCP client's stdio to the server container."""
        if self.pod is None:
            raise SandboxError("no pod to attach to")
        return [kubectl, "attach", "--quiet", "-i", "-c", SERVER, "-n", self.plan.namespace, self.pod]

    def server_exit_code(self) -> int | None:
        pod = self._pod()
        state = self._state(pod, SERVER) if pod is not None else None
        if state is None or state.terminated is None:
            return None
        return int(state.terminated.exit_code)

    def collect(self, data_dir: Path, home_dir: Path, timeout: float) -> None:
        """Once the server has ended, wait for the gateway to stop and take its run data back."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pod = self._pod()
            state = self._state(pod, GATEWAY) if pod is not None else None
            if pod is not None and state is not None and state.terminated is not None:
                name = str(pod.metadata.name)
                text = self.core.read_namespaced_pod_log(name, self.plan.namespace, container=GATEWAY)
                unpack(run_data(str(text)), data_dir, home_dir)
                return
            time.sleep(self.poll)
        raise SandboxError(f"the gateway did not hand back the run's data within {timeout:g}s")

    def close(self) -> None:
        """Delete what ``submit`` made, newest first; a missing object is already gone."""
        ns = self.plan.namespace
        deleters = {
            "Job": lambda name: self.batch.delete_namespaced_job(name, ns, propagation_policy="Background"),
            "Secret": lambda name: self.core.delete_namespaced_secret(name, ns),
            "NetworkPolicy": lambda name: self.net.delete_namespaced_network_policy(name, ns),
        }
        for obj in reversed(self._made):
            try:
                deleters[obj.kind](obj.metadata.name)
            except ApiException as exc:
                if exc.status != 404:
                    log.warning("could not delete %s %s: %s", obj.kind, obj.metadata.name, exc.reason)
        self._made.clear()
