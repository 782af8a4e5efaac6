import logging

from harness.report.inert import MARK, InertFormatter, inert, quoted

HOSTILE = (
    "\x1b[2J\x1b[H"  # clear screen, cursor home
    "\x1b]0;owned\x07"  # window title
    "\x1b]52;c;ZWNobyBoaQ==\x1b\\"  # clipboard write
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"  # hyperlink
    "\x9b31m"  # 8-bit CSI
    "safe\u202etxt.exe\u2066"  # bidi override and isolate
    "\rCLEAN: no findings\n"
)


def test_no_escape_or_control_character_survives():
    text = inert(HOSTILE)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)
    assert "\u202e" not in text and "\u2066" not in text
    assert "52;" not in text and "evil.example" not in text
    assert MARK in text and "safe" in text and "click" in text


def test_a_newline_cannot_start_a_line_of_its_own():
    assert "\n" not in inert("ok\nCLEAN: no findings")
    lines = quoted("ok\nCLEAN: no findings").splitlines()
    assert all(line.startswith("  | ") for line in lines)


def test_long_text_is_cut_and_the_cut_is_stated():
    text = inert("A" * 100_000, limit=50)
    assert text.startswith("A" * 50) and "more characters" in text and len(text) < 100


def test_log_lines_carry_no_escapes_from_their_arguments():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "server said %s", (HOSTILE,), None)
    line = InertFormatter("%(message)s").format(record)
    assert "\x1b" not in line and "\n" not in line
