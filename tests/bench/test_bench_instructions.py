"""Cost of judging model-facing text (run with ``make bench``): a result at the judged maximum, and
every honest text of the dev corpus."""

import json
from pathlib import Path

from harness.detect.instructions import MAX_TEXT, judge

_HONEST = Path(__file__).parent.parent / "detect" / "corpus" / "honest_dev.jsonl"


def _texts() -> list[str]:
    return [json.loads(line)["text"] for line in _HONEST.read_text(encoding="utf-8").splitlines()]


def test_bench_judging_a_result_of_the_largest_judged_size(benchmark):
    page = "\n".join(_texts())
    text = (page * (MAX_TEXT // len(page) + 1))[:MAX_TEXT]
    assert benchmark(lambda: judge(text, definition=False)) is None


def test_bench_judging_every_honest_dev_text(benchmark):
    texts = _texts()
    assert benchmark(lambda: [j for t in texts if (j := judge(t)) is not None]) == []
