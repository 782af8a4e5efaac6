"""Command line: ``mcp-harness audit TARGET``, ``compare OLD NEW``, ``approve RUN_DIR``, ``images``,
``clean``.

Exit codes: 0 clean (or open findings only below ``--fail-on``, default medium; approved findings
never count), 1 an open finding at or above ``--fail-on``, 2 the audit could not be completed (bad
input, broken server, too little exercised, or a harness failure; the reason is printed and, once a
run directory exists, written to its report). Results go to stdout (``--format json`` for machines),
progress and errors to stderr; a single target and a ``--config`` file print the same shape.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import anyio

from harness.compare import Comparison, compare_configs, comparison, config_reports, load_report
from harness.driver.options import DriveOptions
from harness.errors import HarnessError, TargetError
from harness.kube.settings import KubeSettings
from harness.model import AuditResult, AuditStatus, Severity, TargetSpec
from harness.nightly.connectors import read_connectors
from harness.nightly.runner import default_jobs, run_nightly
from harness.pipeline import AuditOptions, audit, failed_result, new_run_dir, write_report
from harness.policy import Policy, dump_policy, load_policy, merged, policy_from_report
from harness.progress import progress
from harness.report.drift import drift_json, drift_text
from harness.report.index import IndexEntry, write_index
from harness.report.inert import InertFormatter, inert, quoted
from harness.report.junit import write_junit_suites
from harness.report.nightly import ordered, write_nightly
from harness.report.sarif import Located, sarif_run, write_sarif, write_sarif_runs
from harness.report.summary import Audited, summary_json, summary_text
from harness.sandbox.docker_sandbox import docker_client, remove_strays
from harness.sandbox.images import ensure_gateway, ensure_runner
from harness.targets import parse_target
from harness.targets.config import config_target, read_config
from harness.targets.transport import TRANSPORTS, with_transport
from harness.version import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcp-harness", description="Sandboxed dynamic analysis of MCP servers."
    )
    parser.add_argument("--version", action="version", version=f"mcp-harness {__version__}")
    _loudness(parser, 0, False)
    common = argparse.ArgumentParser(add_help=False)
    _loudness(common, argparse.SUPPRESS, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "audit",
        parents=[common],
        help="audit one server; exit 0 clean, 1 findings at --fail-on or above, 2 could not audit",
    )
    run.add_argument(
        "target",
        nargs="?",
        help="npm:NAME[@VERSION], pypi:NAME[==VERSION], docker:IMAGE, or [path:]DIR (a Node or Python"
        " project, or a scenario.toml)",
    )
    run.add_argument("--config", type=Path, help="audit the servers of an mcpServers / VS Code config file")
    run.add_argument("--server", help="with --config: audit only this server")
    run.add_argument("--arg", action="append", default=[], help="argument passed to the server (repeatable)")
    run.add_argument(
        "--env", action="append", default=[], metavar="K=V", help="pinned server env (repeatable)"
    )
    run.add_argument(
        "--expect-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a service host the server may reach",
    )
    run.add_argument(
        "--transport",
        choices=TRANSPORTS,
        help="how the server speaks MCP: stdio (default), or http (Streamable HTTP) / sse on --port",
    )
    run.add_argument("--port", type=int, help="with http/sse: the port the server listens on in the sandbox")
    run.add_argument("--endpoint", help="with http/sse: the MCP URL path (default /mcp, or /sse)")
    run.add_argument("--out", type=Path, help="write the run here instead of reports/<target>-<time>/")
    run.add_argument("--reports", type=Path, default=Path("reports"), help="parent of run directories")
    run.add_argument(
        "--linger",
        type=float,
        default=3.0,
        help="seconds to watch after the last call (more while work is pending)",
    )
    run.add_argument("--init-timeout", type=float, default=90.0, help="seconds to wait for initialize")
    run.add_argument("--call-timeout", type=float, default=30.0, help="seconds to wait for each call")
    run.add_argument(
        "--rounds",
        type=int,
        default=6,
        help="calls per tool over all launches (past 2 only if cheap)",
    )
    run.add_argument(
        "--launches",
        type=_at_least_one,
        default=2,
        help="starts of a stdio server with the same home, each as another client (1: no restart)",
    )
    run.add_argument(
        "--tools-called",
        type=_at_least_one,
        default=DriveOptions.tools_called,
        help="tools called at most: of a server listing more, a random sample (the rest listed and judged)",
    )
    run.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity if s is not Severity.INFO],
        default=Severity.MEDIUM.value,
        help="lowest finding severity that makes the audit fail with exit 1 (default: medium; low"
        " heuristics such as a later update check are then reported but pass)",
    )
    run.add_argument("--policy", type=Path, help="approvals (from mcp-harness approve): shown, not counted")
    _backend(run)
    _format(run)
    diff = sub.add_parser(
        "compare",
        parents=[common],
        help="behaviour drift between two audits of a connector; exit 0 none, 1 drift, 2 bad input",
    )
    diff.add_argument("baseline", type=Path, help="the approved run (its directory or report.json)")
    diff.add_argument("candidate", type=Path, help="the run to check against it")
    diff.add_argument("--policy", type=Path, help="approvals: approved drift is shown and does not count")
    _format(diff)
    diff.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    night = sub.add_parser(
        "nightly",
        parents=[common],
        help="audit every connector of a file in parallel and compare each with its approved run;"
        " exit 0 no drift, 1 drift, 2 some could not be audited",
    )
    night.add_argument(
        "connectors", type=Path, help="connectors.toml, or an mcpServers / VS Code config file"
    )
    night.add_argument("--baselines", type=Path, help="folder of approved runs, one per connector name")
    night.add_argument(
        "--jobs", type=int, default=default_jobs(), help="audits at a time (default: %(default)s)"
    )
    night.add_argument("--out", type=Path, help="write the night here instead of reports/nightly-<time>/")
    night.add_argument("--timeout", type=float, default=1800.0, help="seconds one audit may take")
    _backend(night)
    night.epilog = "Options after -- are passed to every audit, e.g. -- --linger 2 --rounds 3."
    approve = sub.add_parser(
        "approve", parents=[common], help="write the behaviour of an accepted run as a policy file"
    )
    approve.add_argument(
        "run_dir", type=Path, help="the accepted run (a run directory or --config run directory)"
    )
    approve.add_argument("--by", default=None, help="who approves (default: the current user)")
    approve.add_argument("--reason", default=None, help="why (default: names the run)")
    approve.add_argument(
        "-o", "--output", type=Path, default=Path("mcp-policy.toml"), help="policy file to write or extend"
    )
    sub.add_parser(
        "images", parents=[common], help="build the sandbox images (offline-capable) if their inputs changed"
    )
    sub.add_parser("clean", parents=[common], help="remove containers left behind by killed runs")
    return parser


def _loudness(parser: argparse.ArgumentParser, verbose_default: object, quiet_default: object) -> None:
    """``-v`` (repeat for debug logs) and ``-q``, accepted before or after the command."""
    parser.add_argument(
        "-v", "--verbose", action="count", default=verbose_default, help="log more to stderr (-vv: debug)"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=quiet_default, help="no progress; only the verdict"
    )


def _backend(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where the sandbox runs")
    group.add_argument(
        "--backend",
        choices=("docker", "kubernetes"),
        default="docker",
        help="docker (default): the local engine; kubernetes: a Job per audit on the KUBECONFIG cluster",
    )
    group.add_argument("--registry", help="kubernetes: registry/prefix the sandbox images are pushed to")
    group.add_argument("--namespace", default="default", help="kubernetes: namespace of the audit Jobs")
    group.add_argument("--kube-context", help="kubernetes: kubeconfig context (default: its current one)")
    group.add_argument("--pull-secret", help="kubernetes: image pull secret for a private --registry")


def _cluster(args: argparse.Namespace) -> KubeSettings | None:
    """The cluster settings ``--backend kubernetes`` names; a TargetError for what is missing or stray."""
    if args.backend != "kubernetes":
        stray = [
            f"--{n}"
            for n in ("registry", "kube-context", "pull-secret")
            if getattr(args, n.replace("-", "_"))
        ]
        if stray:
            raise TargetError(
                f"{', '.join(stray)} {'is' if len(stray) == 1 else 'are'} only for --backend kubernetes"
            )
        return None
    if not args.registry:
        raise TargetError(
            "--backend kubernetes needs --registry REGISTRY[/PREFIX]: the sandbox images are pushed there"
            " and the cluster pulls them from it"
        )
    return KubeSettings(args.registry, args.namespace, args.kube_context, args.pull_secret)


def _backend_args(args: argparse.Namespace) -> list[str]:
    """The cluster backend's options again, for each audit a nightly run starts."""
    out = ["--backend", "kubernetes", "--registry", args.registry, "--namespace", args.namespace]
    out += ["--kube-context", args.kube_context] if args.kube_context else []
    return out + (["--pull-secret", args.pull_secret] if args.pull_secret else [])


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"needs 1 or more, got {number}")
    return number


