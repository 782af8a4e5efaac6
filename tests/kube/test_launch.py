"""A run's inputs turned into what the cluster gets: names it accepts, and a seed that fits one Secret."""

from __future__ import annotations

import io
import tarfile

import pytest

from harness.errors import SandboxError
from harness.kube.launch import SECRET_LIMIT, kube_name, seed_files
from harness.sandbox.bait import Bait


def _inputs(tmp_path, dotenv: bytes | None = None, home_bytes: int = 10):
    data = tmp_path / "gateway"
    data.mkdir()
    for name in ("ca.pem", "ca.key", "config.json"):
        (data / name).write_bytes(name.encode())
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh/id_rsa").write_bytes(b"k" * home_bytes)
    env = None
    if dotenv is not None:
        env = tmp_path / "dotenv"
        env.write_bytes(dotenv)
    return data, Bait(home, env)


def test_the_seed_holds_the_runs_private_files_and_a_home_owned_by_the_server_user(tmp_path):
    data, bait = _inputs(tmp_path, dotenv=b"API_KEY=canary")
    seed = seed_files(data, b"BUNDLE", bait)
    assert sorted(seed) == ["ca-bundle.pem", "ca.key", "ca.pem", "config.json", "dotenv", "home.tgz"]
    assert seed["ca.key"] == b"ca.key" and seed["dotenv"] == b"API_KEY=canary"
    with tarfile.open(fileobj=io.BytesIO(seed["home.tgz"])) as archive:
        members = {m.name: m for m in archive}
    assert members["./.ssh/id_rsa"].uid == members["./.ssh/id_rsa"].gid == 1000
    assert "dotenv" not in seed_files(tmp_path / "gateway", b"B", Bait(bait.home, None))


def test_a_seed_larger_than_one_secret_is_refused_with_its_size(tmp_path):
    data, bait = _inputs(tmp_path)
    with pytest.raises(SandboxError, match="does not fit in one Secret"):
        seed_files(data, b"B" * SECRET_LIMIT, bait)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Fetch_URL.v2-20261201-120000-ab12-c0ffee", "fetch-url-v2-20261201-120000-ab12-c0ffee"),
        ("-" * 10 + "x" * 60, "x" * 40),
        ("___", "run"),
    ],
)
def test_run_names_become_dns_labels_the_api_accepts(text, name):
    assert kube_name(text) == name
