import io
from pathlib import Path

from harness.model import Datagram, event_from_json
from harness.services.sink import EventSink, next_conn_id


def datagram(data: bytes = b"x") -> Datagram:
    return Datagram(ts=1.0, src_port=5000, dst_ip=None, dst_port=None, data=data)


def test_each_event_is_one_flushed_json_line(tmp_path: Path) -> None:
    sink = EventSink.open(tmp_path / "events.jsonl")
    sink.emit(datagram(b"\x00\xff"))
    assert [event_from_json(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()] == [
        datagram(b"\x00\xff")
    ]
    sink.close()


def test_events_past_the_budget_are_dropped_and_counted() -> None:
    stream = io.StringIO()
    sink = EventSink(stream, budget=300)
    for _ in range(10):
        sink.emit(datagram())
    kept = stream.getvalue().splitlines()
    assert 0 < len(kept) < 10
    assert sink.dropped == 10 - len(kept)


def test_emitting_after_close_is_harmless() -> None:
    sink = EventSink(io.StringIO())
    sink.close()
    sink.emit(datagram())
    assert sink.dropped == 1


def test_connection_ids_are_unique() -> None:
    assert len({next_conn_id() for _ in range(100)}) == 100


def test_a_spent_budget_is_stated_as_one_last_event_when_the_log_closes(tmp_path) -> None:
    from harness.model import BudgetReached

    sink = EventSink.open(tmp_path / "events.jsonl", budget=300)
    for _ in range(10):
        sink.emit(datagram())
    sink.close()
    last = event_from_json((tmp_path / "events.jsonl").read_text().splitlines()[-1])
    assert isinstance(last, BudgetReached)
    assert (last.budget, last.limit, last.dropped) == ("event log", 300, f"{sink.dropped} events")
