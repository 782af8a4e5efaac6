"""The Kubernetes objects of one audit: a Job whose pod is the Docker sandbox, re-expressed.

One pod, one network namespace shared by its containers, exactly as the gateway and server
containers share one under Docker:

- ``seed`` (init container, root): copies the run's CA, the fakes' config and the bait home
  out of the run's Secret into the pod's volumes, owned by the server's user;
- ``gateway`` (native sidecar: an init container with ``restartPolicy: Always``, so it is up
  before the server starts and stopped after it ends): the gateway image with ``NET_ADMIN``
  and ``NET_RAW``; its entrypoint takes every interface but loopback down, redirects every
  packet to the fakes and captures it, exactly as under Docker. Its startup probe waits for
  the fakes to be listening. When the server ends it is stopped, and it writes the run's data
  to its log, framed, for the harness to take back;
- ``server``: the target's image, non-root, every capability dropped, no privilege escalation,
  read-only root, size-limited home and ``/tmp``, CPU, memory and (where the cluster enforces
  it) process limits, and stdin open for the MCP client (``kubectl attach``).

A NetworkPolicy that selects the pod and allows nothing is the second wall: even a gateway
that failed to take the pod's interface down leaks nothing. Nothing the server can read names
the harness: the pod's hostname is a workstation-like name, service links and the service
account token are off, and labels are not mounted.

Objects are built with the official client's models, so field names and types are the
API's; ``to_dicts`` turns them into plain manifests for validation or ``kubectl apply``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

LABEL = "mcp-harness/run"
"""Label on every object of a run (never visible inside the pod)."""
SERVER = "server"
GATEWAY = "gateway"
SERVER_UID = 1000
DATA_DIR = "/data"
SEED_DIR = "/seed"
HOME_DIR = "/home/node"
HOME_VIEW = "/home-view"
"""Where the gateway sees the server's home, to send what the server left there back with the run."""
APP_DIR = "/usr/src/app"
CA_BUNDLE_IN_SANDBOX = "/etc/ssl/certs/ca-certificates.crt"
_READY_PROBE = ["test", "-e", f"{DATA_DIR}/ready"]


@dataclass(frozen=True)
class PodPlan:
    """Everything one audit pod needs; built by the backend from the run's target and sandbox inputs."""

    run_id: str
    """DNS-1123 name shared by the run's objects."""
    namespace: str
    gateway_image: str
    server_image: str
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    hostname: str
    """What the server sees as its host name."""
    seed: dict[str, bytes]
    """Files of the run's Secret: ``ca.pem``, ``ca.key``, ``config.json``, ``ca-bundle.pem``, ``home.tgz``,
    and ``dotenv`` when the app gets the bait ``.env``."""
    working_dir: str | None = APP_DIR
    memory: str = "1Gi"
    cpus: str = "1"
    home_size: str = "256Mi"
    tmp_size: str = "128Mi"
    deadline_seconds: int = 1800
    """The Job's activeDeadlineSeconds: the cluster ends a run the harness lost track of."""
    pull_secret: str | None = None
    """An image pull secret of the namespace, for a private registry."""


def _labels(plan: PodPlan) -> dict[str, str]:
    return {LABEL: plan.run_id}


def _mount(name: str, path: str, read_only: bool = False, sub_path: str | None = None) -> k8s.V1VolumeMount:
    return k8s.V1VolumeMount(name=name, mount_path=path, read_only=read_only, sub_path=sub_path)


def seed_secret(plan: PodPlan) -> k8s.V1Secret:
    """The run's private inputs (the CA key among them), readable only by the seed container."""
    return k8s.V1Secret(
        metadata=k8s.V1ObjectMeta(name=f"{plan.run_id}-seed", namespace=plan.namespace, labels=_labels(plan)),
        type="Opaque",
        data={name: base64.b64encode(content).decode("ascii") for name, content in plan.seed.items()},
    )


def _seed_container(plan: PodPlan) -> k8s.V1Container:
    script = (
        f"cp {SEED_DIR}/ca.pem {SEED_DIR}/ca.key {SEED_DIR}/config.json {DATA_DIR}/"
        f" && touch {DATA_DIR}/.to-log"
        f" && cp {SEED_DIR}/ca-bundle.pem /trust/ca-certificates.crt"
        f" && tar -xzf {SEED_DIR}/home.tgz -C /home-seed --no-same-owner"
        f" && chown -R {SERVER_UID}:{SERVER_UID} /home-seed && chmod 0644 /trust/ca-certificates.crt"
    )
    if "dotenv" in plan.seed:
        script += f" && cp {SEED_DIR}/dotenv /trust/.env && chmod 0644 /trust/.env"
    return k8s.V1Container(
        name="seed",
        image=plan.gateway_image,
        command=["/bin/sh", "-c", script],
        security_context=k8s.V1SecurityContext(
            capabilities=k8s.V1Capabilities(drop=["ALL"], add=["CHOWN", "FOWNER", "DAC_OVERRIDE"]),
            allow_privilege_escalation=False,
        ),
        volume_mounts=[
            _mount("seed", SEED_DIR, read_only=True),
            _mount("data", DATA_DIR),
            _mount("home", "/home-seed"),
            _mount("trust", "/trust"),
        ],
        resources=k8s.V1ResourceRequirements(limits={"cpu": "500m", "memory": "128Mi"}),
    )


