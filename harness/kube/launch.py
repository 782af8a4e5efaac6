"""Start one audit's sandbox on a cluster, from the same inputs the Docker sandbox gets.

The pipeline prepares a run exactly as for Docker (the CA and the fakes' config in the run's
gateway folder, the bait home and ``.env``, the server's environment, the installed image);
this module turns those into a :class:`~harness.kube.manifests.PodPlan`: the images pushed to
the user's registry, the run's private files in the seed Secret, the server's trust settings
pointing at the run's CA bundle. The result is a submitted :class:`KubeSandbox`; the caller
waits for it, drives it and closes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker

from harness.errors import SandboxError
from harness.kube.backend import KubeSandbox
from harness.kube.cluster import KubeSettings, push
from harness.kube.manifests import CA_BUNDLE_IN_SANDBOX, SERVER_UID, PodPlan
from harness.sandbox.bait import Bait
from harness.sandbox.tarballs import owned_tar

SECRET_LIMIT = 1 << 20
"""The API's size limit for one Secret (etcd's object limit): the seed must fit in it."""
_TRUST = ("NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")


def kube_name(text: str, limit: int = 40) -> str:
    """``text`` as a DNS-1123 label the run's objects can be named by."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return name or "run"


def seed_files(data: Path, bundle: bytes, bait: Bait) -> dict[str, bytes]:
    """The run's private inputs, as the seed container expects them; SandboxError past the API's limit."""
    files = {name: (data / name).read_bytes() for name in ("ca.pem", "ca.key", "config.json")}
    files["ca-bundle.pem"] = bundle
    files["home.tgz"] = owned_tar(bait.home, SERVER_UID, "w:gz")  # the seed extracts it
    if bait.dotenv is not None:
        files["dotenv"] = bait.dotenv.read_bytes()
    size = sum(len(v) for v in files.values()) * 4 // 3
    if size > SECRET_LIMIT:
        raise SandboxError(f"the run's seed ({size >> 10} KiB encoded) does not fit in one Secret (1 MiB)")
    return files


@dataclass(frozen=True)
class ClusterRun:
    """One run's sandbox inputs, as the pipeline prepared them."""

    run_id: str
    data: Path
    """The run's gateway folder (CA, fakes' config); the gateway's files come back into it."""
    home_out: Path
    """Where the home comes back to (the bait home's host folder)."""
    gateway_image: str
    server_image: str
    """Local images; pushed to the registry before the Job is made."""
    command: list[str] | None
    env: dict[str, str]
    working_dir: str | None
    hostname: str
    home_limit: int
    seed: dict[str, bytes]


def launch(api: Any, client: docker.DockerClient, settings: KubeSettings, run: ClusterRun) -> KubeSandbox:
    """Push the images, then submit the run's objects; the sandbox returned owns them."""
    gateway_image, server_image = (
        push(client, i, settings.registry) for i in (run.gateway_image, run.server_image)
    )
    plan = PodPlan(
        run_id=kube_name(run.run_id),
        namespace=settings.namespace,
        gateway_image=gateway_image,
        server_image=server_image,
        command=tuple(run.command or ()),
        env=tuple({**dict.fromkeys(_TRUST, CA_BUNDLE_IN_SANDBOX), **run.env}.items()),
        hostname=kube_name(run.hostname, 63),
        seed=run.seed,
        working_dir=run.working_dir,
        home_size=str(run.home_limit),
        pull_secret=settings.pull_secret,
    )
    context = ["--context", settings.context] if settings.context else []
    sandbox = KubeSandbox(
        api,
        plan,
        run.data,
        run.home_out,
        run.home_limit,
        attach_argv=[*KubeSandbox.ATTACH, *context],
        collect_timeout=settings.collect_timeout,
    )
    try:
        sandbox.submit()
    except BaseException:
        sandbox.discard()
        raise
    return sandbox
