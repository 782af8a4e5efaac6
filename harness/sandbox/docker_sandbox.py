"""Gateway and server containers for one audit run.

The gateway owns a network namespace with no interface but loopback
(``--network none``); its entrypoint redirects every non-loopback packet to the
fake services and captures all of it. The server joins that namespace
(``--network container:``) with no capabilities, as a non-root user, on a
read-only root. :meth:`DockerSandbox.close` removes both containers and is safe
to call more than once, from any failure path; :meth:`DockerSandbox.stop` ends the
evidence first, so the removal may run while the evidence is read.

Nothing of the host is mounted into the server: its home is a size-limited tmpfs
volume (held mounted by the gateway, so it outlives the server for the copy-out),
planted through the engine's archive API; the run's CA bundle and the bait ``.env``
are baked into a per-run image layer. Its mount table names no host path, and
what it can make the host store is bounded: the home by its tmpfs size and the
bounded copy-out, ``/tmp`` by its tmpfs size, the engine's own log of every
container by a capped log driver.

With a :class:`~harness.sandbox.persona.Persona`, a runner-built image starts
under its own PID 1 (``sandbox_images/init/init.c``): the container begins as
root with the few capabilities that PID 1 needs to make the machine look like
the persona's (new root without the engine's marks, host name, PIDs, uptime,
fast clocks) and the server it forks holds none of them, as uid 1000 with
no-new-privileges. Every container gets a private cgroup namespace.

Under that PID 1 the server container may start before the gateway's services are up:
a tiny tmpfs volume, the gate, is mounted in both; the services write ``ready`` there,
and PID 1 waits for it, then unmounts the gate before it sets the machine up, so the
server runs only in a finished network and never sees the gate (:attr:`DockerSandbox.gated`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import secrets
import shutil
import tarfile
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
from harness.sandbox.copyout import CopyBudget, CopyOutcome, extract_bounded
from harness.sandbox.images import LABEL, LOGS, list_images
from harness.sandbox.persona import SPEED, Persona
from harness.sandbox.pipes import StdioProbe
from harness.sandbox.processes import ProcessWatcher, host_processes
from harness.sandbox.tarballs import owned_tar
from harness.sandbox.waits import pending_within

log = logging.getLogger(__name__)

CA_BUNDLE_IN_SANDBOX = "/etc/ssl/certs/ca-certificates.crt"
APP_DIR = "/usr/src/app"
HOME_DIR = "/home/node"
"""Where the home is mounted; under PID 1 it reappears as the persona's ``/home/<user>``."""
HOME_HELD = "/srv/home"
"""Where the gateway mounts the server's home volume, keeping its tmpfs alive between containers."""
GATE_HELD = "/srv/gate"
"""Where the gateway mounts the gate volume (its entrypoint has the services write ``ready`` there)."""
GATE_IN_SERVER = "/mnt"
"""Where the server container mounts the gate, read-only: a directory every image has, and where
PID 1 builds its new root after unmounting the gate."""
INIT = "/sbin/init"
_INIT_CAPS = ["SYS_ADMIN", "SYS_CHROOT", "SYS_TIME", "SETUID", "SETGID", "SETPCAP", "CHOWN", "KILL"]
_INIT_CAPS.append("DAC_READ_SEARCH")
"""What PID 1 needs to set the machine up (DAC_READ_SEARCH: to bind the home, which is private
to the sandbox user); it drops them all, bounding set included, before the server starts."""


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
    home_bytes: int = 64 << 20
    """Size of the home tmpfs: the most a server can write there, and so the most copied back."""
    home_files: int = 4096
    """Inodes of the home tmpfs."""
    tmp_bytes: int = 64 << 20


IPV6_ON = {f"net.ipv6.conf.{name}.disable_ipv6": "0" for name in ("all", "default", "lo")}
"""Docker turns IPv6 off in a ``--network none`` namespace; a real host has it (the gateway redirects it)."""


UNDISGUISED = (
    "the server ran as its own image starts it, on an undisguised machine (engine host name, no PID 1 of "
    "ours, fresh uptime) with its clock at real speed: a check for a sandbox, or a timer set for later "
    "than the audit, could have held behaviour back"
)
"""Said of a server in an image we did not build: there is no PID 1 of ours to show the persona."""


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


