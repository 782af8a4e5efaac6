"""``report.json``: the machine-readable verdict.

Layout (``schema_version`` 1):

- ``schema_version``, ``target``, ``status`` (completed | incomplete | target_error | infra_error),
  ``reason``, ``exit_code`` (0 clean or nothing at ``fail_on``, 1 a finding at or above ``fail_on``,
  2 incomplete or could not audit), ``fail_on`` (the threshold severity), ``highest_severity``
  (of the unapproved findings; null without any), ``started``/``finished`` (epoch seconds)
- ``coverage``: what the drive exercised, null when it never reached the server: per surface
  (``tools``, ``resources``, ``templates``, ``prompts``) ``listed``, ``called``, ``answered``,
  ``succeeded``; ``calls`` and ``unanswered`` request counts; ``gaps`` (what was offered but not
  exercised: any gap makes the run incomplete), ``notes`` (liveness seen along the way) and
  ``sample`` (null unless the server listed more tools than a drive calls: ``listed``, ``called``
  as [tool, requests sent] pairs for the tools chosen at random, ``judged_only`` the tools only
  listed and judged; a sampled run is incomplete)
- ``server_info``: what the server said about itself at initialize
- ``tools``: the tool definitions as listed
- ``calls``: each call's ``call_id``, ``tool``, ``arguments``, ``canaries``, ``expected_recipients``,
  ``expected_hosts``
- ``findings``: ``kind``, ``severity``, ``title``, ``call_id``, ``tool``, ``canary``, ``destination``,
  ``channel``, ``evidence`` (text around the hit), ``event_index`` (line in ``events.jsonl``, from 0),
  ``confidence``, ``detail`` (longer evidence such as a diff), ``pcap_frames`` (frame numbers in the capture),
  ``phase`` (for behaviour outside any call: ``install``, ``startup``, ``linger``), ``count`` (how many
  occurrences of this kind, destination and call it stands for), ``approval`` (``by`` and ``reason``
  when a policy approved it, else null: approved findings do not count in ``exit_code``)
- ``egress``: one entry per flow that left the server: ``channel``, ``host`` (the true destination:
  the name the sandbox resolver gave the address dialled, else ``ip:port``), ``address``
  (``ip:port`` dialled), ``claimed`` (names sent in SNI or Host that the resolver never gave that
  address), ``bytes``, ``event_index``, ``expected`` (``named_by_call`` | ``configured`` |
  ``declared`` | null) and ``why`` (the same in words, naming the call, env value, argument or
  credential that made it expected)
- ``install``: what the install phase put in the image (``manager``, ``package``, ``version``,
  ``integrity``, ``dependencies``, ``install_scripts``, ``entry``; ``scripts_ran_in_sandbox`` and
  ``scripts_exit_code`` when npm install scripts ran in the sandbox), null for local Python projects
- ``artifacts``: file names in the run directory (event log, capture, server stderr)
- ``declared_hosts``: service hosts the target declares; ``approved_hosts``: host patterns the policy
  approved
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from harness.model import SCHEMA_VERSION, AuditResult


def _egress(result: AuditResult) -> list[dict[str, Any]]:
    return [
        {
            "channel": f.channel,
            "host": f.host,
            "address": f.address,
            "claimed": list(f.claimed),
            "bytes": f.size,
            "event_index": f.event_index,
            "expected": f.expected,
            "why": f.why,
        }
        for f in result.flows
    ]


def result_to_dict(result: AuditResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "target": result.target,
        "status": result.status.value,
        "reason": result.reason,
        "exit_code": result.exit_code,
        "fail_on": result.fail_on.value,
        "highest_severity": None if result.highest is None else result.highest.value,
        "coverage": dataclasses.asdict(result.coverage) if result.coverage else None,
        "started": result.started,
        "finished": result.finished,
        "server_info": result.server_info,
        "tools": list(result.tools),
        "calls": [
            {
                "call_id": c.call_id,
                "tool": c.tool,
                "arguments": c.arguments,
                "canaries": list(c.canaries),
                "expected_recipients": sorted(c.expected_recipients),
                "expected_hosts": sorted(c.expected_hosts),
            }
            for c in result.calls
        ],
        "findings": [{**dataclasses.asdict(f), "severity": f.severity.value} for f in result.findings],
        "egress": _egress(result),
        "install": result.install,
        "artifacts": result.artifacts,
        "declared_hosts": list(result.declared_hosts),
        "approved_hosts": list(result.approved_hosts),
    }


def write_json(result: AuditResult, path: Path) -> None:
    path.write_text(json.dumps(result_to_dict(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
