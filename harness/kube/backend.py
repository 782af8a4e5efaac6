"""Run one audit's sandbox as a Kubernetes Job, through the official client.

The pod (see :mod:`harness.kube.manifests`) is the Docker sandbox re-expressed; this module
creates its objects, waits for the server to run, tells the MCP client how to reach the
server's stdio (:mod:`harness.kube.attach`, the API's attach websocket), and takes the run's
data back from the gateway's log: the log is followed from the moment the server runs, so the
data the gateway writes there when it stops is read even while the pod is being deleted. What
comes back is unpacked into the same run-folder layout the Docker backend leaves, so detection
and reports do not know which backend ran. :class:`KubeSandbox` is a
:class:`~harness.sandbox.protocol.Sandbox`.

Clean-up guarantee: :meth:`KubeSandbox.close` (and :meth:`KubeSandbox.discard`, on a failed
run) deletes every object the run created (the Job with its pod, the Secret, the
NetworkPolicy) on every path; a run the harness loses track of is still ended by the Job's
``activeDeadlineSeconds`` and removed by its TTL.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import shutil
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from harness.errors import SandboxError
from harness.kube.manifests import GATEWAY, HOME_DIR, HOME_VIEW, LABEL, SERVER, PodPlan, run_objects
from harness.sandbox.copyout import CopyOutcome
from harness.sandbox.protocol import Unwatched

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


def unpack(data: bytes, data_dir: Path, home_dir: Path, limit: int = MAX_RUN_DATA) -> CopyOutcome:
    """Unpack run data: the gateway's files into ``data_dir``, the server's home into ``home_dir``;
    returns what came back of the home.

    The archive passed through a pod the server shared: members are size-capped, and tarfile's
    ``data`` filter refuses links out of the folder, device files and setuid bits.
    """
    total, home = 0, CopyOutcome()
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
                    if member.isfile():
                        home.files, home.bytes = home.files + 1, home.bytes + member.size
            elif name and name != ".":
                member.name = name
                archive.extract(member, data_dir, filter="data")
    return home


class GatewayLog:
    """The gateway's log, followed until the gateway ends, keeping only what can hold run data.

    Before the run data begins only a short tail is kept (the gateway's last words, for an
    error); from its first line on, everything up to the run data's own bound.
    """

    TAIL = 64 << 10
    LIMIT = MAX_RUN_DATA * 4 // 3 + (1 << 20)
    """Base64 of the largest run data, with room for its line breaks."""

    def __init__(self, open_stream: Callable[[], Any]):
        self._open = open_stream
        self._buffer = bytearray()
        self._begun = False
        self.oversize = False
        self.error: str | None = None
        """Why following stopped early, if it did (the data may still be whole)."""
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def start(self) -> GatewayLog:
        self._thread.start()
        return self

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk
        if not self._begun:
            at = self._buffer.find(BEGIN.encode())
            if at >= 0:
                self._begun = True
                del self._buffer[:at]
            else:
                del self._buffer[: max(0, len(self._buffer) - self.TAIL)]
        if len(self._buffer) > self.LIMIT:
            self.oversize = True
            self._buffer.clear()

    def _follow(self) -> None:
        try:
            response = self._open()
            for chunk in response.stream(1 << 16):
                if not self.oversize:
                    self.feed(bytes(chunk))
        except Exception as exc:  # the stream's end, however it comes, ends the follow
            self.error = f"{exc.__class__.__name__}: {exc}"[:300]
        finally:
            self.ended.set()

    def run_data(self) -> bytes:
        """The run data the gateway wrote; SandboxError saying why there is none."""
        if self.oversize:
            raise SandboxError(f"the gateway's run data passed {self.LIMIT >> 20} MiB; not taken back")
        try:
            return run_data(self._buffer.decode("ascii", errors="replace"))
        except SandboxError as exc:
            raise SandboxError(f"{exc}{f' ({self.error})' if self.error else ''}") from None


_STUCK = {
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "CrashLoopBackOff",
    "RunContainerError",
}
"""Waiting reasons that do not resolve by waiting longer."""


class KubeSandbox:
    """The objects of one run in one namespace; ``submit`` creates them, ``close`` collects the
    run's data and deletes them."""

    relaunchable = False
    """A pod's terminated container is never started again (``restartPolicy: Never``)."""
    unobserved: tuple[str, ...] = (
        "the processes the server started were not watched: the cluster gives no view of them",
        "the machine was not disguised and the server's clock ran at real speed: a check for a sandbox, "
        "or a timer set for later than the audit, could have held behaviour back",
    )
    ATTACH = (sys.executable, "-m", "harness.kube.attach")
    """The bridge to the server's stdio, before its options and pod."""

    def __init__(
        self,
        api: k8s.ApiClient,
        plan: PodPlan,
        data_dir: Path,
        home_out: Path,
        home_limit: int,
        attach_argv: list[str] | None = None,
        poll: float = 1.0,
        collect_timeout: float = 120.0,
        stop_grace: float = 10.0,
    ):
        self.plan = plan
        self.core = k8s.CoreV1Api(api)
        self.batch = k8s.BatchV1Api(api)
        self.net = k8s.NetworkingV1Api(api)
        self.data_dir = data_dir
        self.home_out = home_out
        """Host folder the home comes back into."""
        self._home_limit = home_limit
        self.attach_argv = attach_argv or list(self.ATTACH)
        """The bridge command, before its pod and options (a kubeconfig context goes here)."""
        self.poll = poll
        self.collect_timeout = collect_timeout
        self.stop_grace = stop_grace
        """Seconds the server has to end by itself once its stdin closed, before its pod is deleted."""
        self.pod: str | None = None
        self.home_copy: CopyOutcome | None = None
        self._log: GatewayLog | None = None
        self._made: list[Any] = []

    @property
    def home(self) -> str:
        return HOME_DIR

    @property
    def home_limit(self) -> int:
        return self._home_limit

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
    def _statuses(pod: Any) -> list[Any]:
        return list(pod.status.container_statuses or []) + list(pod.status.init_container_statuses or [])

    @classmethod
    def _state(cls, pod: Any, name: str) -> Any | None:
        return next((s.state for s in cls._statuses(pod) if s.name == name), None)

    @classmethod
    def _stuck(cls, pod: Any) -> str | None:
        """Why the pod will never get its server running, if a container says so."""
        for status in cls._statuses(pod):
            waiting = status.state.waiting if status.state is not None else None
            if waiting is not None and waiting.reason in _STUCK:
                return f"{status.name}: {waiting.reason}: {(waiting.message or '')[:300]}".rstrip(": ")
        return None

    def wait_running(self, timeout: float) -> str:
        """Wait until the server container runs (the gateway is then ready), start following the
        gateway's log, and return the pod's name; a pod that fails or cannot start is a SandboxError."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pod = self._pod()
            if pod is not None:
                self.pod = str(pod.metadata.name)
                state = self._state(pod, SERVER)
                if state is not None and (state.running is not None or state.terminated is not None):
                    self._follow()  # a server that already ended: the driver reads its exit code
                    return self.pod
                if pod.status.phase in ("Failed", "Succeeded"):
                    why = pod.status.message or pod.status.reason or pod.status.phase
                    raise SandboxError(f"the audit pod ended before the server ran: {why}")
                if stuck := self._stuck(pod):
                    raise SandboxError(f"the audit pod cannot start ({stuck})")
            time.sleep(self.poll)
        raise SandboxError(f"the audit pod's server was not running after {timeout:g}s")

    def _follow(self) -> None:
        pod, ns = str(self.pod), self.plan.namespace

        def open_stream() -> Any:
            return self.core.read_namespaced_pod_log(
                pod, ns, container=GATEWAY, follow=True, _preload_content=False
            )

        self._log = GatewayLog(open_stream).start()

    def stdio_argv(self) -> list[str]:
        """The bridge whose stdio is the server container's (see :mod:`harness.kube.attach`)."""
        if self.pod is None:
            raise SandboxError("no pod to attach to")
        return [*self.attach_argv, "--namespace", self.plan.namespace, "--container", SERVER, self.pod]

    def watch_server(self) -> Unwatched:
        return Unwatched()  # no view of the pod's processes from here

    def stdio_probe(self) -> Unwatched:
        return Unwatched()

    def pending(self, seconds: float) -> bool:
        return False

    def restart_server(self, timeout: float = 10.0) -> bool:
        return False

    def server_exit_code(self) -> int | None:
        """Asked about once a second while the server is driven: the pod is read by name, not listed."""
        try:
            pod = self.core.read_namespaced_pod(self.pod, self.plan.namespace) if self.pod else self._pod()
        except ApiException:
            return None
        state = self._state(pod, SERVER) if pod is not None else None
        if state is None or state.terminated is None:
            return None
        return int(state.terminated.exit_code)

    def collect(self) -> None:
        """Once the server has ended (its pod deleted if it would not), take the run's data back
        from the gateway's log into the run folder: the gateway's files and the home."""
        if self._log is None:
            raise SandboxError("the audit pod never ran; no run data")
        if not self._log.ended.wait(self.stop_grace) and self.pod is not None:
            log.info("server still running %gs after its stdin closed; deleting its pod", self.stop_grace)
            self._delete_pod()
        if not self._log.ended.wait(self.collect_timeout):
            raise SandboxError(
                f"the gateway did not hand back the run's data within {self.collect_timeout:g}s"
            )
        staging = self.home_out.with_name(self.home_out.name + ".copy")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            self.home_copy = unpack(self._log.run_data(), self.data_dir, staging)
        except (tarfile.TarError, OSError) as exc:
            raise SandboxError(f"the gateway's run data could not be unpacked: {exc}") from None
        finally:
            self._log = None
        shutil.rmtree(self.home_out, ignore_errors=True)
        staging.rename(self.home_out)

    def _delete_pod(self) -> None:
        try:
            self.core.delete_namespaced_pod(str(self.pod), self.plan.namespace, grace_period_seconds=15)
        except ApiException as exc:
            if exc.status != 404:
                log.warning("could not delete pod %s: %s", self.pod, exc.reason)

    def close(self) -> None:
        """Collect the run's data, then delete every object; SandboxError (after deleting) when the
        data did not come back, so no run is judged on missing evidence."""
        try:
            if self._log is not None:
                self.collect()
        finally:
            self.discard()

    def discard(self) -> None:
        """Delete what ``submit`` made, newest first, without collecting; a missing object is gone."""
        self._log = None
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
