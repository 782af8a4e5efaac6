import base64
import codecs
import gzip
import io
import json
import os
import quopri
import random
import zipfile
import zlib
from urllib.parse import quote

import brotli
import pytest

from harness.detect.decompress import MAX_LAYER
from harness.detect.encodings import CanaryMatcher
from tests import factories as f

GZIP_FLOOD = b"\x1f\x8b\x08" * 200_000
TOKEN = "qx7t2m9klp4a"
OTHER = "b8kd02mxq7ve"
RAW = TOKEN.encode()


def _http(encoding: str, body: bytes) -> bytes:
    return f"POST /collect HTTP/1.1\r\nHost: x\r\nContent-Encoding: {encoding}\r\n\r\n".encode() + body


def _json_escaped(text: str) -> bytes:
    return "".join(f"\\u{ord(c):04x}" for c in text).encode()


def _rotated(shift: int) -> bytes:
    return bytes((b - 97 + shift) % 26 + 97 if 97 <= b <= 122 else b for b in RAW)


def _xor(data: bytes, key: int) -> bytes:
    return bytes(b ^ key for b in data)


def _zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


ENCODED = {
    "plain": (b"note " + RAW, ()),
    "upper case": (RAW.upper(), ()),
    "reversed": (RAW[::-1], ("reversed",)),
    "utf-16": (TOKEN.encode("utf-16-le"), ("utf-16",)),
    "hex": (RAW.hex().upper().encode(), ("hex",)),
    "base32 unpadded lower": (base64.b32encode(b"ab" + RAW).lower().rstrip(b"="), ("base32",)),
    "base32 padded of the upper-case token": (base64.b32encode(RAW.upper()), ("base32",)),
    "base64 offset 0": (base64.b64encode(RAW), ("base64",)),
    "base64 offset 1": (base64.b64encode(b"x" + RAW), ("base64",)),
    "base64 offset 2": (base64.b64encode(b"xy" + RAW + b"tail"), ("base64",)),
    "base64url": (base64.urlsafe_b64encode(b"\xfb\xff" + RAW), ("base64",)),
    "base64 of the upper-case token in a json string with escaped slashes": (
        json.dumps({"d": base64.b64encode(b"\xff\xff" + RAW.upper()).decode()}).replace("/", "\\/").encode(),
        ("base64",),
    ),
    "percent every byte": ("".join(f"%{b:02X}" for b in RAW).encode(), ("percent",)),
    "percent twice": (quote("".join(f"%{b:02X}" for b in RAW)).encode(), ("percent", "percent")),
    "json unicode escape": (json.dumps({"d": TOKEN}).replace("q", "\\u0071").encode(), ("json-escape",)),
    "quoted-printable soft break inside": (quopri.encodestring(b" " * 70 + RAW), ("quoted-printable",)),
    "html entities": ("".join(f"&#{b};" for b in RAW).encode(), ("html-entities",)),
    "raw deflate": (zlib.compress(b"x" * 30 + RAW)[2:-4], ("deflate",)),
    "brotli": (brotli.compress(b"log " * 20 + RAW, quality=11), ("brotli",)),
    "brotli http body": (_http("br", brotli.compress(b"x" * 100 + RAW)), ("brotli",)),
    "zlib http body": (_http("deflate", zlib.compress(b"x" * 100 + RAW)), ("zlib",)),
    "raw deflate http body": (_http("deflate", zlib.compress(b"x" * 100 + RAW)[2:-4]), ("deflate",)),
    "gzip http body": (_http("gzip", gzip.compress(b"x" * 100 + RAW)), ("gzip",)),
    "gzip of base64 of json escapes": (
        gzip.compress(base64.b64encode(b'{"v":"' + _json_escaped(TOKEN.upper()) + b'"}')),
        ("gzip", "base64", "json-escape"),
    ),
    "base64 of gzip": (base64.b64encode(gzip.compress(b"y" * 40 + RAW)), ("base64", "gzip")),
    "base64 of brotli": (base64.b64encode(brotli.compress(b"y" * 40 + RAW)), ("base64", "brotli")),
    "mime base64 split over lines": (base64.encodebytes(b"Q" * 50 + RAW + b"Z" * 50), ("base64",)),
    "hex in a url query": (f"GET /c?d={RAW.hex()}&x=1".encode(), ("hex",)),
    "rot13": (codecs.encode(TOKEN, "rot13").encode(), ("rot13",)),
    "a letter rotation nobody asked about": (_rotated(7), ("rot7",)),
    "hex with colons": (":".join(f"{b:02x}" for b in RAW).encode(), ("hex",)),
    "hexdump with spaces, upper case": (b"dump: " + " ".join(f"{b:02X}" for b in RAW).encode(), ("hex",)),
    "0x byte array": (("{" + ", ".join(f"0x{b:02x}" for b in RAW) + "}").encode(), ("hex",)),
    "node Buffer as JSON": (json.dumps({"type": "Buffer", "data": list(RAW)}).encode(), ("byte-list",)),
    "octal escapes": ("".join(f"\\{b:03o}" for b in RAW).encode(), ("octal-escape",)),
    "ascii85 between its delimiters": (b"<~" + base64.a85encode(b"k=" + RAW) + b"~>", ("ascii85",)),
    "base85 in a json string": (
        json.dumps({"d": base64.b85encode(b"\x00" + RAW).decode()}).encode(),
        ("base85",),
    ),
    "base85 among many characters only base85 uses": (
        b"{(" * 100 + b" " + base64.b85encode(b"\x00" + RAW) + b" ?",
        ("base85",),
    ),
    "deflated zip entry": (_zipped("notes/today.txt", b"meeting notes " * 20 + RAW), ("zip",)),
    "zip upload in a multipart body": (
        b"--b\r\nContent-Type: application/zip\r\n\r\n" + _zipped("a.json", b"{}" * 50 + RAW) + b"\r\n--b--",
        ("zip",),
    ),
    "one-byte xor of a json body": (
        _http("identity", _xor(b'{"note": "lunch with ann ' + RAW + b'"}', 0x5A)),
        ("xor-0x5a",),
    ),
    "xor that keeps text printable": (
        _xor(b"meeting notes: " + RAW + b" call back at noon", 0x01),
        ("xor-0x01",),
    ),
    "xor of utf-16": (_xor(("saved " + TOKEN).encode("utf-16-le"), 0x33), ("xor-0x33", "utf-16")),
    "percent escapes in a long base64 body, far from any other": (
        b"QUJD" * 50_000 + b" " + "".join(f"%{b:02X}" for b in RAW).encode() + b" " + b"REVG" * 50_000,
        ("percent",),
    ),
    "a token only partly percent-escaped": (b"q=" + RAW[:4] + b"%32%6D" + RAW[6:], ("percent",)),
    "upper-case base64 after many decoy runs": (
        b" ".join([b"A" * 16] * 200) + b" " + base64.b64encode(b"\x01" + RAW.upper()),
        ("base64",),
    ),
}