def _format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="what stdout carries (json: for machines)"
    )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _with_overrides(target: TargetSpec, args: argparse.Namespace) -> TargetSpec:
    """Apply --arg, --env, --expect-host and the transport options; a pinned env value is passed as
    given, never replaced."""
    pinned: dict[str, str] = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise TargetError(f"--env needs NAME=VALUE, got {item!r}")
        pinned[name] = value
    env = tuple((k, v) for k, v in target.env if k not in pinned) + tuple(pinned.items())
    hosts = target.expected_hosts + tuple(h.lower() for h in args.expect_host)
    target = dataclasses.replace(target, env=env, args=target.args + tuple(args.arg), expected_hosts=hosts)
    transport = args.transport or target.transport
    port = args.port if args.port is not None else target.port
    endpoint = args.endpoint or (target.endpoint if transport == target.transport else None)
    return with_transport(target, transport, port, endpoint)


def _options(args: argparse.Namespace, policy: Policy | None) -> AuditOptions:
    drive = DriveOptions(
        init_timeout=args.init_timeout,
        call_timeout=args.call_timeout,
        rounds=args.rounds,
        linger=args.linger,
        launches=args.launches,
        tools_called=args.tools_called,
    )
    return AuditOptions(drive, fail_on=Severity(args.fail_on), policy=policy, kubernetes=_cluster(args))


