"""The budgets a run reached, as events: the home, the server's log output, the packet capture.

Each bound on what a server can make the host store is enforced where the bytes arrive
(the home's tmpfs and its copy-out, :mod:`harness.sandbox.stderr_budget`,
:mod:`harness.services.pcap_budget`, the gateway's event sink); this module reads what
each of them counted and states every bound that was reached as a
:class:`~harness.model.BudgetReached`, so the report says what was not kept.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from harness.model import BudgetReached
from harness.sandbox.copyout import CopyOutcome

log = logging.getLogger(__name__)

_FULL = 0.9
"""A home this full (of its tmpfs size) counts as filled: the server met ENOSPC, or nearly."""


def _counts(path: Path) -> dict[str, Any]:
    try:
        counts = json.loads(path.read_text()[:4096])
    except (OSError, ValueError) as exc:
        log.debug("no budget counts in %s: %s", path, exc)
        return {}
    return counts if isinstance(counts, dict) else {}


def budgets_reached(home: CopyOutcome | None, home_limit: int, data: Path) -> list[BudgetReached]:
    """Every budget the run reached; ``data`` is the gateway's folder, with the capture's and the log
    output's counts."""
    now = time.time()
    reached = []
    if home is not None and (home.over_budget or home.bytes + home.skipped_bytes >= _FULL * home_limit):
        left = f"{home.skipped_bytes} bytes in {home.skipped_files} files" if home.over_budget else ""
        reached.append(BudgetReached(now, "home disk", home_limit, "bytes", left))
    stderr = _counts(data / "stderr.json")
    if int(stderr.get("dropped", 0)) > 0:
        reached.append(
            BudgetReached(now, "stderr", int(stderr["limit"]), "bytes", f"{stderr['dropped']} bytes")
        )
    capture = _counts(data / "capture.json")
    if int(capture.get("dropped_packets", 0)) > 0:
        left = f"{capture['dropped_packets']} packets, {capture['dropped_bytes']} bytes"
        reached.append(BudgetReached(now, "packet capture", int(capture["limit"]), "bytes", left))
    return reached
