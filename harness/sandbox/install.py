"""The install phase: registry packages and local projects built into images.

Installing happens in ``docker build``, the only step with registry access; the run that
follows has none. The image tag hashes the runner image and every input (for packages,
their exact version), so auditing the same thing again installs nothing. The build also
records what was installed (version, integrity, dependency count, the packages with
install scripts, the entry point), read back out of the image by a throwaway container
without network.

npm lifecycle scripts are package code, so they never run in the build, where the network
is real: npm installs with ``--ignore-scripts`` and the scripts the record lists run later
inside the sandbox, watched like the server (:data:`LIFECYCLE_COMMAND`). pip has no such
switch: an sdist runs its build backend at build time, and the record names each one.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from harness.errors import SandboxError, TargetError
from harness.model import TargetSpec
from harness.sandbox.images import (
    LABEL,
    build_context,
    digest_map,
    docker_name,
    ensure_built,
    ensure_runner,
    files_under,
)

APP_DIR = "/usr/src/app"
INSTALL_RECORD = f"{APP_DIR}/.install.json"

_NPM_RECORD = r"""
const fs = require("fs");
const name = process.argv[2];  // "." for a local project: the root is the package
const dir = name === "." ? "." : `node_modules/${name}`;
const manifest = JSON.parse(fs.readFileSync(`${dir}/package.json`));
const lock = fs.existsSync("package-lock.json") ? JSON.parse(fs.readFileSync("package-lock.json")) : {};
const packages = lock.packages || {};
const short = (manifest.name || "").split("/").pop();
const bins = typeof manifest.bin === "string" ? { [short]: manifest.bin } : manifest.bin || {};
const pick = bins[short] ? short : Object.keys(bins)[0];
const entry = name === "." ? null
  : pick ? ["node", `/usr/src/app/node_modules/${name}/${bins[pick]}`]
  : ["node", `/usr/src/app/node_modules/${name}/${manifest.main || "index.js"}`];
const own = name === "." && ["preinstall", "install", "postinstall"].some((s) => (manifest.scripts || {})[s]);
const scripts = Object.entries(packages)
  .filter(([k, v]) => k && v.hasInstallScript)
  .map(([k]) => k.split("node_modules/").pop());
