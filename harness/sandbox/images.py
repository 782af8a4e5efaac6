"""Sandbox images, built offline and only when their inputs change.

Each image is tagged with a hash of everything that goes into it (its
Dockerfile, the files it copies and the image it builds FROM), so a rebuild
happens exactly when an input changed. The base ``debian:bookworm-slim`` is
bootstrapped with debootstrap when it can be neither found nor pulled.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import docker
import docker.errors

from harness.errors import SandboxError, TargetError
from harness.model import TargetSpec

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES_DIR = REPO_ROOT / "sandbox_images"
BASE_IMAGE = "debian:bookworm-slim"
LABEL = "mcp-harness"
_TARGET_EXCLUDES = frozenset({"scenario.toml", "node_modules", ".git", "package-lock.json"})
_TARGET_DOCKERFILE = """\
FROM {runner}
COPY . /usr/src/app
WORKDIR /usr/src/app
RUN npm install --omit=dev --no-audit --no-fund --loglevel=error
USER node
"""


def ensure_base(client: docker.DockerClient) -> str:
    """Make sure the base image exists (pull or bootstrap); return its image id."""
    try:
        return str(client.images.get(BASE_IMAGE).id)
    except docker.errors.ImageNotFound:
        pass
    script = IMAGES_DIR / "bootstrap-base.sh"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SandboxError(f"cannot obtain {BASE_IMAGE}: {proc.stderr.strip().splitlines()[-1:]}")
    return str(client.images.get(BASE_IMAGE).id)


def _digest(root: Path, files: Iterable[Path], extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    for path in sorted(files):
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _files_under(root: Path, excludes: frozenset[str] = frozenset()) -> list[Path]:
    return [
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(part in excludes or part == "__pycache__" for part in p.relative_to(root).parts)
    ]


def _build(client: docker.DockerClient, context: Path, dockerfile: str, tag: str) -> str:
    """Build ``tag`` from ``context``; a failure raises SandboxError with the build's last lines."""
    log.info("building image %s", tag)
    try:
        image, _ = client.images.build(
            path=str(context), dockerfile=dockerfile, tag=tag, rm=True, forcerm=True, labels={LABEL: "image"}
        )
    except docker.errors.BuildError as exc:
        tail = [str(chunk.get("stream", chunk.get("error", ""))).strip() for chunk in exc.build_log][-8:]
        raise SandboxError(
            f"image build failed for {tag}: {exc.msg}; " + " | ".join(t for t in tail if t)
        ) from None
    except docker.errors.APIError as exc:
        raise SandboxError(f"image build failed for {tag}: {exc.explanation}") from None
    return str(image.id)


def _ensure(client: docker.DockerClient, tag: str, context: Path, dockerfile: str) -> str:
    """Return ``tag``, building it first unless an image with exactly these inputs exists."""
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        _build(client, context, dockerfile, tag)
    return tag


def ensure_gateway(client: docker.DockerClient) -> str:
    """The gateway image (fake services + capture); inputs are its Dockerfile and harness/services."""
    base_id = ensure_base(client)
    pkg = REPO_ROOT / "harness"
    inputs = [
        pkg / "__init__.py",
        pkg / "model.py",
        *_files_under(pkg / "services"),
        *_files_under(IMAGES_DIR / "gateway"),
    ]
    tag = f"{LABEL}/gateway:{_digest(REPO_ROOT, inputs, base_id)}"
    with tempfile.TemporaryDirectory() as tmp:
        for path in inputs:
            dest = Path(tmp) / path.relative_to(REPO_ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        return _ensure(client, tag, Path(tmp), "sandbox_images/gateway/Dockerfile")


def ensure_runner(client: docker.DockerClient, runtime: str) -> str:
    """The language runner image a target installs into (``node``)."""
    base_id = ensure_base(client)
    folder = IMAGES_DIR / runtime
    if not (folder / "Dockerfile").is_file():
        raise TargetError(f"no runner image for runtime {runtime!r}")
    tag = f"{LABEL}/runner-{runtime}:{_digest(folder, _files_under(folder), base_id)}"
    return _ensure(client, tag, folder, "Dockerfile")


def ensure_target(client: docker.DockerClient, target: TargetSpec) -> str:
    """Install the target into its runner image (the install phase, with registry access)."""
    runner = ensure_runner(client, target.runtime)
    source = Path(target.source_dir)
    files = _files_under(source, _TARGET_EXCLUDES)
    tag = f"{LABEL}/target-{target.name.lower()}:{_digest(source, files, runner)}"
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            dest = Path(tmp) / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        (Path(tmp) / ".harness.Dockerfile").write_text(_TARGET_DOCKERFILE.format(runner=runner))
        (Path(tmp) / ".dockerignore").write_text(".harness.Dockerfile\n.dockerignore\n")
        try:
            return _ensure(client, tag, Path(tmp), ".harness.Dockerfile")
        except SandboxError as exc:
            raise TargetError(f"installing {target.name} failed: {exc}") from None
