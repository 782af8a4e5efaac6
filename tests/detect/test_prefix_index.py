import os

from harness.detect.prefix_index import SHORTEST, PrefixIndex


def test_every_occurrence_of_every_key_is_found_overlaps_included():
    keys = [b"abcdefghijkl", b"cdefghijklmn", b"zzzzzzzz0000"]
    text = b"..abcdefghijklmn..zzzzzzzz0000"
    assert sorted(PrefixIndex(keys).matches(text)) == [(2, 0), (4, 1), (18, 2)]


def test_a_key_is_found_at_every_offset_however_it_falls_between_the_windows_looked_at():
    key = b"0123456789ab"
    index = PrefixIndex([key, b"unrelated-key-that-is-long"])
    for at in range(12):
        text = b"." * at + key + b"." * (at % 3)
        assert list(index.matches(text)) == [(at, 0)], at


def test_a_key_of_the_shortest_length_at_the_very_end_of_a_text_is_found():
    key = bytes(range(65, 65 + SHORTEST))
    for pad in range(8):
        assert list(PrefixIndex([key]).matches(b"-" * pad + key)) == [(pad, 0)]


def test_random_bytes_yield_nothing_among_many_keys():
    keys = [os.urandom(12) for _ in range(50_000)]
    index = PrefixIndex(keys)
    assert list(index.matches(os.urandom(1 << 20))) == []


def test_keys_that_share_windows_are_each_compared_whole():
    keys = [b"abcdefghijkl-one", b"abcdefghijkl-two", b"xabcdefghijkl-one"]
    text = b"..abcdefghijkl-two..xabcdefghijkl-one"
    assert sorted(PrefixIndex(keys).matches(text)) == [(2, 1), (20, 2), (21, 0)]


def test_keys_shorter_than_the_shortest_are_still_found_each_on_its_own():
    keys = [b"abcdefghijklmnop", b"fghij", b"x"]
    text = b"xabcdefghijklmnop fghij"
    assert sorted(PrefixIndex(keys).matches(text)) == [(0, 2), (1, 0), (6, 1), (18, 1)]


def test_texts_shorter_than_a_window_have_no_matches():
    assert list(PrefixIndex([b"abcdefghijkl"]).matches(b"abc")) == []
