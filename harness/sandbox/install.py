"""The install phase for registry targets: ``npm:`` and ``pypi:`` packages built into images.

Installing happens in ``docker build``, the only step with registry access; the run that
follows has none. The image tag hashes the runner image, the package and its exact
version, so auditing the same version again installs nothing. The build also records
what was installed (version, integrity, dependency count, install scripts that ran, the
entry point), read back out of the image by a throwaway container without network.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

from harness.errors import SandboxError, TargetError
from harness.model import TargetSpec
from harness.sandbox.images import LABEL, build_context, ensure_built, ensure_runner, ensure_target

APP_DIR = "/usr/src/app"
INSTALL_RECORD = f"{APP_DIR}/.install.json"

_NPM_RECORD = r"""
const fs = require("fs");
const name = process.argv[2];
const manifest = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8"));
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const packages = lock.packages || {};
const short = name.split("/").pop();
const bins = typeof manifest.bin === "string" ? { [short]: manifest.bin } : manifest.bin || {};
const pick = bins[short] ? short : Object.keys(bins)[0];
const entry = pick ? ["node", `/usr/src/app/node_modules/${name}/${bins[pick]}`]
                   : ["node", `/usr/src/app/node_modules/${name}/${manifest.main || "index.js"}`];
const scripts = Object.entries(packages)
  .filter(([k, v]) => k && v.hasInstallScript)
  .map(([k]) => k.split("node_modules/").pop());
process.stdout.write(JSON.stringify({
  manager: "npm", package: name, version: manifest.version, entry,
  integrity: (packages[`node_modules/${name}`] || {}).integrity || null,
  dependencies: Object.keys(packages).filter((k) => k).length - 1,
  install_scripts: scripts,
}));
"""

_PYPI_RECORD = r"""
import json, sys
from importlib import metadata
name = sys.argv[1]
report = json.load(open("/tmp/pip-report.json"))
wanted = name.lower().replace("_", "-")
mine = [i for i in report["install"] if i["metadata"]["name"].lower().replace("_", "-") == wanted]
scripts = [e.name for e in metadata.distribution(name).entry_points if e.group == "console_scripts"]
pick = wanted if wanted in scripts else (scripts[0] if scripts else None)
hashes = (mine[0].get("download_info", {}).get("archive_info", {}).get("hashes", {}) if mine else {})
print(json.dumps({
    "manager": "pip", "package": name, "version": metadata.version(name),
    "entry": [f"/opt/venv/bin/{pick}"] if pick else ["python3", "-m", wanted.replace("-", "_")],
    "integrity": ("sha256:" + hashes["sha256"]) if "sha256" in hashes else None,
    "dependencies": len(report["install"]) - 1,
    "install_scripts": [],
}))
"""

_DOCKERFILES = {
    "npm": """\
FROM {runner}
WORKDIR /usr/src/app
COPY record.js /tmp/record.js
RUN echo '{{"name":"app","private":true}}' > package.json \\
 && npm install --omit=dev --no-audit --no-fund --loglevel=error {package}@{version} \\
 && node /tmp/record.js {package} > {record} && rm /tmp/record.js
USER node
""",
    "pypi": """\
FROM {runner}
WORKDIR /usr/src/app
COPY record.py /tmp/record.py
RUN pip install --quiet --report /tmp/pip-report.json {package}=={version} \\
 && python3 /tmp/record.py {package} > {record} && rm /tmp/record.py /tmp/pip-report.json
USER node
""",
}


def _read_record(client: docker.DockerClient, image: str, attempts: int = 3) -> dict[str, Any]:
    """The record the build wrote, read by a throwaway container without network (asked again if
    the engine hands back no output, which a busy engine occasionally does)."""
    problem = "no output"
    for _ in range(attempts):
        try:
            raw = client.containers.run(
                image,
                ["cat", INSTALL_RECORD],
                network_mode="none",
                remove=True,
                labels={LABEL: "install-record"},
            )
            record: dict[str, Any] = json.loads(raw)
            return record
        except docker.errors.DockerException as exc:
            problem = str(exc)
        except json.JSONDecodeError as exc:
            problem = f"not JSON ({exc.msg})"
    raise SandboxError(f"cannot read the install record of {image}: {problem}")


def ensure_package(client: docker.DockerClient, target: TargetSpec) -> tuple[str, dict[str, Any]]:
    """Image with the package installed (built only if this exact version is not cached) and its record."""
    if target.kind not in _DOCKERFILES or target.package is None or target.version is None:
        raise TargetError(f"not a registry target: {target.name}")
    runner = ensure_runner(client, target.runtime)
    dockerfile = _DOCKERFILES[target.kind].format(
        runner=runner, package=target.package, version=target.version, record=INSTALL_RECORD
    )
    script_name, script = ("record.js", _NPM_RECORD) if target.kind == "npm" else ("record.py", _PYPI_RECORD)
    digest = hashlib.sha256(f"{dockerfile}\0{script}".encode()).hexdigest()[:16]
    tag = f"{LABEL}/{target.kind}-{target.name.lower()}:{digest}"
    files: dict[str, Any] = {"Dockerfile": dockerfile.encode(), script_name: script.encode()}
    with build_context(files) as context:
        try:
            ensure_built(client, tag, context, "Dockerfile")
        except SandboxError as exc:
            raise TargetError(f"installing {target.package}=={target.version} failed: {exc}") from None
    return tag, _read_record(client, tag)


def _local_image(client: docker.DockerClient, reference: str) -> tuple[str, dict[str, Any]]:
    """An existing local image, never pulled: auditing must not fetch code the user did not build."""
    try:
        image = client.images.get(reference)
    except docker.errors.ImageNotFound:
        raise TargetError(f"image {reference} is not present locally (mcp-harness does not pull)") from None
    record = {
        "manager": "docker",
        "package": reference,
        "version": None,
        "integrity": image.id,
        "digests": image.attrs.get("RepoDigests", []),
        "dependencies": None,
        "install_scripts": [],
    }
    return str(image.id), record


@dataclass(frozen=True)
class Prepared:
    """What the sandbox runs: the image, the command (None: the image's own) and the install record."""

    image: str
    command: list[str] | None
    working_dir: str | None
    record: dict[str, Any] | None


def prepare(client: docker.DockerClient, target: TargetSpec) -> Prepared:
    """Run the install phase for any kind of target."""
    if target.kind in ("scenario", "path"):
        return Prepared(ensure_target(client, target), [*target.command, *target.args], APP_DIR, None)
    if target.kind == "docker":
        image, record = _local_image(client, target.package or "")
        return Prepared(image, list(target.args) or None, None, record)
    image, record = ensure_package(client, target)
    return Prepared(image, [*record["entry"], *target.args], APP_DIR, record)
