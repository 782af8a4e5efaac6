from harness.sandbox.waits import UNKNOWN, pending_within, timed_wait


def test_an_event_loop_waiting_for_a_timer_is_pending_for_that_long():
    assert timed_wait("281 0x11 0x7ffe 0x400 0x1194 0x0 0x8 0x7ffe 0x7f91") == 4.5
    assert timed_wait("232 0x3 0x7ffe 0x400 0xbb8 0x0 0x0 0x7ffe 0x7f91") == 3.0
    assert timed_wait("7 0x7ffe 0x2 0x3e8 0x0 0x0 0x0 0x7ffe 0x7f91") == 1.0


def test_a_loop_or_thread_waiting_without_a_deadline_is_idle():
    assert timed_wait("281 0x11 0x7ffe 0x400 0xffffffff 0x0 0x8 0x7ffe 0x7f91") is None
    assert timed_wait("202 0x1a3a2000 0x189 0x0 0x0 0x0 0xffffffff 0x7f00 0x7f00") is None
    assert timed_wait("202 0x1a3a2000 0x189 0x0 0x7ffe 0x0 0xffffffff 0x7f00 0x7f00") is None  # futex
    assert timed_wait("0 0x0 0x7ffe 0x400 0x0 0x0 0x0 0x7ffe 0x7f91") is None  # read


def test_sleeps_with_a_deadline_behind_a_pointer_count_as_pending_and_running_as_busy():
    assert timed_wait("230 0x1 0x1 0x7ffe 0x0 0x0 0x0 0x7ffe 0x7f91") == UNKNOWN
    assert timed_wait("35 0x7ffe 0x0 0x0 0x0 0x0 0x0 0x7ffe 0x7f91") == UNKNOWN
    assert timed_wait("running") == 0.0
    assert timed_wait("") is None


def test_pending_reads_every_thread_and_ignores_deadlines_past_the_window(tmp_path):
    for tid, line in (
        (10, "281 0x11 0x7ffe 0x400 0xffffffff 0x0 0x8 0 0"),
        (11, "232 0x3 0x7ffe 0x400 0x1770 0 0 0 0"),
    ):
        (tmp_path / "10" / "task" / str(tid)).mkdir(parents=True)
        (tmp_path / "10" / "task" / str(tid) / "syscall").write_text(line)
    assert pending_within([10], 8.0, tmp_path)  # 6 s timer
    assert not pending_within([10], 5.0, tmp_path)
    assert not pending_within([99], 8.0, tmp_path)  # gone


def test_a_runtimes_short_housekeeping_timer_is_not_pending_work(tmp_path):
    (tmp_path / "10" / "task" / "10").mkdir(parents=True)
    (tmp_path / "10" / "task" / "10" / "syscall").write_text("281 0x11 0x7ffe 0x400 0x190 0 0 0 0")  # 400 ms
    assert not pending_within([10], 8.0, tmp_path)
