"""The first launch's process started before the driver: taken over, never started twice, and
stopped when no driver takes it."""

from __future__ import annotations

import os
import sys

import anyio
import pytest

from harness.canary import CanaryFactory
from harness.driver.attach import EarlyStart
from harness.driver.options import DriveOptions
from harness.driver.session import Driver
from harness.driver.stdio import StdoutLedger, bounded_stdio
from harness.model import PhaseStarted

_SERVER = """
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if "id" not in message:
        continue
    method, result = message["method"], {}
    if method == "initialize":
        result = {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "upper", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": [{"name": "upper", "inputSchema": {"type": "object",
                  "properties": {"text": {"type": "string"}}}}]}
    elif method == "tools/call":
        text = message["params"]["arguments"].get("text", "")
        result = {"content": [{"type": "text", "text": text.upper()}]}
    print(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}), flush=True)
"""
SERVER = [sys.executable, "-c", _SERVER]
"""A stdio MCP server of a few lines: it lists one tool and answers its calls."""


async def test_the_transport_takes_over_the_early_process_and_its_start_up_begins_there(tmp_path):
    early = EarlyStart()
    await early.start(SERVER, tmp_path / "stderr.log")
    # were a second process started, this command would be it, and the drive would fail
    connect = bounded_stdio([sys.executable, "-c", "raise SystemExit(3)"], StdoutLedger(), early)
    options = DriveOptions(call_timeout=10.0, linger=0.0, rounds=1, launches=1)
    driver = Driver(
        connect, tmp_path / "stderr.log", CanaryFactory(), options, lambda: None, first_started=early.started
    )
    outcome = await driver.run()
    assert outcome.reason is None, outcome.reason
    assert [t["name"] for t in outcome.tools] == ["upper"] and outcome.calls
    startup = next(e for e in outcome.events if isinstance(e, PhaseStarted) and e.phase == "startup")
    assert early.started is not None and startup.ts == early.started
    assert early.take() is None  # taken once, by the transport


async def test_an_early_process_no_driver_took_is_stopped(tmp_path):
    pid_file = tmp_path / "pid"
    waiting = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)"
    early = EarlyStart()
    await early.start([sys.executable, "-c", waiting, str(pid_file)], tmp_path / "stderr.log")
    while not pid_file.exists() or not pid_file.read_text():
        await anyio.sleep(0.01)
    await early.close()
    with pytest.raises(ProcessLookupError):  # ended and reaped
        os.kill(int(pid_file.read_text()), 0)
