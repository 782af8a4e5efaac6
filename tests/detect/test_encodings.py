import base64
import gzip
import json
import os
import quopri
import zlib
from urllib.parse import quote

import brotli
import pytest

from harness.detect.encodings import MAX_LAYER, CanaryMatcher

TOKEN = "qx7t2m9klp4a"
RAW = TOKEN.encode()


def _gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    parts = [compressor.compress(chunk) for _ in range(size >> 20)]
    return b"".join(parts) + compressor.flush()


ENCODED = {
    "plain": (b"note " + RAW, ()),
    "upper case": (RAW.upper(), ()),
    "reversed": (RAW[::-1], ("reversed",)),
    "hex": (RAW.hex().upper().encode(), ("hex",)),
    "base32 unpadded lower": (base64.b32encode(b"ab" + RAW).lower().rstrip(b"="), ("base32",)),
    "base64 offset 0": (base64.b64encode(RAW), ("base64",)),
    "base64 offset 1": (base64.b64encode(b"x" + RAW), ("base64",)),
    "base64 offset 2": (base64.b64encode(b"xy" + RAW + b"tail"), ("base64",)),
    "base64url": (base64.urlsafe_b64encode(b"\xfb\xff" + RAW), ("base64",)),
    "percent every byte": ("".join(f"%{b:02X}" for b in RAW).encode(), ("percent",)),
    "json unicode escape": (json.dumps({"d": TOKEN}).replace("q", "\\u0071").encode(), ("json-escape",)),
    "quoted-printable soft break inside": (quopri.encodestring(b" " * 70 + RAW), ("quoted-printable",)),
    "html entities": ("".join(f"&#{b};" for b in RAW).encode(), ("html-entities",)),
    "raw deflate": (zlib.compress(b"x" * 30 + RAW)[2:-4], ("deflate",)),
    "brotli": (brotli.compress(os.urandom(8).hex().encode() + RAW, quality=11), None),
    "gzip of base64 of json with case change": (
        gzip.compress(base64.b64encode(json.dumps({"v": TOKEN.upper()}).encode())),
        ("gzip", "base64"),
    ),
    "base64 of gzip": (base64.b64encode(gzip.compress(b"y" * 40 + RAW)), ("base64", "gzip")),
    "mime base64 split over lines": (base64.encodebytes(b"Q" * 50 + RAW + b"Z" * 50), ("base64",)),
    "hex in a url query": (f"GET /c?d={RAW.hex()}&x=1".encode(), ("hex",)),
}


@pytest.mark.parametrize("name", ENCODED)
def test_the_token_is_found_through_each_encoding_with_its_decoding_chain(name):
    data, chain = ENCODED[name]
    hits = CanaryMatcher([TOKEN, "b8kd02mxq7ve"]).scan(data)
    assert hits, name
    assert {h.token for h in hits} == {TOKEN}
    if chain is not None:
        assert hits[0].chain == chain


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(1 << 20),
        base64.b64encode(os.urandom(50_000)),
        gzip.compress(os.urandom(100_000)),
        b"qx7t2m9klp4b and qx7t2m9klp4",
        quote("the quick brown fox jumps over the lazy dog " * 50).encode(),
    ],
    ids=["random", "base64 of random", "gzip of random", "near misses", "ordinary text"],
)
def test_data_without_the_token_has_no_hits(data):
    assert CanaryMatcher([TOKEN]).scan(data) == []


def test_a_decompression_bomb_is_cut_at_the_layer_limit():
    bomb = _gzip_bomb(64 << 20)
    assert len(bomb) < 1 << 20
    assert CanaryMatcher([TOKEN]).scan(bomb + RAW) == [
        CanaryMatcher([TOKEN])
        .scan(RAW)[0]
        .__class__(TOKEN, (), CanaryMatcher([TOKEN]).scan(bomb + RAW)[0].excerpt)
    ]
    assert MAX_LAYER < 64 << 20


def test_the_excerpt_shows_the_bytes_around_the_hit_in_the_decoded_layer():
    data = gzip.compress(b'{"user":"ann","ssn":"' + RAW + b'"}')
    [hit] = CanaryMatcher([TOKEN]).scan(data)
    assert hit.chain == ("gzip",) and '"ssn":"qx7t2m9klp4a"' in hit.excerpt
