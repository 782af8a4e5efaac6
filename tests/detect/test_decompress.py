import gzip
import os
import random
import zlib

import brotli

from harness.detect.decompress import (
    MAX_LAYER,
    Budget,
    body_start,
    could_start,
    occurrences,
    stream_at,
    streams,
)
from tests import factories as f

TEXT = b"the canary went out compressed " * 20


def _at(data: bytes, budget: int = 1 << 30, headless: bool = True) -> tuple[str, bytes] | None:
    return stream_at(memoryview(data), Budget(budget), headless=headless)


def test_each_kind_is_recognised_at_the_start_of_the_data():
    assert _at(gzip.compress(TEXT)) == ("gzip", TEXT)
    assert _at(zlib.compress(TEXT)) == ("zlib", TEXT)
    assert _at(zlib.compress(TEXT)[2:-4]) == ("deflate", TEXT)
    assert _at(brotli.compress(TEXT)) == ("brotli", TEXT)


def test_streams_without_a_magic_number_are_tried_only_where_the_caller_allows():
    assert _at(brotli.compress(TEXT), headless=False) is None


def test_a_cut_gzip_stream_still_yields_what_it_decodes_but_cut_headless_ones_do_not():
    assert _at(gzip.compress(TEXT)[:-40]) is not None
    assert _at(brotli.compress(TEXT + os.urandom(400))[:-40]) is None


def test_random_bytes_are_no_stream():
    assert [_at(os.urandom(4096)) for _ in range(2000)] == [None] * 2000


def test_a_headless_stream_followed_by_more_data_is_no_stream():
    assert _at(zlib.compress(TEXT)[2:-4] + b"more data follows") is None
    assert _at(brotli.compress(TEXT) + b"more data follows") is None


def test_a_bomb_stops_at_the_layer_cap_and_is_charged_to_the_budget():
    budget = Budget(1 << 30)
    found = stream_at(memoryview(f.zlib_bomb(b"", 1 << 30, b"")), budget, headless=True)
    assert found is not None and found[0] == "zlib" and len(found[1]) == MAX_LAYER
    assert (1 << 30) - budget.left >= MAX_LAYER


def test_an_exhausted_budget_stops_decompression():
    found = _at(f.zlib_bomb(b"", 64 << 20, b""), budget=1 << 20)
    assert found is not None and len(found[1]) <= 1 << 20


def test_bodies_after_a_header_block_and_gzip_members_inside_data_are_found():
    body = b"POST / HTTP/1.1\r\nContent-Encoding: br\r\n\r\n" + brotli.compress(TEXT)
    inside = b"junk" + gzip.compress(b"inner " * 10) + b"more junk"
    found = streams(body, Budget(1 << 30), lambda view: True, body=body_start(body))
    assert list(found) == [("brotli", TEXT)]
    found = streams(inside, Budget(1 << 30), lambda view: False, body=body_start(inside))
    assert list(found) == [("gzip", b"inner " * 10)]


def test_occurrences_agree_with_bytes_find_whether_they_jump_or_hand_over_to_numpy():
    text = b"PK\x01\x02 PK\x03 PK\x03\x04 tail\r\n\r\nbody \x1f\x8b\x08 PK\x03\x04\x1f\x8b\x08"
    binary = bytes(random.Random(5).choices(b"PK\x03\x04\r\n\x1f\x8b\x08", k=3000))
    for data in (text, binary, b"\x1f\x8b\x08" * 50):
        for needle, rare in ((b"PK\x03\x04", 2), (b"\r\n\r\n", 0), (b"\x1f\x8b\x08", 0), (b"absent", 0)):
            for start in range(0, len(data), 7):
                for end in (None, len(data) - 1, 12, start + 5):
                    expected, at = [], data.find(needle, start, end)
                    while at >= 0:
                        expected.append(at)
                        at = data.find(needle, at + 1, end)
                    assert list(occurrences(data, needle, start, end, rare=rare)) == expected, (needle, start)


def test_could_start_asks_a_whole_short_layer_to_end_where_a_headless_stream_ends():
    deflated = zlib.compress(b"meeting notes " * 20)[2:-4]
    assert could_start(deflated, whole=True) and could_start(brotli.compress(b"notes " * 30), whole=True)
    assert could_start(deflated[:-3]) and not could_start(deflated[:-3], whole=True)
    assert could_start(gzip.compress(b"x")[:5], whole=True)  # a header: cut streams are read too
    assert not could_start(bytes(range(7, 47)), whole=True)
