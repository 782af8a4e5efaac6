import random
import re

from harness.detect.layer import BASE85, DIRECT, RUN, Layer


def test_the_runs_long_enough_to_hold_a_rendering_are_exactly_those_a_regex_finds():
    rng = random.Random(3)
    classes = (
        (DIRECT, rb"[A-Za-z0-9+/_\-\0]"),
        (RUN, rb"[A-Za-z0-9+/_\-\\\r\n]"),
        (BASE85, rb"[!#-&(-+\-0-9;-Z^-~]"),
    )
    for _ in range(500):
        data = bytes(rng.choice(b"A A AAAA AAAAAAA\0\\/=~\r") for _ in range(rng.randint(0, 300)))
        data = b"A" * rng.randint(0, 40) + data + b"A" * rng.randint(0, 40)
        layer = Layer(data)
        for minimum in rng.sample((1, 2, 3, 12, 15, 16, 17), 7):
            for bit, members in classes:
                expected = [m.span() for m in re.finditer(members + b"{%d,}" % minimum, data)]
                assert layer.runs(bit, minimum) == expected, (data, bit, minimum)


def test_a_layer_is_text_when_at_most_15_percent_of_its_first_4096_bytes_are_not():
    assert Layer(b"a" * 85 + b"\xff" * 15).printable
    assert not Layer(b"a" * 84 + b"\xff" * 16).printable
    assert Layer(b"a" * 4096 + b"\xff" * 10_000).printable  # only the start is read
    assert not Layer(b"").printable


def test_hex_pairs_between_separators_are_seen_where_a_dump_may_be():
    assert Layer(b"dump: de:ad:be:ef").has_hex_pairs()
    assert Layer(b"71 78 37 74").has_hex_pairs()
    assert not Layer(b"dead beef cafe").has_hex_pairs()
    assert not Layer(b"de:ad").has_hex_pairs()
