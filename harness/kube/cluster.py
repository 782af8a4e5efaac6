"""Reaching the user's cluster and registry: one clear error for each thing that is missing.

The cluster is whatever the user's kubeconfig names (``KUBECONFIG``, else ``~/.kube/config``,
else the in-cluster service account when the harness itself runs in a pod), optionally one
``--kube-context`` of it; it is asked for its version once, with a short timeout, so an
unreachable API fails the audit before anything is built or pushed. Images are built by the
local engine from the same Dockerfiles as for the Docker backend and pushed to the
``--registry`` the user names, under the tag that already hashes their inputs, so the cluster
pulls exactly what was built.
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Any

import docker
import docker.errors
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError

from harness.errors import SandboxError
from harness.kube.settings import KubeSettings
from harness.model import TargetSpec

__all__ = ["KubeSettings", "api_client", "push", "remote_name", "supported"]

log = logging.getLogger(__name__)


def supported(target: TargetSpec) -> None:
    """Refuse, before anything is built, what the cluster backend cannot audit yet."""
    if target.transport != "stdio":
        raise SandboxError(
            f"the kubernetes backend drives stdio servers only; {target.name} speaks {target.transport}"
            " (audit it with the docker backend)"
        )


def api_client(context: str | None = None) -> Any:
    """A client for the configured cluster, checked to answer; SandboxError naming what is missing."""
    configuration = k8s.Configuration()
    loader: Any = k8s_config  # its loaders are untyped
    try:
        # KUBECONFIG as it is now (the client reads it once, at import)
        path = os.environ.get("KUBECONFIG") or None
        loader.load_kube_config(config_file=path, context=context, client_configuration=configuration)
    except (ConfigException, OSError) as exc:
        if context is not None:
            raise SandboxError(f"kubeconfig context {context!r} not usable: {exc}") from None
        try:
            loader.load_incluster_config(client_configuration=configuration)
        except ConfigException:
            raise SandboxError(
                "no Kubernetes cluster configured: set KUBECONFIG (or ~/.kube/config) to the cluster"
                " that runs the audits"
            ) from None
    probe = copy.deepcopy(configuration)
    probe.retries = 0  # one clear answer, not three logged retries
    try:
        k8s.VersionApi(k8s.ApiClient(probe)).get_code(_request_timeout=15)
    except (ApiException, HTTPError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.__class__.__name__
        raise SandboxError(f"the Kubernetes API at {configuration.host} does not answer: {reason}") from None
    return k8s.ApiClient(configuration)


def remote_name(local: str, registry: str) -> tuple[str, str]:
    """(repository, tag) in ``registry`` for a local image: its name's last part and its tag, which
    hashes its inputs; an image known only by id (``docker:`` targets) is named by the id."""
    if local.startswith("sha256:"):
        return f"{registry}/image", local.removeprefix("sha256:")[:32]
    name, _, tag = local.rpartition(":")
    if not name or "/" in tag:
        name, tag = local, "latest"
    return f"{registry}/{name.rsplit('/', 1)[-1]}", tag


def push(client: docker.DockerClient, local: str, registry: str) -> str:
    """Tag ``local`` into ``registry`` and push it; return the reference the cluster pulls."""
    repository, tag = remote_name(local, registry)
    try:
        client.images.get(local).tag(repository, tag)
        for line in client.images.push(repository, tag, stream=True, decode=True):
            if "error" in line:
                raise SandboxError(f"cannot push {repository}:{tag}: {line['error']}")
    except docker.errors.APIError as exc:
        raise SandboxError(f"cannot push {repository}:{tag}: {exc.explanation}") from None
    log.info("pushed %s:%s", repository, tag)
    return f"{repository}:{tag}"
