"""Command line: ``mcp-harness audit TARGET``, ``mcp-harness compare OLD NEW``, ``mcp-harness images``,
``mcp-harness clean``.

Exit codes: 0 clean (or findings only below ``--fail-on``, default medium), 1 a
finding at or above ``--fail-on``, 2 the audit could not be completed (bad
input, broken server, too little exercised, or a harness failure; the reason
is printed and, once a run directory exists, written to its report).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import anyio

from harness.compare import compare, load_report
from harness.driver.session import DriveOptions
from harness.errors import HarnessError, TargetError
from harness.model import AuditResult, AuditStatus, Severity, TargetSpec
from harness.nightly.connectors import read_connectors
from harness.nightly.runner import default_jobs, run_nightly
from harness.pipeline import AuditOptions, audit, failed_result, new_run_dir, write_report
from harness.report.index import IndexEntry, write_index
from harness.report.inert import InertFormatter, inert, quoted
from harness.report.nightly import ordered, write_nightly
from harness.sandbox.docker_sandbox import docker_client, remove_strays
from harness.sandbox.images import ensure_gateway, ensure_runner
from harness.targets import parse_target
from harness.targets.config import config_target, read_config
from harness.targets.transport import TRANSPORTS, with_transport


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcp-harness", description="Sandboxed dynamic analysis of MCP servers."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "audit", help="audit one server; exit 0 clean, 1 findings at --fail-on or above, 2 could not audit"
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
    run.add_argument("--linger", type=float, default=5.0, help="seconds to watch after the last call")
    run.add_argument("--init-timeout", type=float, default=90.0, help="seconds to wait for initialize")
    run.add_argument("--call-timeout", type=float, default=30.0, help="seconds to wait for each call")
    run.add_argument("--rounds", type=int, default=2, help="calls per tool, each with fresh canaries")
    run.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity if s is not Severity.INFO],
        default=Severity.MEDIUM.value,
        help="lowest finding severity that makes the audit fail with exit 1 (default: medium; low"
        " heuristics such as a later update check are then reported but pass)",
    )
    diff = sub.add_parser(
        "compare", help="behaviour drift between two audits of a connector; exit 0 none, 1 drift, 2 bad input"
    )
    diff.add_argument("baseline", type=Path, help="the approved run (its directory or report.json)")
    diff.add_argument("candidate", type=Path, help="the run to check against it")
    night = sub.add_parser(
        "nightly",
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
    night.epilog = "Options after -- are passed to every audit, e.g. -- --linger 2 --rounds 3."
    sub.add_parser("images", help="build the sandbox images (offline-capable) if their inputs changed")
    sub.add_parser("clean", help="remove containers left behind by killed runs")
    return parser


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _summary(result: AuditResult, run_dir: Path) -> str:
    """What a person reads: server text only in indented, quoted lines, the verdict last, so
    nothing the server printed or named can pose as it."""
    lines = [f"report: {inert(run_dir / 'report.html', limit=1000)}"]
    for f in result.findings:
        where = f.tool or f"{f.phase} phase"
        times = f" x{f.count}" if f.count > 1 else ""
        lines.append(f"  [{f.severity}] {f.kind}{times}:")
        lines.append(quoted(f"{f.destination} via {f.channel} ({where})", limit=200, prefix="      | "))
    if result.status is not AuditStatus.COMPLETED:
        lines.append(f"  why incomplete ({result.status}):")
        lines.append(quoted(result.reason or "no reason given", limit=600, prefix="      | "))
    target = inert(result.target, limit=120)
    if result.findings:
        head = "FINDINGS" if result.exit_code == 1 else f"NOTES (below --fail-on {result.fail_on})"
        lines.append(f"{head}: {len(result.findings)} in {target}, highest {result.highest}")
    elif result.status is AuditStatus.COMPLETED:
        lines.append(f"CLEAN: no findings in {target} ({len(result.calls)} calls)")
    if result.status is not AuditStatus.COMPLETED:
        lines.append(f"INCOMPLETE ({result.status}): see the reason above")
    return "\n".join(lines)


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


def _options(args: argparse.Namespace) -> AuditOptions:
    drive = DriveOptions(
        init_timeout=args.init_timeout, call_timeout=args.call_timeout, rounds=args.rounds, linger=args.linger
    )
    return AuditOptions(drive, fail_on=Severity(args.fail_on))


def _run_one(target: TargetSpec, run_dir: Path, options: AuditOptions) -> AuditResult:
    """Audit into ``run_dir``; a harness failure or an interruption still leaves a report saying so."""
    started = time.time()
    try:
        return anyio.run(audit, target, run_dir, options)
    except HarnessError as exc:
        write_report(failed_result(target.name, AuditStatus.INFRA_ERROR, str(exc), started), run_dir)
        raise
    except KeyboardInterrupt:
        reason = "interrupted before the audit finished"
        write_report(failed_result(target.name, AuditStatus.INFRA_ERROR, reason, started), run_dir)
        raise


def _audit(args: argparse.Namespace) -> int:
    if args.config is not None:
        return _audit_config(args)
    if not args.target:
        raise TargetError("name a target (npm:, pypi:, docker:, path:) or --config FILE")
    target = _with_overrides(parse_target(args.target), args)
    if args.out:
        if args.out.exists() and any(args.out.iterdir()):
            raise TargetError(f"--out {args.out} is not empty; name a new directory")
        args.out.mkdir(parents=True, exist_ok=True)
        run_dir = args.out
    else:
        run_dir = new_run_dir(args.reports, target)
    result = _run_one(target, run_dir, _options(args))
    print(_summary(result, run_dir))
    return result.exit_code


def _audit_config(args: argparse.Namespace) -> int:
    """Audit every server of a config file (or the one named); one failing never stops the others."""
    entries = read_config(args.config)
    if args.server is not None:
        if args.server not in entries:
            raise TargetError(f"{args.config} has no server {args.server!r} (it has: {', '.join(entries)})")
        entries = {args.server: entries[args.server]}
    out = args.out or args.reports / f"{args.config.stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    pinned = dict(item.partition("=")[::2] for item in args.env)
    index: list[IndexEntry] = []
    for name, entry in entries.items():
        index.append(_config_server(name, entry, args, out, pinned))
        reason = f" ({inert(index[-1].reason)})" if index[-1].reason else ""
        print(f"{inert(name, limit=120)}: {index[-1].verdict}{reason}")
    write_index(index, out, str(args.config))
    print(f"index: {out / 'index.html'}")
    return max(e.exit_code for e in index)  # 2 (could not audit) beats 1 (findings) beats 0


def _config_server(
    name: str, entry: object, args: argparse.Namespace, out: Path, pinned: dict[str, str]
) -> IndexEntry:
    try:
        target = config_target(name, entry, args.config.parent, pinned)
        run_dir = out / target.name
        run_dir.mkdir(parents=True, exist_ok=True)
        result = _run_one(target, run_dir, _options(args))
    except HarnessError as exc:
        return IndexEntry(name, 2, "could not audit", str(exc), None)
    count = f"{len(result.findings)} findings"
    verdict = {0: f"clean ({count} below {result.fail_on})" if result.findings else "clean", 1: count}.get(
        result.exit_code, "could not audit"
    )
    report = f"{run_dir.name}/report.html"
    return IndexEntry(name, result.exit_code, verdict, result.reason, report, len(result.findings))


def _compare(args: argparse.Namespace) -> int:
    baseline, candidate = load_report(args.baseline), load_report(args.candidate)
    drift = compare(baseline, candidate)
    names = f"{baseline.get('target')} -> {candidate.get('target')}"
    if not drift:
        print(f"NO DRIFT: {inert(names)} behave alike")
        return 0
    print(f"DRIFT: {len(drift)} change{'s' if len(drift) != 1 else ''} from {inert(names)}")
    print("\n".join(f"  {inert(d, limit=500)}" for d in drift))
    return 1


def _nightly(args: argparse.Namespace) -> int:
    connectors = read_connectors(args.connectors, args.baselines)
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
        args.audit_options,
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough = argv[argv.index("--") + 1 :] if "--" in argv else []
    parser = _parser()
    args = parser.parse_args(argv[: len(argv) - len(passthrough) - (1 if "--" in argv else 0)])
    if passthrough and args.command != "nightly":
        parser.error("options after -- are only for nightly")
    args.audit_options = passthrough
    handler = logging.StreamHandler()
    handler.setFormatter(InertFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if args.command == "audit":
            return _audit(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "nightly":
            return _nightly(args)
        return _images() if args.command == "images" else _clean()
    except HarnessError as exc:
        print(f"mcp-harness: error: {inert(exc, limit=1000)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mcp-harness: interrupted; sandbox removed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
