"""Bait credentials planted where thieves look, each carrying its own canary token, in a home
that reads like the run's persona's (:mod:`harness.sandbox.persona`).

The bait is written to a run-directory folder, then copied into the server's home (a tmpfs
in the sandbox, see :mod:`harness.sandbox.docker_sandbox`): an SSH key, AWS credentials, an
npm token and a GitHub CLI token, and what makes a home lived in: shell history, git
identity, a few project folders, caches. A ``.env`` goes into the app directory when the
app ships none. After the run the home comes back into the same folder, and
:func:`changed_files` diffs it against what was planted, which is how writes (shell
start-up files, autostart entries, queued data in ``~/.cache``) become evidence. Nothing
in it names the harness.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.canary import CanaryFactory
from harness.model import FileWritten
from harness.sandbox.persona import Persona, new_persona

_HEAD_BYTES = 512


@dataclass
class Bait:
    home: Path
    """Host folder planted into the server's home, and where the home comes back to."""
    dotenv: Path | None
    """Host file placed as ``.env`` in the app directory (None when the app has its own)."""
    credentials: dict[str, str] = field(default_factory=dict)
    """Canary token -> where it was planted (``~/.ssh/id_rsa``, ``.env``, ...)."""
    baseline: dict[str, str] = field(default_factory=dict)
    """Relative path -> sha256 of what was planted."""


def _pem_body(token: str) -> str:
    blob = base64.b64encode(secrets.token_bytes(1200)).decode()
    middle = len(blob) // 2
    blob = blob[:middle] + token + blob[middle + len(token) :]
    return "\n".join(textwrap.wrap(blob, 70))


_PROJECTS = ("billing-api", "dashboard", "infra", "mobile-app", "data-pipeline", "website", "dotfiles")
_HISTORY = (
    "git status",
    "git pull --rebase",
    "npm install",
    "npm run dev",
    "npm test",
    "docker compose up -d",
    "ls -la",
    "code .",
    "python3 -m venv .venv && source .venv/bin/activate",
    "pip install -r requirements.txt",
    "kubectl get pods -n staging",
    "aws s3 ls",
    "ssh deploy@staging",
    "gh pr checkout {n}",
    "git log --oneline | head",
    "make build",
    "htop",
)


def _lived_in(persona: Persona) -> dict[str, str]:
    """What makes a home look used: history, git identity, project folders, caches."""
    rng = secrets.SystemRandom()
    projects = rng.sample(_PROJECTS, 3)
    history = [
        rng.choice(_HISTORY).format(n=rng.randint(100, 2400))
        if rng.random() < 0.7
        else f"cd ~/code/{rng.choice(projects)}"
        for _ in range(rng.randint(60, 140))
    ]
    email = f"{persona.user}@users.noreply.github.com"
    files = {
        ".bash_history": "\n".join(history) + "\n",
        ".gitconfig": f"[user]\n\tname = {persona.full_name or persona.user}\n\temail = {email}\n"
        "[init]\n\tdefaultBranch = main\n[pull]\n\trebase = true\n",
        ".bashrc": "# ~/.bashrc: executed by bash(1) for non-login shells.\n"
        "[ -z \"$PS1\" ] && return\nHISTSIZE=5000\nalias ll='ls -alF'\n"
        'export PATH="$HOME/.local/bin:$PATH"\n',
        ".profile": 'if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n',
        ".cache/.keep": "",
        ".config/Code/User/settings.json": '{\n  "editor.fontSize": 14,\n'
        '  "files.autoSave": "afterDelay"\n}\n',
    }
    for name in projects:
        files[f"code/{name}/README.md"] = f"# {name}\n\nInternal project. See docs/ for setup.\n"
        files[f"code/{name}/.git/HEAD"] = "ref: refs/heads/main\n"
        files[f"code/{name}/.git/config"] = (
            "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
            f'[remote "origin"]\n\turl = git@github.com:{persona.user}/{name}.git\n'
            "\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
        )
    return files


def _files(mint: Callable[[str], str], persona: Persona) -> dict[str, str]:
    """Relative path -> content; ``mint(label)`` returns a fresh token registered under that label."""
    user = persona.user
    aws_key = "AKIA" + mint("~/.aws/credentials").upper() + secrets.token_hex(2).upper()
    return {
        ".ssh/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + _pem_body(mint("~/.ssh/id_rsa"))
        + "\n-----END OPENSSH PRIVATE KEY-----\n",
        ".aws/credentials": f"[default]\naws_access_key_id = {aws_key}\n"
        f"aws_secret_access_key = {secrets.token_urlsafe(21)}{mint('~/.aws/credentials')}\n"
        "region = eu-west-1\n",
        ".npmrc": f"//npm.pkg.github.com/:_authToken=ghp_{mint('~/.npmrc')}{secrets.token_hex(12)}\n",
        ".config/gh/hosts.yml": f"github.com:\n    oauth_token: gho_{mint('~/.config/gh/hosts.yml')}"
        f"{secrets.token_hex(12)}\n    user: {user}\n    git_protocol: https\n",
    } | _lived_in(persona)


def _make_private(path: Path) -> None:
    """Private to whoever runs the harness; the copy into the sandbox gives it to the sandbox user."""
    path.chmod(0o700 if path.is_dir() else 0o600)


def plant_bait(
    run_dir: Path, canaries: CanaryFactory, app_has_dotenv: bool, persona: Persona | None = None
) -> Bait:
    """Create the home folder and .env for one run and remember every token planted."""
    persona = persona or new_persona()
    bait = Bait(home=run_dir / "home", dotenv=None if app_has_dotenv else run_dir / "dotenv")

    def mint(label: str) -> str:
        before = len(canaries.tokens)
        canaries.secret()
        token = canaries.tokens[before]
        bait.credentials[token] = label
        return token

    bait.home.mkdir()
    _make_private(bait.home)
    for relative, content in _files(mint, persona).items():
        path = bait.home / relative
        for parent in reversed(path.relative_to(bait.home).parents[:-1]):
            (bait.home / parent).mkdir(exist_ok=True)
            _make_private(bait.home / parent)
        path.write_text(content)
        _make_private(path)
        bait.baseline[relative] = hashlib.sha256(content.encode()).hexdigest()
    if bait.dotenv is not None:
        bait.dotenv.write_text(
            f"DATABASE_URL=postgres://app:{mint('.env')}@db.internal:5432/app\n"
            f"STRIPE_SECRET_KEY=sk_live_{mint('.env')}{secrets.token_hex(8)}\n"
        )
        bait.dotenv.chmod(0o644)
    return bait


def changed_files(bait: Bait, home_in_sandbox: str) -> list[FileWritten]:
    """Every file in the home that the server created or changed (symlinks are not followed); each
    file is read in chunks and only its head kept, whatever its size."""
    written = []
    for path in sorted(bait.home.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = str(path.relative_to(bait.home))
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            head = stream.read(_HEAD_BYTES)
            digest.update(head)
            for chunk in iter(lambda: stream.read(1 << 16), b""):
                digest.update(chunk)
        if bait.baseline.get(relative) == digest.hexdigest():
            continue
        stat = path.lstat()
        written.append(FileWritten(stat.st_mtime, f"{home_in_sandbox}/{relative}", stat.st_size, head))
    return written
