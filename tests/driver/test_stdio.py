from harness.driver.stdio import (
    MAX_MESSAGE,
    LineSplitter,
    Oversized,
    StdoutLedger,
    parse_line,
    stdout_evidence,
)

REQUEST = b'{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}'


def test_a_line_over_the_limit_is_refused_with_its_size_and_never_held_whole():
    splitter = LineSplitter(limit=1000)
    out = []
    for _ in range(300):  # 300 KiB with no newline, in 1 KiB chunks
        out += splitter.feed(b"A" * 1024)
        assert len(splitter._buf) <= 1000
    out += splitter.feed(b"\n" + REQUEST + b"\n")
    assert out == [Oversized(300 * 1024, b"A" * 512, b"A" * 512), REQUEST]


def test_a_refused_response_names_its_request_id_from_either_end():
    assert Oversized(10, b'{"jsonrpc":"2.0","id":7,"result":{"x":"', b"").request_id() == 7
    assert Oversized(10, b'{"result":{"x":"', b'AAAA"}},"jsonrpc":"2.0","id":12}').request_id() == 12
    assert Oversized(10, b'{"result":', b'"text":"id\\":5"}').request_id() is None


def test_lines_split_across_chunks_come_out_whole():
    splitter = LineSplitter()
    assert splitter.feed(REQUEST[:10]) == []
    assert splitter.feed(REQUEST[10:] + b"\n") == [REQUEST]
    assert MAX_MESSAGE == 16 << 20


def test_output_that_is_not_json_rpc_is_counted_and_a_few_short_samples_kept():
    ledger = StdoutLedger()
    for number in range(1000):
        assert parse_line(f"[debug] step {number} ".encode() + b"x" * 500, ledger) is None
    assert ledger.noise_lines == 1000 and len(ledger.samples) == 5
    assert all(len(sample) <= 200 for sample in ledger.samples)
    [defect], notes = stdout_evidence(ledger)
    assert defect.defect == "stdout_noise" and defect.count == 1000 and b"[debug] step 0" in defect.sample
    assert notes == []


def test_a_message_written_behind_other_output_on_its_line_is_read_back():
    ledger = StdoutLedger()
    message = parse_line(b"ready> " + REQUEST, ledger)
    assert message is not None and message.message.id == 3
    assert ledger.recovered == 1 and ledger.samples == [b"ready> "]


def test_a_message_broken_by_other_output_is_lost_and_the_broken_stream_is_stated():
    ledger = StdoutLedger()
    assert parse_line(REQUEST[:20] + b"[log] hello" + REQUEST[20:], ledger) is None
    assert ledger.broken == 1
    _, notes = stdout_evidence(ledger)
    assert notes == ["the JSON-RPC stream broke: 1 message(s) mangled by other output"]


def test_a_lone_surrogate_is_repaired_instead_of_losing_the_message():
    ledger = StdoutLedger()
    line = b'{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"t","description":"bad \\udc80"}]}}'
    message = parse_line(line, ledger)
    assert message is not None
    assert message.message.result["tools"][0]["description"] == "bad \ufffd"
    assert ledger.repaired == 1


def test_absurd_nesting_is_cut_not_a_crash():
    ledger = StdoutLedger()
    deep = b'{"jsonrpc":"2.0","id":1,"result":{"x":' + b"[" * 500 + b"]" * 500 + b"}}"
    message = parse_line(deep, ledger)
    assert message is not None and ledger.repaired == 1
    too_deep = b'{"jsonrpc":"2.0","id":1,"result":{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    assert parse_line(too_deep, ledger) is None and ledger.noise_lines == 1
