import json
import subprocess
import sys

from harness.sandbox.stderr_budget import Budget, budgeted


def test_the_head_passes_the_middle_is_counted_and_the_tail_comes_last():
    budget = Budget(head=10, tail=5)
    passed = b"".join(budget.feed(bytes([65 + i % 26]) * 7) for i in range(10))
    assert passed == b"A" * 7 + b"BBB"
    end = budget.end()
    assert end.endswith(b"JJJJJ") and b"55 bytes of stderr not kept" in end


def test_stderr_under_budget_is_kept_whole_without_a_marker():
    budget = Budget(head=4, tail=100)
    assert budget.feed(b"hello world") == b"hell"
    assert budget.end() == b"o world"


def test_a_flooding_command_leaves_a_bounded_log_and_its_own_stdout_and_exit_code(tmp_path):
    flood = "import sys; sys.stderr.write('x' * 5_000_000); print('answer'); sys.exit(3)"
    stats = tmp_path / "stats.json"
    with (tmp_path / "err.log").open("wb") as log:
        proc = subprocess.run(
            budgeted([sys.executable, "-c", flood], stats, head=1000, tail=500),
            stdout=subprocess.PIPE,
            stderr=log,
            timeout=120,
            check=False,
        )
    assert (proc.returncode, proc.stdout) == (3, b"answer\n")
    assert (tmp_path / "err.log").stat().st_size < 1000 + 500 + 100
    assert json.loads(stats.read_text()) == {"limit": 1500, "dropped": 5_000_000 - 1500}


def test_with_stdout_the_command_s_output_is_budgeted_too(tmp_path):
    flood = "import sys; sys.stdout.write('o' * 100_000); sys.stderr.write('e' * 100_000)"
    stats = tmp_path / "stats.json"
    with (tmp_path / "err.log").open("wb") as log:
        proc = subprocess.run(
            budgeted([sys.executable, "-c", flood], stats, head=100, tail=100, with_stdout=True),
            stdout=subprocess.PIPE,
            stderr=log,
            timeout=120,
            check=False,
        )
    assert proc.stdout == b""
    assert json.loads(stats.read_text())["dropped"] == 200_000 - 200


def test_terminating_the_wrapper_ends_the_command_and_still_writes_the_tail(tmp_path):
    endless = "import sys\nwhile True: sys.stderr.write('e' * 4096)"
    stats = tmp_path / "stats.json"
    argv = budgeted([sys.executable, "-c", endless], stats, head=100, tail=100, with_stdout=True)
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    assert proc.stderr.read(100) == b"e" * 100  # the head: the command is running
    proc.terminate()
    rest = proc.stderr.read()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert json.loads(stats.read_text())["dropped"] > 0
    assert b"bytes of stderr not kept" in rest and rest.endswith(b"e" * 100)
