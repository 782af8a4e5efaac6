"""Sandbox images, built offline and only when their inputs change.

Each image is tagged with a hash of everything that goes into it (its
Dockerfile, the files it copies and the image it builds FROM), so a rebuild
happens exactly when an input changed. The base ``debian:bookworm-slim`` is
bootstrapped with debootstrap when it can be neither found nor pulled.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
from docker.types import LogConfig

from harness.errors import SandboxError, TargetError

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES_DIR = REPO_ROOT / "sandbox_images"
BASE_IMAGE = "debian:bookworm-slim"
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
LABEL = "mcp-harness"
LOGS = LogConfig(type="json-file", config={"max-size": "1m", "max-file": "1"})
"""The engine's own copy of the output of every container we start: capped, so a flood on stdout or
stderr costs the host at most this (the run's logs are kept by the harness, within their own budgets)."""


def docker_name(text: str) -> str:
    """``text`` as the engine accepts it in a repository or container name: lower case, no odd characters."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")


@dataclass(frozen=True)
class ImageSummary:
    """One image as the engine's listing shows it."""

    id: str
    tags: tuple[str, ...]
    labels: Mapping[str, str]


def list_images(
    client: docker.DockerClient, name: str | None = None, label: str | None = None
) -> list[ImageSummary]:
    """Images matching ``name`` and ``label``, from the listing alone.

    The SDK's ``images.list`` inspects each listed image in turn, and fails when another audit removes one
    in between (the install images of concurrent runs come and go); the listing itself is one answer.
    """
    filters = {"label": label} if label else None
    return [
        ImageSummary(str(row["Id"]), tuple(row.get("RepoTags") or ()), dict(row.get("Labels") or {}))
        for row in client.api.images(name=name, filters=filters)
    ]


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


def digest_map(files: Mapping[str, Path | bytes], extra: str) -> str:
    """Hash of names and contents of a build's inputs plus ``extra`` (the parent image)."""
    h = hashlib.sha256(extra.encode())
    for name in sorted(files):
        h.update(name.encode() + b"\0" + _content(files[name]) + b"\0")
    return h.hexdigest()[:16]


def _content(source: Path | bytes) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


def _trust_anchors(prefix: str) -> dict[str, Path]:
    """The build host's extra CA certificates, for registries reached through a TLS-inspecting proxy.

    They go into images as ``<prefix>extra-ca-N.crt`` so their host-side names never reach a sandbox,
    next to the one script every Dockerfile runs to trust them (``<prefix>trust-extra-cas.sh``).
    """
    found = sorted(HOST_CA_DIR.rglob("*.crt")) if HOST_CA_DIR.is_dir() else []
    anchors = {f"{prefix}extra-ca-{n}.crt": path for n, path in enumerate(found, 1)}
    return anchors | {f"{prefix}trust-extra-cas.sh": IMAGES_DIR / "trust-extra-cas.sh"}


@contextlib.contextmanager
def build_context(files: Mapping[str, Path | bytes]) -> Iterator[Path]:
    """A throwaway build context holding exactly ``files`` (name in context -> file or content)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, source in files.items():
            dest = Path(tmp) / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(_content(source))
        yield Path(tmp)


def files_under(root: Path, excludes: frozenset[str] = frozenset()) -> list[Path]:
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
        output = "".join(str(chunk.get("stream", chunk.get("error", ""))) for chunk in exc.build_log)
        log.error("build of %s failed:\n%s", tag, output)
        errors = [ln.strip() for ln in output.splitlines() if ln.strip() and not ln.startswith((" ", "-"))]
        detail = " ".join(errors[-3:])[-300:]
        raise SandboxError(f"image build failed for {tag}: {detail}") from None
    except docker.errors.APIError as exc:
        raise SandboxError(f"image build failed for {tag}: {exc.explanation}") from None
    return str(image.id)


def ensure_built(client: docker.DockerClient, tag: str, context: Path, dockerfile: str) -> str:
    # the cache: an image whose tag hashes exactly these inputs is never rebuilt
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
    sources = [pkg / "__init__.py", pkg / "model.py", *files_under(pkg / "services")]
    sources += [p for p in files_under(IMAGES_DIR / "gateway") if p.suffix != ".crt"]
    inputs = {str(p.relative_to(REPO_ROOT)): p for p in sources} | _trust_anchors("sandbox_images/gateway/")
    tag = f"{LABEL}/gateway:{digest_map(inputs, base_id)}"
    with build_context(inputs) as context:
        return ensure_built(client, tag, context, "sandbox_images/gateway/Dockerfile")


def ensure_runner(client: docker.DockerClient, runtime: str) -> str:
    """The language runner image a target installs into (``node``), with the machine's PID 1
    (``sandbox_images/init/init.c``) built in."""
    base_id = ensure_base(client)
    folder = IMAGES_DIR / runtime
    if not (folder / "Dockerfile").is_file():
        raise TargetError(f"no runner image for runtime {runtime!r}")
    inputs = {str(p.relative_to(folder)): p for p in files_under(folder) if p.suffix != ".crt"}
    inputs |= _trust_anchors("") | {"init.c": IMAGES_DIR / "init" / "init.c"}
    tag = f"{LABEL}/runner-{runtime}:{digest_map(inputs, base_id)}"
    with build_context(inputs) as context:
        return ensure_built(client, tag, context, "Dockerfile")
