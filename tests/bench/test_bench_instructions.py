"""Cost of judging model-facing text (run with ``make bench``): a result at the judged maximum, and
every honest text of the dev corpus, each judged as the corpus test judges it (with the names its
own server defines, so a reference to a sibling tool is ordinary)."""

from harness.detect.instructions import MAX_TEXT, judge
from tests.detect.test_corpus import _judge, _load


def test_bench_judging_a_result_of_the_largest_judged_size(benchmark):
    entries = _load("honest_dev.jsonl", "honest")
    own = frozenset().union(*(e.own for e in entries))
    page = "\n".join(e.text for e in entries)
    text = (page * (MAX_TEXT // len(page) + 1))[:MAX_TEXT]
    assert benchmark(lambda: judge(text, own, definition=False)) is None


def test_bench_judging_every_honest_dev_text(benchmark):
    entries = _load("honest_dev.jsonl", "honest")
    assert benchmark(lambda: [j for e in entries if (j := _judge(e)) is not None]) == []