@pytest.mark.parametrize("name", ENCODED)
def test_the_token_is_found_through_each_encoding_with_its_decoding_chain(name):
    data, chain = ENCODED[name]
    hits = CanaryMatcher([TOKEN, OTHER]).scan(data)
    assert {h.token for h in hits} == {TOKEN}
    assert hits[0].chain == chain


def _near_miss(at: int) -> bytes:
    return (TOKEN[:at] + ("z" if TOKEN[at] != "z" else "y") + TOKEN[at + 1 :]).encode()


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(1 << 20),
        base64.b64encode(os.urandom(50_000)),
        gzip.compress(os.urandom(100_000)),
        b"qx7t2m9klp4b and qx7t2m9klp4",
        quote("the quick brown fox jumps over the lazy dog " * 50).encode(),
        *(base64.b64encode(pad + _near_miss(at)) for pad in (b"x", b"xy") for at in (0, 11)),
        *(base64.b32encode(pad + _near_miss(at)) for pad in (b"x", b"xy", b"xyz", b"wxyz") for at in (0, 11)),
        base64.b32encode(b"x" + RAW)[8:16].lower() * 100,
    ],
    ids=[
        "random",
        "base64 of random",
        "gzip of random",
        "near misses",
        "ordinary text",
        *(f"base64 offset {len(pad)} near miss at {at}" for pad in ("x", "xy") for at in (0, 11)),
        *(
            f"base32 offset {len(pad)} near miss at {at}"
            for pad in ("x", "xy", "xyz", "wxyz")
            for at in (0, 11)
        ),
        "the middle of an unaligned base32 rendering alone",
    ],
)
def test_data_without_the_whole_token_has_no_hits(data):
    assert CanaryMatcher([TOKEN]).scan(data) == []


