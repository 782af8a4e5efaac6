import os

import pytest

from harness.detect.prefix_index import PrefixIndex


def test_every_start_of_every_key_is_found_overlaps_included():
    keys = [b"abcdefghijkl", b"cdefghijklmn", b"zzzzzzzz0000"]
    text = b"..abcdefghijklmn..zzzzzzzz0000"
    assert sorted(PrefixIndex(keys).starts(text)) == [(2, 0), (4, 1), (18, 2)]


def test_random_bytes_yield_no_false_starts_among_many_keys():
    keys = [os.urandom(12) for _ in range(50_000)]
    index = PrefixIndex(keys)
    text = os.urandom(1 << 20)
    assert all(text[at : at + 8] == keys[key][:8] for at, key in index.starts(text))


def test_keys_shorter_than_a_fingerprint_are_refused():
    with pytest.raises(ValueError):
        PrefixIndex([b"short"])


def test_texts_shorter_than_a_fingerprint_have_no_starts():
    assert list(PrefixIndex([b"abcdefghijkl"]).starts(b"abc")) == []