def _run_one(target: TargetSpec, run_dir: Path, options: AuditOptions, quiet: bool) -> AuditResult:
    """Audit into ``run_dir``; a harness failure or an interruption still leaves a report saying so."""
    started = time.time()
    try:
        with progress(target.name, quiet) as observe:
            return anyio.run(audit, target, run_dir, dataclasses.replace(options, observe=observe))
    except HarnessError as exc:
        write_report(failed_result(target.name, AuditStatus.INFRA_ERROR, str(exc), started), run_dir)
        raise
    except KeyboardInterrupt:
        reason = "interrupted before the audit finished"
        write_report(failed_result(target.name, AuditStatus.INFRA_ERROR, reason, started), run_dir)
        raise


def _print_audits(args: argparse.Namespace, items: list[Audited], index: Path | None = None) -> int:
    if args.format == "json":
        print(json.dumps(summary_json(items, index), indent=2))
    else:
        print(summary_text(items, args.quiet, index))
    return max((i.exit_code for i in items), default=0)  # 2 (could not audit) beats 1 (findings) beats 0


def _audit(args: argparse.Namespace) -> int:
    _cluster(args)  # a backend option missing or stray is said before the target is looked at
    policy = load_policy(args.policy) if args.policy else None
    if args.config is not None:
        return _audit_config(args, policy)
    if not args.target:
        raise TargetError("name a target (npm:, pypi:, docker:, path:) or --config FILE")
    target = _with_overrides(parse_target(args.target), args)
    _warn_unknown_connector(policy, [target.name])
    if args.out:
        if args.out.exists() and any(args.out.iterdir()):
            raise TargetError(f"--out {args.out} is not empty; name a new directory")
        args.out.mkdir(parents=True, exist_ok=True)
        run_dir = args.out
    else:
        run_dir = new_run_dir(args.reports, target)
    result = _run_one(target, run_dir, _options(args, policy), args.quiet)
    write_sarif(result, run_dir / "report.sarif", _located(target, run_dir))
    return _print_audits(args, [Audited(target.name, result, run_dir)])


def _in_checkout(path: Path) -> str | None:
    """``path`` relative to the working directory (a CI checkout), or None when it lies outside."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return None


def _located(target: TargetSpec, run_dir: Path) -> Located:
    """SARIF locations a code-scanning UI can open: the project's manifest when it is in the checkout,
    and the run's event log by its path from the checkout."""
    events = _in_checkout(run_dir / "events.jsonl") or "events.jsonl"
    if target.kind not in ("scenario", "path") or not target.source_dir:
        return Located(events=events)
    manifests = ("scenario.toml", "package.json", "pyproject.toml", "setup.py")
    found = [Path(target.source_dir) / m for m in manifests if (Path(target.source_dir) / m).is_file()]
    return Located(_in_checkout(found[0]) if found else None, 1, events)