def test_a_decompression_bomb_is_cut_at_the_layer_limit():
    bomb = f.zlib_bomb(RAW, 1 << 30, OTHER.encode())
    assert len(bomb) < 2 << 20 and MAX_LAYER < 1 << 30
    hits = CanaryMatcher([TOKEN, OTHER]).scan(bomb)
    assert [(h.token, h.chain) for h in hits] == [(TOKEN, ("zlib",))]


def test_a_flood_of_gzip_magic_numbers_still_yields_the_plain_token():
    # its cost is measured in tests/bench (a quadratic re-reading once took minutes)
    assert CanaryMatcher([TOKEN]).scan(GZIP_FLOOD + RAW)[0].chain == ()


def test_a_scan_says_whether_it_decoded_everything():
    matcher = CanaryMatcher([TOKEN])
    assert matcher.examine(gzip.compress(b"x" * 1000 + RAW)).complete
    # 5 KiB of gzip that inflates to 5.6 MB of base64, itself 4 MB once decoded at each of four
    # alignments: more than the budget allows, and the scan must admit it
    scan = matcher.examine(gzip.compress(base64.b64encode(b"x" * (4 << 20))))
    assert (scan.hits, scan.complete) == ([], False)


def test_layers_beyond_max_depth_are_not_peeled():
    data = RAW.upper()
    for _ in range(5):
        data = base64.b64encode(b"\x01" + data)
    assert CanaryMatcher([TOKEN]).scan(data, max_depth=4) == []
    assert CanaryMatcher([TOKEN]).scan(data, max_depth=5)[0].chain == ("base64",) * 5


def test_the_excerpt_shows_the_bytes_around_the_hit_in_the_decoded_layer():
    data = gzip.compress(b'{"user":"ann","ssn":"' + RAW + b'"}')
    [hit] = CanaryMatcher([TOKEN]).scan(data)
    assert hit.chain == ("gzip",) and '"ssn":"qx7t2m9klp4a"' in hit.excerpt


def test_a_matcher_without_tokens_finds_nothing():
    assert CanaryMatcher([]).scan(RAW) == []


def test_a_base85_text_without_any_character_only_base85_uses_is_found():
    encoded = base64.b85encode(b"juniper26851!!")
    assert not set(encoded) & set(b"!#$%&()*;<>?@^`{|}~")
    hits = CanaryMatcher(["juniper26851"]).scan(b"QUJD" * 100 + b" " + encoded + b" ")
    assert [(h.token, h.chain) for h in hits] == [("juniper26851", ("base85",))]


def test_a_run_longer_than_the_head_it_is_first_decoded_to_is_decoded_whole_when_it_starts_a_stream():
    body = random.Random(7).randbytes(6000) + b"note: " * 50 + RAW.upper()
    run = base64.b64encode(gzip.compress(body))
    assert len(run) > 3 * 4096 // 2  # longer than what the printable test reads, decoded
    chains = {h.chain for h in CanaryMatcher([TOKEN]).scan(b"data=" + run)}
    assert ("base64", "gzip") in chains
