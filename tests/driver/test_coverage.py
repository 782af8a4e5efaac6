from harness.driver.coverage import Exercise, describe, verdict, with_usage
from harness.model import AuditStatus, ResourceUsage


def _exercised(**answers: tuple[bool, bool]) -> Exercise:
    exercise = Exercise()
    exercise.offer("tools", list(answers))
    for name, (answered, ok) in answers.items():
        exercise.record("tools", name, answered, ok)
    return exercise


def test_every_tool_answered_and_one_success_is_complete():
    coverage = _exercised(a=(True, True), b=(True, False)).coverage()
    assert coverage.gaps == () and coverage.tools.answered == 2 and coverage.tools.succeeded == 1
    assert coverage.notes == ("1 tool answered only with errors: b",)
    assert verdict(AuditStatus.COMPLETED, None, coverage) == (AuditStatus.COMPLETED, None)


def test_tools_listed_but_no_call_succeeded_is_incomplete():
    coverage = _exercised(a=(True, False), b=(True, False)).coverage()
    assert coverage.gaps == ("no tool call succeeded (2 of 2 tools answered, only with errors)",)
    status, reason = verdict(AuditStatus.COMPLETED, None, coverage)
    assert status is AuditStatus.INCOMPLETE and reason and "no tool call succeeded" in reason


def test_a_tool_that_never_answered_is_a_gap_even_when_others_did():
    exercise = _exercised(a=(True, True), b=(False, False))
    exercise.offer("prompts", ["p"])
    coverage = exercise.coverage()
    assert coverage.gaps == ("1 tool of 2 never answered: b", "1 prompt of 1 never answered: p")
    assert coverage.unanswered == 1 and coverage.notes == ("1 request of 2 got no answer",)


def test_a_server_offering_nothing_is_not_clean():
    assert Exercise().coverage().gaps == ("the server offered no tools, resources or prompts to exercise",)


def test_recorded_gaps_and_notes_are_stated_in_the_reason():
    exercise = _exercised(a=(True, True))
    exercise.gap("could not re-list tools (final): page 1 got no answer within 5s")
    exercise.note("3 lines on stdout were not JSON-RPC")
    status, reason = verdict(AuditStatus.COMPLETED, None, exercise.coverage())
    assert status is AuditStatus.INCOMPLETE
    assert reason == (
        "not exercised enough to be called clean: could not re-list tools (final): page 1 got no answer"
        " within 5s (noticed: 3 lines on stdout were not JSON-RPC)"
    )


def test_a_failed_drive_keeps_its_own_status_and_reason():
    coverage = _exercised(a=(False, False)).coverage()
    assert verdict(AuditStatus.TARGET_ERROR, "server exited", coverage) == (
        AuditStatus.TARGET_ERROR,
        "server exited",
    )


def test_time_at_the_cpu_limit_is_noted_when_requests_went_unanswered():
    usage = ResourceUsage(0.0, None, None, None, None, False, 30.0, 1.0, 28.4)
    silent = _exercised(a=(False, False)).coverage()
    assert with_usage(silent, usage).notes[-1] == "the server ran at its CPU limit (1 CPU) for 28s"
    idle = ResourceUsage(0.0, None, None, None, None, False, 0.2, 1.0, 0.0)
    assert with_usage(silent, idle).notes == silent.notes
    answered = _exercised(a=(True, True)).coverage()
    assert with_usage(answered, usage).notes == ()  # busy but answering: nothing to explain


def test_the_terminal_line_names_each_surface():
    line = describe(_exercised(a=(True, True), b=(False, False)).coverage())
    assert line == (
        "tools 2 listed / 2 called / 1 answered (1 ok); resources 0/0 read; prompts 0/0 got;"
        " 2 requests, 1 unanswered"
    )


def test_a_sampled_drive_states_what_was_called_how_often_and_is_never_complete():
    exercise = Exercise()
    exercise.offer("tools", [f"t{n}" for n in range(8)])
    exercise.choose(["t1", "t5", "t6"])
    for name in ("t1", "t5", "t1", "t6"):
        exercise.record("tools", name, True, True)
    coverage = exercise.coverage()
    assert coverage.sample is not None
    assert coverage.sample.called == (("t1", 2), ("t5", 1), ("t6", 1))
    assert coverage.sample.judged_only == ("t0", "t2", "t3", "t4", "t7")
    assert coverage.gaps == (
        "sampled: 3 tools of 8 called (chosen at random), 5 only listed and judged: t0, t2, t3, t4, t7",
    )
    status, reason = verdict(AuditStatus.COMPLETED, None, coverage)
    assert status is AuditStatus.INCOMPLETE and reason and "sampled: 3 tools of 8" in reason
    assert "sampled 3 of 8 tools, 5 listed and judged only" in describe(coverage)


def test_a_chosen_tool_that_never_answered_is_still_its_own_gap():
    exercise = Exercise()
    exercise.offer("tools", ["a", "b", "c"])
    exercise.choose(["a", "b"])
    exercise.record("tools", "a", True, True)
    exercise.record("tools", "b", False, False)
    gaps = exercise.coverage().gaps
    assert gaps[1] == "1 tool of 3 never answered: b" and "only listed and judged: c" in gaps[0]