def _warn_unknown_connector(policy: Policy | None, names: list[str]) -> None:
    if policy is not None and not policy.connectors() & set(names):
        known = ", ".join(sorted(policy.connectors())) or "none"
        print(
            f"mcp-harness: warning: the policy approves nothing for {', '.join(names)} (it has: {known})",
            file=sys.stderr,
        )


def _audit_config(args: argparse.Namespace, policy: Policy | None) -> int:
    """Audit every server of a config file (or the one named); one failing never stops the others.

    Beside ``index.html`` go one SARIF log (a run per server) and one JUnit file (a suite per server).
    """
    entries = read_config(args.config)
    if args.server is not None:
        if args.server not in entries:
            raise TargetError(f"{args.config} has no server {args.server!r} (it has: {', '.join(entries)})")
        entries = {args.server: entries[args.server]}
    out = args.out or args.reports / f"{args.config.stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    pinned = dict(item.partition("=")[::2] for item in args.env)
    items = [_config_server(name, entry, args, out, pinned, policy) for name, entry in entries.items()]
    _warn_unknown_connector(policy, [i.result.target for i in items if i.result])
    index = [_index_entry(item, out) for item in items]
    write_index(index, out, str(args.config))
    results = [i.result for i in items if i.result is not None]
    text = args.config.read_text(encoding="utf-8", errors="replace").splitlines()
    config_uri = _in_checkout(args.config) or str(args.config)
    runs = [
        sarif_run(i.result, Located(config_uri, _line_of(text, i.name), _run_events(i.run_dir, out)))
        for i in items
        if i.result is not None and i.run_dir is not None
    ]
    write_sarif_runs(runs, out / "report.sarif")
    write_junit_suites(results, out / "report.junit.xml")
    return _print_audits(args, items, out / "index.html")


def _run_events(run_dir: Path, out: Path) -> str:
    return _in_checkout(run_dir / "events.jsonl") or f"{run_dir.relative_to(out).as_posix()}/events.jsonl"


def _line_of(lines: list[str], server: str) -> int:
    """The config line that names ``server`` (1 when none does): where code scanning shows its results."""
    key = json.dumps(server)
    return next((n for n, line in enumerate(lines, 1) if key in line), 1)


def _config_server(
    name: str,
    entry: object,
    args: argparse.Namespace,
    out: Path,
    pinned: dict[str, str],
    policy: Policy | None,
) -> Audited:
    try:
        target = config_target(name, entry, args.config.parent, pinned)
        run_dir = out / target.name
        run_dir.mkdir(parents=True, exist_ok=True)
        return Audited(name, _run_one(target, run_dir, _options(args, policy), args.quiet), run_dir)
    except HarnessError as exc:
        return Audited(name, None, None, str(exc))


def _index_entry(item: Audited, out: Path) -> IndexEntry:
    result = item.result
    if result is None or item.run_dir is None:
        return IndexEntry(item.name, 2, "could not audit", item.error, None)
    open_ = len(result.open_findings)
    approved = len(result.findings) - open_
    below = f"clean ({open_} findings below {result.fail_on})" if open_ else "clean"
    verdict = {0: below, 1: f"{open_} findings"}.get(result.exit_code, "could not audit")
    if approved:
        verdict += f" ({approved} approved)"
    if result.exit_code == 2 and result.status is AuditStatus.INCOMPLETE:
        verdict = "incomplete"
    report = f"{item.run_dir.relative_to(out)}/report.html"
    return IndexEntry(item.name, result.exit_code, verdict, result.reason, report, len(result.findings))


def _print_comparison(args: argparse.Namespace, found: dict[str, Comparison]) -> int:
    data = drift_json(found)
    print(json.dumps(data, indent=2) if args.format == "json" else drift_text(found))
    return int(data["exit_code"])


def _compare(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy) if args.policy else None
    old_servers, new_servers = config_reports(args.baseline), config_reports(args.candidate)
    if (old_servers is None) != (new_servers is None):
        raise TargetError("compare two single runs or two --config run directories, not one of each")
    if old_servers is not None and new_servers is not None:
        return _print_comparison(args, compare_configs(old_servers, new_servers, policy))
    baseline, candidate = load_report(args.baseline), load_report(args.candidate)
    found = comparison(baseline, candidate, policy)
    return _print_comparison(args, {found.candidate: found})