def _gateway_container(plan: PodPlan) -> k8s.V1Container:
    return k8s.V1Container(
        name=GATEWAY,
        image=plan.gateway_image,
        restart_policy="Always",  # a native sidecar: started before the server, stopped after it
        security_context=k8s.V1SecurityContext(
            capabilities=k8s.V1Capabilities(
                drop=["ALL"], add=["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE", "SETUID", "SETGID"]
            ),
            allow_privilege_escalation=False,
        ),
        startup_probe=k8s.V1Probe(
            _exec=k8s.V1ExecAction(command=_READY_PROBE), period_seconds=1, failure_threshold=120
        ),
        volume_mounts=[_mount("data", DATA_DIR), _mount("home", HOME_VIEW, read_only=True)],
        resources=k8s.V1ResourceRequirements(limits={"cpu": "1", "memory": "512Mi"}),
    )


def _server_container(plan: PodPlan) -> k8s.V1Container:
    env = [k8s.V1EnvVar(name="HOME", value=HOME_DIR)]
    env += [k8s.V1EnvVar(name=k, value=v) for k, v in plan.env]
    return k8s.V1Container(
        name=SERVER,
        image=plan.server_image,
        command=list(plan.command) or None,
        working_dir=plan.working_dir,
        stdin=True,
        stdin_once=True,  # the client closing stdin ends the server, and with it the run
        env=env,
        security_context=k8s.V1SecurityContext(
            run_as_user=SERVER_UID,
            run_as_group=SERVER_UID,
            run_as_non_root=True,
            capabilities=k8s.V1Capabilities(drop=["ALL"]),
            allow_privilege_escalation=False,
            read_only_root_filesystem=True,
            seccomp_profile=k8s.V1SeccompProfile(type="RuntimeDefault"),
        ),
        volume_mounts=[
            _mount("home", HOME_DIR),
            _mount("tmp", "/tmp"),
            _mount("trust", CA_BUNDLE_IN_SANDBOX, read_only=True, sub_path="ca-certificates.crt"),
            *(
                [_mount("trust", f"{APP_DIR}/.env", read_only=True, sub_path=".env")]
                if "dotenv" in plan.seed
                else []
            ),
        ],
        resources=k8s.V1ResourceRequirements(
            requests={"cpu": "100m", "memory": "128Mi"}, limits={"cpu": plan.cpus, "memory": plan.memory}
        ),
    )


def _volumes(plan: PodPlan) -> list[k8s.V1Volume]:
    return [
        k8s.V1Volume(name="seed", secret=k8s.V1SecretVolumeSource(secret_name=f"{plan.run_id}-seed")),
        k8s.V1Volume(name="data", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="1Gi")),
        k8s.V1Volume(name="home", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit=plan.home_size)),
        k8s.V1Volume(
            name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource(medium="Memory", size_limit=plan.tmp_size)
        ),
        k8s.V1Volume(name="trust", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="8Mi")),
    ]


def audit_job(plan: PodPlan) -> k8s.V1Job:
    """The Job that runs one audit's sandbox; it never retries (a second run would be another audit)."""
    pod = k8s.V1PodSpec(
        hostname=plan.hostname,
        restart_policy="Never",
        automount_service_account_token=False,
        enable_service_links=False,
        share_process_namespace=False,
        dns_policy="None",  # the gateway answers DNS; the cluster's resolver is never asked
        dns_config=k8s.V1PodDNSConfig(nameservers=["192.168.1.1"], searches=["lan"]),
        security_context=k8s.V1PodSecurityContext(fs_group=SERVER_UID),
        init_containers=[_seed_container(plan), _gateway_container(plan)],
        containers=[_server_container(plan)],
        volumes=_volumes(plan),
        termination_grace_period_seconds=30,
        image_pull_secrets=[k8s.V1LocalObjectReference(name=plan.pull_secret)] if plan.pull_secret else None,
    )
    return k8s.V1Job(
        api_version="batch/v1",
        kind="Job",
        metadata=k8s.V1ObjectMeta(name=plan.run_id, namespace=plan.namespace, labels=_labels(plan)),
        spec=k8s.V1JobSpec(
            backoff_limit=0,
            active_deadline_seconds=plan.deadline_seconds,
            ttl_seconds_after_finished=3600,
            template=k8s.V1PodTemplateSpec(metadata=k8s.V1ObjectMeta(labels=_labels(plan)), spec=pod),
        ),
    )


def deny_all_egress(plan: PodPlan) -> k8s.V1NetworkPolicy:
    """Second wall: the run's pod may send nothing to and receive nothing from any address."""
    return k8s.V1NetworkPolicy(
        api_version="networking.k8s.io/v1",
        kind="NetworkPolicy",
        metadata=k8s.V1ObjectMeta(name=f"{plan.run_id}-deny", namespace=plan.namespace, labels=_labels(plan)),
        spec=k8s.V1NetworkPolicySpec(
            pod_selector=k8s.V1LabelSelector(match_labels=_labels(plan)),
            policy_types=["Ingress", "Egress"],
            ingress=[],
            egress=[],
        ),
    )


def run_objects(plan: PodPlan) -> list[Any]:
    """Every object of one run, in the order they must be created (the wall before the pod)."""
    secret = seed_secret(plan)
    secret.api_version, secret.kind = "v1", "Secret"
    return [deny_all_egress(plan), secret, audit_job(plan)]


def to_dicts(objects: list[Any]) -> list[dict[str, Any]]:
    """Plain manifests (camelCase, no nulls), as ``kubectl apply`` or a schema validator takes them."""
    api: Any = k8s.ApiClient()  # the client's serialiser is untyped
    return [api.sanitize_for_serialization(o) for o in objects]