process.stdout.write(JSON.stringify({
  manager: "npm", package: manifest.name || "(project)", version: manifest.version || null, entry,
  integrity: name === "." ? null : (packages[`node_modules/${name}`] || {}).integrity || null,
  dependencies: Math.max(Object.keys(packages).filter((k) => k).length - (name === "." ? 0 : 1), 0),
  install_scripts: own ? [manifest.name || "(project)", ...scripts] : scripts,
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
# an sdist is built on install: its build backend (setup.py) runs code, like an npm install script
built = [i["metadata"]["name"] for i in report["install"]
         if not i.get("download_info", {}).get("url", ".whl").endswith(".whl")]
print(json.dumps({
    "manager": "pip", "package": name, "version": metadata.version(name),
    "entry": [f"/opt/venv/bin/{pick}"] if pick else ["python3", "-m", wanted.replace("-", "_")],
    "integrity": ("sha256:" + hashes["sha256"]) if "sha256" in hashes else None,
    "dependencies": len(report["install"]) - 1,
    "install_scripts": built,
}))
"""

_NPM_INSTALL = "npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error"
_DOCKERFILES = {
    "npm": f"""\
FROM {{runner}}
WORKDIR /usr/src/app
COPY record.js /tmp/record.js
RUN echo '{{{{"name":"app","private":true}}}}' > package.json \\
 && {_NPM_INSTALL} {{package}}@{{version}} \\
 && node /tmp/record.js {{package}} > {{record}} && rm /tmp/record.js && chown -R node:node /usr/src/app
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
_PROJECT_RECORD = ".record.cjs"  # CommonJS whatever the project's "type" says
_PROJECT_INSTALL = {
    "node": f"RUN {_NPM_INSTALL} \\\n"
    f" && node {_PROJECT_RECORD} . > {INSTALL_RECORD} && rm {_PROJECT_RECORD} \\\n"
    f" && chown -R node:node {APP_DIR}",
    "python": "RUN if [ -f requirements.txt ]; then pip install --quiet -r requirements.txt; fi \\\n"
    " && if [ -f pyproject.toml ] || [ -f setup.py ]; then pip install --quiet .; fi",
}
_PROJECT_DOCKERFILE = """\
FROM {runner}
COPY . /usr/src/app
WORKDIR /usr/src/app
{install}
USER node
"""
_PROJECT_DOCKERFILE_NAME = ".build.Dockerfile"
_PROJECT_EXCLUDES = frozenset({"scenario.toml", "node_modules", ".git", "package-lock.json"})

LIFECYCLE_COMMAND = [
    "npm",
    "rebuild",
    "--foreground-scripts",
    "--cache",
    "/tmp/.npm",
    "--logs-dir",
    "/tmp/.npm",
]
"""Inside the sandbox: the install scripts of every dependency, and of a local project itself."""


def _read_record(client: docker.DockerClient, image: str) -> dict[str, Any]:
    """The record the build wrote, copied out of a container that is created but never started (a
    started one's output can come back empty from a busy engine; a copy does not depend on it)."""
    container = client.containers.create(
        image, ["true"], network_mode="none", labels={LABEL: "install-record"}
    )
    try:
        chunks, _ = container.get_archive(INSTALL_RECORD)
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
            member = archive.extractfile(archive.getmembers()[0])
            raw = member.read() if member is not None else b""
        record: dict[str, Any] = json.loads(raw)
        return record
    except (docker.errors.DockerException, tarfile.TarError, IndexError) as exc:
        raise SandboxError(f"cannot read the install record of {image}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SandboxError(f"cannot read the install record of {image}: not JSON ({exc.msg})") from None
    finally:
        container.remove(force=True)


def _install(
    client: docker.DockerClient,
    repository: str,
    files: dict[str, Path | bytes],
    runner: str,
    dockerfile: str,
    what: str,
) -> str:
    """The image holding exactly ``files`` built on ``runner``, tagged by their hash (so built only once);
    a failing build is the target's fault, reported as installing ``what``."""
    tag = f"{LABEL}/{repository}:{digest_map(files, runner)}"
    with build_context(files) as context:
        try:
            ensure_built(client, tag, context, dockerfile)
        except SandboxError as exc:
            raise TargetError(f"installing {what} failed: {exc}") from None
    return tag


def ensure_package(client: docker.DockerClient, target: TargetSpec) -> tuple[str, dict[str, Any]]:
    """Image with the package installed (built only if this exact version is not cached) and its record."""
    if target.kind not in _DOCKERFILES or target.package is None or target.version is None:
        raise TargetError(f"not a registry target: {target.name}")
    runner = ensure_runner(client, target.runtime)
    dockerfile = _DOCKERFILES[target.kind].format(
        runner=runner, package=target.package, version=target.version, record=INSTALL_RECORD
    )
    script_name, script = ("record.js", _NPM_RECORD) if target.kind == "npm" else ("record.py", _PYPI_RECORD)
    # named by package and version, not by what the user called the server: one cache entry each
    name = docker_name(f"{target.package}-{target.version}")
    files: dict[str, Path | bytes] = {"Dockerfile": dockerfile.encode(), script_name: script.encode()}
    tag = _install(
        client, f"{target.kind}-{name}", files, runner, "Dockerfile", f"{target.package}=={target.version}"
    )
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


def ensure_project(client: docker.DockerClient, target: TargetSpec) -> tuple[str, dict[str, Any] | None]:
    """A local project (scenario or path) installed into its runner image, and its record (Node)."""
    runner = ensure_runner(client, target.runtime)
    source = Path(target.source_dir)
    inputs: dict[str, Path | bytes] = {
        str(p.relative_to(source)): p for p in files_under(source, _PROJECT_EXCLUDES)
    }
    dockerfile = _PROJECT_DOCKERFILE.format(runner=runner, install=_PROJECT_INSTALL[target.runtime])
    inputs[_PROJECT_DOCKERFILE_NAME] = dockerfile.encode()
    inputs[".dockerignore"] = f"{_PROJECT_DOCKERFILE_NAME}\n.dockerignore\n".encode()
    if target.runtime == "node":
        inputs[_PROJECT_RECORD] = _NPM_RECORD.encode()
    tag = _install(
        client, f"target-{target.name.lower()}", inputs, runner, _PROJECT_DOCKERFILE_NAME, target.name
    )
    return tag, _read_record(client, tag) if target.runtime == "node" else None


@dataclass(frozen=True)
class Prepared:
    """What the sandbox runs: the image, the command (None: the image's own) and the install record."""

    image: str
    command: list[str] | None
    working_dir: str | None
    record: dict[str, Any] | None

    @property
    def lifecycle_scripts(self) -> bool:
        """Whether npm install scripts, skipped in the build, must run in the sandbox first."""
        return bool(
            self.record and self.record.get("manager") == "npm" and self.record.get("install_scripts")
        )


def prepare(client: docker.DockerClient, target: TargetSpec) -> Prepared:
    """Run the install phase for any kind of target."""
    if target.kind in ("scenario", "path"):
        image, project = ensure_project(client, target)
        return Prepared(image, [*target.command, *target.args], APP_DIR, project)
    if target.kind == "docker":
        image, record = _local_image(client, target.package or "")
        return Prepared(image, list(target.args) or None, None, record)
    image, record = ensure_package(client, target)
    return Prepared(image, [*record["entry"], *target.args], APP_DIR, record)