def plausible_memory(limit: str) -> int:
    """``limit`` in bytes, made a little larger by a random number of pages, so that it is no
    round number a program could take for a container's limit."""
    base = int(docker.utils.parse_bytes(limit))
    return base + 4096 * secrets.randbelow(max(1, base // 4096 // 16))


def _plausible_hostname() -> str:
    """A workstation-like name: the server sees it, and it must not give the sandbox away."""
    return f"ip-10-{secrets.randbelow(250) + 2}-{secrets.randbelow(250) + 2}-{secrets.randbelow(250) + 2}"


class DockerSandbox:
    """The two containers of one run, labelled with its run id."""

    def __init__(
        self,
        client: docker.DockerClient,
        run_id: str,
        data_dir: Path,
        home_out: Path,
        limits: Limits = Limits(),
        persona: Persona | None = None,
        clock_speed: int = SPEED,
    ):
        self.client = client
        self.run_id = run_id
        self.data_dir = data_dir
        self.home_out = home_out
        """Host folder the home is copied back into when the run ends."""
        self.limits = limits
        self.persona = persona
        """The machine the server is shown; None runs it without PID 1 (an image not built by us)."""
        self.clock_speed = clock_speed
        """How much faster than real time the server's clocks run (1: real time)."""
        self._memory = plausible_memory(limits.memory)
        self.gateway: Container | None = None
        self.server: Container | None = None
        self.installed: str | None = None
        self.images: list[str] = []
        """Per-run images (run files, install scripts' work), removed by :meth:`close`."""
        self.home_volume: str | None = None
        self.gate_volume: str | None = None
        self.gated = False
        """Whether the server's PID 1 waits for the gateway's services itself (it may start first)."""
        self.home_copy: CopyOutcome | None = None
        """What came back from the home (None until :meth:`close`, or if it could not be read)."""

    def launch_gateway(self, image: str) -> None:
        """Start the gateway container (its services come up on their own: :meth:`wait_gateway`)."""
        try:
            volume = self.client.volumes.create(
                name=f"mcp-harness-home-{self.run_id}",
                driver="local",
                driver_opts={"type": "tmpfs", "device": "tmpfs", "o": self._home_options()},
                labels={LABEL: self.run_id},
            )
            self.home_volume = str(volume.name)
            gate = self.client.volumes.create(
                name=f"mcp-harness-gate-{self.run_id}",
                driver="local",
                driver_opts={"type": "tmpfs", "device": "tmpfs", "o": "size=64k,nr_inodes=16,mode=0755"},
                labels={LABEL: self.run_id},
            )
            self.gate_volume = str(gate.name)
            self.gateway = self.client.containers.run(
                image,
                detach=True,
                name=f"mcp-harness-gw-{self.run_id}",
                hostname=_plausible_hostname(),
                network_mode="none",
                sysctls=IPV6_ON,
                cap_drop=["ALL"],
                cap_add=["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SETUID", "SETGID", "DAC_OVERRIDE"],
                volumes={
                    str(self.data_dir): {"bind": "/data", "mode": "rw"},
                    self.home_volume: {"bind": HOME_HELD, "mode": "rw"},
                    self.gate_volume: {"bind": GATE_HELD, "mode": "rw"},
                },
                labels={LABEL: self.run_id, f"{LABEL}.role": "gateway"},
                stop_signal="SIGTERM",
                log_config=LOGS,
            )
        except docker.errors.APIError as exc:
            with contextlib.suppress(docker.errors.APIError):  # created, then failed to start
                _remove(self.client.containers.get(f"mcp-harness-gw-{self.run_id}"))
            raise SandboxError(f"cannot start the gateway: {exc.explanation}") from None

    def wait_gateway(self, ready_timeout: float = 60.0) -> None:
        """Wait until the gateway's services listen and its capture runs; a gateway that dies is a
        SandboxError. The ready file is looked for often, the container's state (an engine call)
        less so."""
        if self.gateway is None:
            raise SandboxError("no gateway to wait for")
        deadline = time.monotonic() + ready_timeout
        checked = 0.0
        while not (self.data_dir / "ready").exists():
            if time.monotonic() - checked >= 0.25:
                checked = time.monotonic()
                self.gateway.reload()
                if self.gateway.status not in ("created", "running"):
                    logs = self.gateway.logs(tail=10).decode(errors="replace").strip()
                    last = logs.splitlines()[-1:] or "no output"
                    raise SandboxError(f"gateway exited during start-up: {last}")
            if time.monotonic() > deadline:
                raise SandboxError(f"gateway not ready after {ready_timeout:.0f}s")
            time.sleep(0.02)

    def _home_options(self) -> str:
        size, files = self.limits.home_bytes, self.limits.home_files
        return f"size={size},nr_inodes={files},uid=1000,gid=1000,mode=0700,nosuid,nodev"

    def plant_home(self, bait: Bait) -> None:
        """Copy the bait home into the home volume, owned by the sandbox user."""
        if self.gateway is None:
            raise SandboxError("the gateway must run before the home is planted")
        try:
            self.gateway.put_archive(HOME_HELD, owned_tar(bait.home, 1000))
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot plant the home: {exc.explanation}") from None

    def with_run_files(self, image: str, ca_bundle: bytes, dotenv: bytes | None) -> str:
        """``image`` plus this run's CA bundle (and the bait ``.env``), as a per-run image: no host
        file is mounted into the sandbox."""
        files = {CA_BUNDLE_IN_SANDBOX: ca_bundle}
        if dotenv is not None:
            files[f"{APP_DIR}/.env"] = dotenv
        name = f"mcp-harness-files-{self.run_id}"
        try:
            container = self.client.containers.create(image, name=name, labels={LABEL: self.run_id})
        except docker.errors.APIError:  # an image with no command of its own: any will do, it never runs
            container = self.client.containers.create(image, ["true"], name=name, labels={LABEL: self.run_id})
        try:
            container.put_archive("/", _tar_of_files(files))
            committed = container.commit(
                repository=f"{LABEL}/installed",
                tag=f"{self.run_id}-files",
                changes=[f"LABEL {LABEL}={self.run_id}"],
            )
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot add the run's files to the image: {exc.explanation}") from None
        finally:
            _remove(container)
        self.images.append(str(committed.id))
        return str(committed.id)

    @property
    def home(self) -> str:
        """The home as the server sees it."""
        return self.persona.home if self.persona is not None else HOME_DIR

    @property
    def unobserved(self) -> tuple[str, ...]:
        return () if self.persona is not None else (UNDISGUISED,)

    def _hardened(self, env: dict[str, str], command: list[str] | None) -> dict[str, Any]:
        """Container settings every process of the target runs under: the gateway's namespace,
        no capabilities, a non-root user, the bait home, the resource limits, capped engine logs;
        under PID 1 when there is a persona and a command to give it."""
        if self.gateway is None or self.home_volume is None:
            raise SandboxError("the gateway must run before the target's containers")
        trust = {"NODE_EXTRA_CA_CERTS": CA_BUNDLE_IN_SANDBOX, "SSL_CERT_FILE": CA_BUNDLE_IN_SANDBOX}
        trust["REQUESTS_CA_BUNDLE"] = CA_BUNDLE_IN_SANDBOX
        settings: dict[str, Any] = {
            "command": command,
            "network_mode": f"container:{self.gateway.id}",
            "user": "1000:1000",
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "cgroupns": "private",
            "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={self.limits.tmp_bytes}"},
            "environment": {"HOME": HOME_DIR, **trust, **env},
            "volumes": {self.home_volume: {"bind": HOME_DIR, "mode": "rw"}},
            "mem_limit": self._memory,
            "pids_limit": self.limits.pids,
            "nano_cpus": int(self.limits.cpus * 1e9),
            "log_config": LOGS,
        }
        if self.persona is not None and command is not None:
            machine = {**self.persona.env, "HOME": self.persona.home}
            settings |= {"user": "0:0", "cap_add": _INIT_CAPS, "entrypoint": [INIT]}
            clock = self.persona.init_environment(HOME_DIR, self.clock_speed)
            settings["environment"] = {**machine, **trust, **env, **clock}
        return settings

    def run_lifecycle_scripts(
        self, image: str, command: list[str], env: dict[str, str], timeout: float
    ) -> LifecycleRun:
        """Run npm install scripts in the sandbox, then keep their work as this run's server image.

        The container is the server's in all but one point: its root is writable, since install
        scripts build into node_modules. What they leave is committed to an image removed with
        the run, so the server starts from exactly what its scripts made.
        """
        try:
            container = self.client.containers.create(
                image,
                name=f"mcp-harness-ins-{self.run_id}",
                working_dir=APP_DIR,
                labels={LABEL: self.run_id, f"{LABEL}.role": "install"},
                **self._hardened(env, command),
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
            self.images.append(self.installed)
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
        working_dir: str | None = APP_DIR,
    ) -> str:
        """Create (not start) the hardened server container; return its id for ``docker start -ai``.

        Writable places: ``/tmp`` and the home, both size-limited tmpfs; the home is copied back
        when the run ends, so what the server writes there survives as evidence. Under our PID 1
        the server waits at the gate for the gateway's services, so the container may start first.
        """
        settings = self._hardened(env, command)
        gated = settings.get("entrypoint") == [INIT] and self.gate_volume is not None
        if gated:
            settings["volumes"] = {
                **settings["volumes"],
                self.gate_volume: {"bind": GATE_IN_SERVER, "mode": "ro"},
            }
            settings["environment"] = {**settings["environment"], "INIT_GATE": GATE_IN_SERVER}
        try:
            self.server = self.client.containers.create(
                image,
                name=f"mcp-harness-srv-{self.run_id}",
                read_only=True,
                working_dir=working_dir,
                stdin_open=True,
                labels={LABEL: self.run_id, f"{LABEL}.role": "server"},
                **settings,
            )
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot create the server container: {exc.explanation}") from None
        self.gated = gated
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
        launcher = self._under_init()
        cpus = (host.get("NanoCpus") or 0) / 1e9 or None
        watcher = ProcessWatcher(
            self.server, host.get("Memory") or None, host.get("PidsLimit") or None, launcher, cpus
        )
        watcher.start()
        return watcher

    def server_pid(self) -> int | None:
        """Host PID of the server container's main process; None before it runs or once it is gone."""
        if self.server is None:
            return None
        try:
            state = self.client.api.inspect_container(self.server.id).get("State", {})
        except docker.errors.APIError:
            return None
        return int(state.get("Pid") or 0) or None

    def _processes(self) -> list[tuple[int, int]]:
        """(host pid, parent pid) of every process in the server container; none when it is gone.
        Read on the host where it can see them, else asked of the engine (``docker top``)."""
        if self.server is None:
            return []
        main = self.server_pid()
        seen = host_processes(main, str(self.server.id)) if main is not None else None
        if seen is not None:
            return seen
        try:
            top: dict[str, Any] = self.server.top(ps_args="-eo pid,ppid")
        except docker.errors.APIError:
            return []
        return [(int(row[0]), int(row[1])) for row in top.get("Processes") or []]

    def pending(self, seconds: float) -> bool:
        """Whether the server's processes have timed work due within ``seconds`` (see waits)."""
        return pending_within([pid for pid, _ in self._processes()], seconds)

    def restart_server(self, timeout: float = 10.0) -> bool:
        """Have PID 1 restart the server (same container, home and stdio); True once a new
        server process runs. False without PID 1 of ours, or when none came up in time."""
        if self.server is None or self.persona is None:
            return False
        try:
            self.server.reload()
            init = int(self.server.attrs.get("State", {}).get("Pid") or 0)
            before = {pid for pid, ppid in self._processes() if ppid == init}
            self.server.kill(signal="SIGUSR1")
        except docker.errors.APIError as exc:
            log.info("cannot restart the server: %s", exc)
            return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if {pid for pid, ppid in self._processes() if ppid == init} - before:
                return True
            time.sleep(0.05)
        return False

    def stdio_probe(self) -> StdioProbe:
        """A probe telling whether the server has closed its stdin or stdout while still running."""
        if self.server is None:
            raise SandboxError("no server container to probe")
        return StdioProbe(self.server, self._under_init())

    def _under_init(self) -> bool:
        """Whether our PID 1 runs the server as its child (not for an image we did not build)."""
        assert self.server is not None
        return bool((self.server.attrs.get("Config", {}).get("Entrypoint") or [None])[0] == INIT)

    def server_exit_code(self) -> int | None:
        """Exit code of the server if it has stopped, else None."""
        if self.server is None:
            return None
        try:
            self.server.reload()
        except docker.errors.NotFound:
            return None
        state = self.server.attrs.get("State", {})
        # "created": not started yet (the client's docker start may lag under load), so not exited,
        # although the engine already shows exit code 0
        return state.get("ExitCode") if state.get("Status") in ("exited", "dead") else None

    relaunchable = True
    """A stopped server container starts again under ``docker start`` (the replay pass)."""

    @property
    def home_limit(self) -> int:
        return self.limits.home_bytes

    def stdio_argv(self) -> list[str]:
        """``docker start --attach --interactive``: it starts the created (or stopped) server with
        its stdio on the command's."""
        if self.server is None:
            raise SandboxError("no server container to attach to")
        return ["docker", "start", "--attach", "--interactive", str(self.server.id)]

    def close(self) -> None:
        """:meth:`stop`, then :meth:`remove`: safe to call more than once, from any failure path."""
        try:
            self.stop()
        finally:
            self.remove()

    def stop(self) -> None:
        """End the run's evidence: kill the server, copy the home back (bounded), stop the gateway
        gracefully (so the capture is flushed). What is left is only to remove (:meth:`remove`)."""
        if self.server is not None:
            with contextlib.suppress(docker.errors.APIError):  # not running, or gone already
                self.server.kill()
        if self.gateway is not None and self.home_copy is None:
            self.home_copy = self._copy_home()
        if self.gateway is not None:
            try:
                self.gateway.stop(timeout=10)
            except docker.errors.APIError as exc:
                log.warning("gateway stop failed: %s", exc)

    def remove(self) -> None:
        """Remove the server, the per-run images, the gateway and the volumes, in the order the
        engine allows (an image in use, or a parent with children, is refused)."""
        if self.server is not None:
            _remove(self.server)
            self.server = None
        for image in reversed(self.images):  # newest first: the engine keeps a parent with children
            try:
                self.client.images.remove(image, force=True)
            except docker.errors.APIError as exc:
                log.warning("could not remove image %s: %s", image, exc)
        self.images, self.installed = [], None
        if self.gateway is not None:
            _remove(self.gateway)
            self.gateway = None
        if self.home_volume is not None:
            _remove_volume(self.client, self.home_volume)
            self.home_volume = None
        if self.gate_volume is not None:
            _remove_volume(self.client, self.gate_volume)
            self.gate_volume = None

    def _copy_home(self) -> CopyOutcome | None:
        """The home as the server left it, into ``home_out``, within the home's own size."""
        assert self.gateway is not None
        budget = CopyBudget(max_bytes=self.limits.home_bytes, max_files=self.limits.home_files)
        staging = self.home_out.with_name(self.home_out.name + ".copy")
        try:
            stream, _ = self.gateway.get_archive(HOME_HELD)
            outcome = extract_bounded(stream, staging, budget)
        except (
            docker.errors.APIError,
            requests.exceptions.RequestException,
            tarfile.TarError,
            OSError,
        ) as exc:
            log.warning("could not copy the home back: %s", exc)
            shutil.rmtree(staging, ignore_errors=True)
            return None
        shutil.rmtree(self.home_out, ignore_errors=True)
        staging.rename(self.home_out)
        return outcome


def _tar_of_files(files: dict[str, bytes]) -> bytes:
    """Root-owned, world-readable files at absolute paths, as a tar to extract at ``/``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, data in files.items():
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _remove_volume(client: docker.DockerClient, name: str) -> None:
    try:
        client.volumes.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        log.warning("could not remove volume %s: %s", name, exc)


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
    for image in list_images(client, name=f"{LABEL}/installed"):
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(image.id, force=True)
        removed += image.tags
    for volume in client.volumes.list(filters={"label": LABEL}):
        _remove_volume(client, str(volume.name))
        removed.append(str(volume.name))
    return removed
