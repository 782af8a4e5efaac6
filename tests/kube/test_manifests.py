"""The generated Kubernetes objects are valid against the API's own schemas and keep the sandbox's walls."""

from __future__ import annotations

import base64
import json

import kubernetes_validate
import pytest

from harness.kube.manifests import PodPlan, run_objects, to_dicts


def _plan(**overrides: object) -> PodPlan:
    fields: dict[str, object] = {
        "run_id": "postmark-benign-1a2b3c",
        "namespace": "audits",
        "gateway_image": "registry.example/mcp/gateway:abc",
        "server_image": "registry.example/mcp/postmark:1.0.15",
        "command": ("node", "index.js"),
        "env": (("POSTMARK_SERVER_TOKEN", "f3b1c2d4"),),
        "hostname": "dev-laptop-7",
        "seed": {
            "ca.pem": b"PEM",
            "ca.key": b"KEY",
            "config.json": b"{}",
            "ca-bundle.pem": b"B",
            "home.tgz": b"T",
        },
    }
    return PodPlan(**(fields | overrides))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    return {m["kind"]: m for m in to_dicts(run_objects(_plan()))}


@pytest.mark.parametrize("kind", ["NetworkPolicy", "Secret", "Job"])
def test_every_object_validates_against_the_strict_kubernetes_schema(manifests, kind):
    version = kubernetes_validate.latest_version()
    kubernetes_validate.validate(manifests[kind], version, strict=True)


def test_the_network_policy_selects_the_run_pod_and_allows_nothing(manifests):
    policy, pod_labels = (
        manifests["NetworkPolicy"]["spec"],
        manifests["Job"]["spec"]["template"]["metadata"]["labels"],
    )
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["egress"] == [] and policy["ingress"] == []


def test_the_gateway_is_a_native_sidecar_with_net_admin_that_waits_for_the_fakes(manifests):
    pod = manifests["Job"]["spec"]["template"]["spec"]
    seed, gateway = pod["initContainers"]
    assert (seed["name"], gateway["name"], gateway["restartPolicy"]) == ("seed", "gateway", "Always")
    assert "NET_ADMIN" in gateway["securityContext"]["capabilities"]["add"]
    assert gateway["startupProbe"]["exec"]["command"][-1] == "/data/ready"


def test_the_server_runs_hardened_with_stdin_open_and_limits(manifests):
    pod = manifests["Job"]["spec"]["template"]["spec"]
    [server] = pod["containers"]
    ctx = server["securityContext"]
    assert (ctx["runAsNonRoot"], ctx["runAsUser"], ctx["allowPrivilegeEscalation"]) == (True, 1000, False)
    assert ctx["readOnlyRootFilesystem"] is True and ctx["capabilities"] == {"drop": ["ALL"]}
    assert server["stdin"] is True and server["stdinOnce"] is True
    assert set(server["resources"]["limits"]) == {"cpu", "memory"}
    assert (
        manifests["Job"]["spec"]["backoffLimit"] == 0
        and manifests["Job"]["spec"]["activeDeadlineSeconds"] > 0
    )


def test_nothing_the_server_can_read_names_the_harness(manifests):
    pod = manifests["Job"]["spec"]["template"]["spec"]
    [server] = pod["containers"]
    visible = json.dumps([pod["hostname"], server["env"], server["volumeMounts"], server.get("workingDir")])
    assert "harness" not in visible.lower() and "mcp" not in visible.lower()
    assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
    assert pod["dnsPolicy"] == "None"


def test_the_run_secret_carries_the_seed_files_base64_encoded(manifests):
    data = manifests["Secret"]["data"]
    assert base64.b64decode(data["ca.key"]) == b"KEY" and set(data) >= {"ca.pem", "home.tgz", "config.json"}


def test_a_private_registry_and_the_bait_env_file_still_validate_strictly():
    plan = _plan(pull_secret="regcred", seed={**_plan().seed, "dotenv": b"API_KEY=canary"})
    job = {m["kind"]: m for m in to_dicts(run_objects(plan))}["Job"]
    kubernetes_validate.validate(job, kubernetes_validate.latest_version(), strict=True)
    pod = job["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["/usr/src/app/.env"] == {
        "name": "trust",
        "mountPath": "/usr/src/app/.env",
        "readOnly": True,
        "subPath": ".env",
    }
    assert "cp /seed/dotenv /trust/.env" in pod["initContainers"][0]["command"][-1]
    plain = json.dumps(to_dicts(run_objects(_plan())))
    assert "/trust/.env" not in plain and "imagePullSecrets" not in plain
