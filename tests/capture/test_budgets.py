import json

from harness.capture.budgets import budgets_reached
from harness.sandbox.copyout import CopyOutcome


def test_counts_past_their_limits_become_budget_events_and_quiet_runs_none(tmp_path):
    assert budgets_reached(CopyOutcome(files=3, bytes=900), 1 << 20, tmp_path) == []
    (tmp_path / "stderr.json").write_text(json.dumps({"limit": 1000, "dropped": 5}))
    (tmp_path / "capture.json").write_text(
        json.dumps({"limit": 2000, "kept_packets": 9, "dropped_packets": 3, "dropped_bytes": 300})
    )
    full_home = CopyOutcome(files=1, bytes=1000, skipped_files=2, skipped_bytes=70)
    reached = {b.budget: b for b in budgets_reached(full_home, 1000, tmp_path)}
    assert reached["home disk"].dropped == "70 bytes in 2 files"
    assert (reached["stderr"].limit, reached["stderr"].dropped) == (1000, "5 bytes")
    assert reached["packet capture"].dropped == "3 packets, 300 bytes"


def test_a_home_filled_to_its_tmpfs_size_is_stated_even_when_all_of_it_came_back(tmp_path):
    [home] = budgets_reached(CopyOutcome(files=1, bytes=950), 1000, tmp_path)
    assert (home.budget, home.dropped) == ("home disk", "")
