"""MCP client config files: Claude Desktop, Cursor and Windsurf (``mcpServers``) and VS Code
(``servers``, or ``mcp.servers`` in settings.json), mapped onto sandbox targets.

An entry with both a command and a local ``url`` is a server that, once launched, speaks
Streamable HTTP or SSE; a ``url`` alone is a remote server, which has no code to audit. The
launch commands people write (``npx -y pkg@ver``, ``uvx pkg``, ``uvx --from pkg cmd``,
``python -m pkg``, ``node path/index.js``, ``docker run -i --rm image``) become npm, PyPI,
local or image targets. Env values that look like secrets become canary credentials unless
the user pins them. One broken entry never stops the others: each entry resolves to a
target or to the error that explains why it cannot be audited.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import TargetError
from harness.model import TargetSpec
from harness.targets.packages import label, package_target
from harness.targets.transport import from_url

_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.I)
_SECRET_VALUE = re.compile(
    r"^(sk-|ghp_|gho_|github_pat_|xox[abp]-|AKIA|glpat-|npm_)|^[A-Za-z0-9_\-+/=]{32,}$"
)
_DOCKER_VALUED = {
    "-e", "--env", "-v", "--volume", "--name", "-p", "--publish", "--network", "-w", "--workdir",
    "-u", "--user", "--env-file", "--entrypoint", "--mount", "-l", "--label",
}  # fmt: skip


def looks_secret(name: str, value: str) -> bool:
    return bool(_SECRET_NAME.search(name) or _SECRET_VALUE.search(value))


def _servers(data: Any) -> Mapping[str, Any]:
    if isinstance(data, dict):
        for found in (data.get("mcpServers"), data.get("servers"), (data.get("mcp") or {}).get("servers")):
            if isinstance(found, dict) and found:
                return found
    raise TargetError("config names no servers (expected mcpServers, servers or mcp.servers)")


def read_config(path: Path) -> Mapping[str, Any]:
    """The server entries of a config file; a file that is no JSON or names no server is a TargetError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TargetError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        data = json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M))  # VS Code allows line comments
    except json.JSONDecodeError as exc:
        raise TargetError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    return _servers(data)


def _npx(args: list[str]) -> tuple[str, list[str]]:
    rest = [a for a in args if a not in ("-y", "--yes", "-q", "--quiet")]
    if not rest:
        raise TargetError("npx without a package")
    return f"npm:{rest[0]}", rest[1:]


def _uvx(args: list[str]) -> tuple[str, list[str]]:
    if args[:1] == ["--from"] and len(args) >= 3:
        package, rest = args[1], args[3:]
    elif args:
        package, rest = args[0], args[1:]
    else:
        raise TargetError("uvx without a package")
    name, _, version = package.partition("@")
    name, _, pinned = name.partition("==")
    version = version or pinned
    return f"pypi:{name}" + (f"=={version}" if version else ""), rest


def _docker(args: list[str]) -> tuple[str, list[str], dict[str, str]]:
    env: dict[str, str] = {}
    rest = args[1:] if args[:1] == ["run"] else args
    index = 0
    while index < len(rest) and rest[index].startswith("-"):
        option = rest[index]
        if option in _DOCKER_VALUED:
            if option in ("-e", "--env") and index + 1 < len(rest):
                name, _, value = rest[index + 1].partition("=")
                env[name] = value
            index += 2
        else:
            index += 1
    if index >= len(rest):
        raise TargetError("docker run without an image")
    return f"docker:{rest[index]}", rest[index + 1 :], env


def _map_command(command: str, args: list[str], base: Path) -> tuple[str, list[str], dict[str, str]]:
    """(target spec, server args, env from the command line) for one launch command."""
    program = Path(command).name
    if program in ("npx", "npx.cmd"):
        return (*_npx(args), {})
    if program == "uvx":
        return (*_uvx(args), {})
    if program.startswith("python") and args[:1] == ["-m"] and len(args) >= 2:
        return f"pypi:{args[1].replace('_', '-')}", args[2:], {}
    if program == "docker":
        return _docker(args)
    if program == "node" and args:
        return f"node:{(base / args[0]).resolve()}", args[1:], {}
    raise TargetError(f"cannot map the launch command {command!r} onto a sandbox run")


def _node_script(script: Path, args: list[str]) -> TargetSpec:
    """``node some/dir/index.js``: the project is the nearest folder above holding a package.json."""
    if not script.is_file():
        raise TargetError(f"node script not found: {script}")
    near = list(script.parents)[:3]  # dist/index.js or build/src/index.js, never a far-off home folder
    root = next((d for d in near if (d / "package.json").is_file()), script.parent)
    return TargetSpec(
        name=label(root.name),
        source_dir=str(root),
        runtime="node",
        command=("node", str(script.relative_to(root))),
        kind="path",
        args=tuple(args),
    )


def config_target(name: str, entry: Any, base: Path, pinned: Mapping[str, str]) -> TargetSpec:
    """One config entry as a target; raises TargetError saying why it cannot be audited."""
    if not isinstance(entry, dict):
        raise TargetError(f"server {name!r}: entry is not an object")
    command, url, kind = entry.get("command"), entry.get("url"), entry.get("type")
    if url is not None and not isinstance(url, str):
        raise TargetError(f"server {name!r}: url is not a string")
    if not isinstance(command, str) or not command:
        if url:
            raise TargetError(f"server {name!r}: {url} is a remote server with nothing to run in the sandbox")
        raise TargetError(f"server {name!r}: no command")
    args = [str(a) for a in entry.get("args") or []]
    try:
        spec, server_args, cli_env = _map_command(command, args, base)
        target = (
            _node_script(Path(spec[5:]), server_args)
            if spec.startswith("node:")
            else package_target(spec, server_args)
        )
        if url:  # launched here, then reached over HTTP on the sandbox's loopback
            target = from_url(target, kind if kind in ("http", "sse", "streamable-http") else None, url)
    except TargetError as exc:
        raise TargetError(f"server {name!r}: {exc}") from None
    declared = {**cli_env, **{str(k): str(v) for k, v in (entry.get("env") or {}).items()}}
    env = {k: ("${secret}" if looks_secret(k, v) else v) for k, v in declared.items()} | dict(pinned)
    return dataclasses.replace(target, name=label(name, target.name), env=tuple(env.items()))