def _approve(args: argparse.Namespace) -> int:
    servers = config_reports(args.run_dir)
    reports = list(servers.values()) if servers is not None else [load_report(args.run_dir)]
    by = args.by or getpass.getuser()
    reason = args.reason or f"accepted from run {args.run_dir.resolve().name}"
    policy = Policy()
    for report in reports:
        if report.get("status") != "completed":
            print(
                f"mcp-harness: warning: {inert(report.get('target'), limit=120)} did not complete"
                f" ({report.get('status')}): only what it got to is approved",
                file=sys.stderr,
            )
        policy = merged(policy, policy_from_report(report, by, reason))
    existing = load_policy(args.output) if args.output.exists() else Policy()
    combined = merged(existing, policy)
    args.output.write_text(dump_policy(combined), encoding="utf-8")
    added = len(combined.rules) - len(existing.rules)
    if not args.quiet:
        print(
            f"approved {added} new behaviour{'s' if added != 1 else ''} of "
            f"{', '.join(inert(r.get('target'), limit=120) for r in reports)} into {args.output}"
        )
    return 0


def _nightly(args: argparse.Namespace) -> int:
    connectors = read_connectors(args.connectors, args.baselines)
    backend: list[str] = []
    if (cluster := _cluster(args)) is not None:
        from harness.kube.cluster import api_client  # the client is imported only for cluster runs

        api_client(cluster.context)  # one clear error before any audit starts
        backend = _backend_args(args)
    out = args.out or Path("reports") / f"nightly-{time.strftime('%Y%m%d-%H%M%S')}"
    if out.exists() and any(out.iterdir()):
        raise TargetError(f"--out {out} is not empty; name a new directory")
    client = docker_client()  # build shared images once, before the audits race to
    for image in (ensure_gateway(client), ensure_runner(client, "node"), ensure_runner(client, "python")):
        logging.getLogger(__name__).info("image ready: %s", image)
    started = time.monotonic()
    jobs = max(1, args.jobs)
    print(f"nightly: {len(connectors)} connectors, {jobs} at a time", flush=True)
    entries = run_nightly(
        connectors,
        out,
        jobs,
        backend + args.audit_options,
        args.timeout,
        lambda name, state: print(f"  {name}: {state}", flush=True),
    )
    write_nightly(entries, out, str(args.connectors), time.monotonic() - started, jobs)
    for entry in ordered(entries):
        if entry.state != "no drift":
            print(f"{entry.state.upper()}: {entry.name}")
            if entry.reason and not entry.drift:
                print(quoted(entry.reason))
            print("".join(quoted(d) + "\n" for d in entry.drift), end="")
    print(f"index: {out / 'nightly.html'}")
    return max((e.exit_code for e in entries), default=0)


def _images() -> int:
    client = docker_client()
    print(ensure_gateway(client))
    print(ensure_runner(client, "node"))
    print(ensure_runner(client, "python"))
    return 0


def _clean() -> int:
    removed = remove_strays(docker_client())
    print(f"removed {len(removed)} container(s)" + (": " + ", ".join(removed) if removed else ""))
    return 0


def _arg_values_joined(argv: list[str]) -> list[str]:
    """``--arg VALUE`` as ``--arg=VALUE``: a server's own options start with a dash (``--arg --db-path``,
    ``--arg --api-key=...``), which argparse would otherwise take for an option of ours."""
    joined: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        value = next(tokens, None) if token == "--arg" else None
        joined.append(token if value is None else f"--arg={value}")
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    argv = _arg_values_joined(list(sys.argv[1:] if argv is None else argv))
    passthrough = argv[argv.index("--") + 1 :] if "--" in argv else []
    parser = _parser()
    args = parser.parse_args(argv[: len(argv) - len(passthrough) - (1 if "--" in argv else 0)])
    if passthrough and args.command != "nightly":
        parser.error("options after -- are only for nightly")
    args.audit_options = passthrough
    level = logging.DEBUG if args.verbose > 1 else logging.INFO if args.verbose else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(InertFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.ERROR if args.quiet else level, handlers=[handler])
    signal.signal(signal.SIGTERM, _raise_interrupt)
    commands = {"audit": _audit, "compare": _compare, "approve": _approve, "nightly": _nightly}
    try:
        if args.command in commands:
            return commands[args.command](args)
        return _images() if args.command == "images" else _clean()
    except HarnessError as exc:
        print(f"mcp-harness: error: {inert(exc, limit=1000)}", file=sys.stderr)
        if getattr(args, "format", "text") == "json":  # a pipe into jq still gets a document
            print(json.dumps({"mcp_harness": __version__, "exit_code": 2, "error": str(exc)}, indent=2))
        return 2
    except KeyboardInterrupt:
        print("mcp-harness: interrupted; sandbox removed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
