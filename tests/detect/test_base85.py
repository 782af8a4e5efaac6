import base64
import random

from harness.detect.base85 import a85decode_many, b85decode_many

_CHARACTERS = bytes(range(33, 127)) + b" \n" + b"z" * 10
"""Both alphabets and the printable characters neither uses, whitespace (which Ascii85 skips), many z."""


def _standard(decode, run: bytes) -> bytes | None:
    try:
        return decode(run)
    except ValueError:
        return None


def _runs(rng: random.Random) -> list[bytes]:
    """Encodings of random bytes (zero runs included, which Ascii85 writes as z), and random text
    in and around both alphabets, of every length modulo a group."""
    runs = []
    for _ in range(rng.randint(0, 40)):
        kind = rng.randrange(4)
        data = rng.randbytes(rng.randint(0, 60))
        if kind == 0:
            runs.append(base64.b85encode(data))
        elif kind == 1:
            runs.append(base64.a85encode(b"\0" * rng.randint(0, 12) + data))
        else:
            runs.append(bytes(rng.choice(_CHARACTERS) for _ in range(rng.randint(0, 40))))
    return runs


def test_many_runs_decode_as_the_standard_library_decodes_each_failures_included():
    rng = random.Random(11)
    for _ in range(400):
        runs = _runs(rng)
        assert b85decode_many(runs) == [_standard(base64.b85decode, run) for run in runs], runs
        assert a85decode_many(runs) == [_standard(base64.a85decode, run) for run in runs], runs


def test_an_ascii85_z_is_four_zero_bytes_between_groups_and_an_error_inside_one():
    assert a85decode_many([b"z" + base64.a85encode(b"abcd"), b"!!z!!!", b"zz"]) == [
        b"\0\0\0\0abcd",
        None,
        b"\0" * 8,
    ]
