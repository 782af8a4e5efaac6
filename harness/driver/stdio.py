"""The server's stdin and stdout as an MCP transport, with every byte the server writes bounded.

The SDK's own stdio client keeps an unbounded line buffer (a server writing 256 MiB without a
newline makes the client hold all of it) and logs a traceback for every line that is not
JSON-RPC (a flood of them is a flood of tracebacks). This transport reads stdout in chunks and:

- keeps at most :data:`MAX_MESSAGE` bytes of one line; a longer line is dropped as it streams
  past and refused with its size (when its request id can be read from its ends, the request
  gets an error answer at once instead of hanging);
- parses each line with the standard library (which, unlike the SDK's parser, accepts a lone
  surrogate), replaces invalid Unicode and cuts absurd nesting before the SDK validates it;
- counts the lines that are not JSON-RPC, keeps a few short samples, and recovers a message
  that other output was written in front of on the same line.

What it saw is kept in a :class:`StdoutLedger` the driver turns into evidence. Clean-up: the
``docker start --attach`` process is closed, then killed, when the context exits; the container
itself belongs to the sandbox.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream
from mcp.shared.message import SessionMessage
from mcp_types import jsonrpc_message_adapter
from pydantic import ValidationError

from harness.driver.attach import EarlyStart, start_attached, stop_attached
from harness.driver.transports import Connect, TransportStreams
from harness.model import ProtocolDefect

log = logging.getLogger(__name__)

MAX_MESSAGE = 16 << 20
"""Largest JSON-RPC message (one stdout line) accepted from the server."""
MAX_DEPTH = 100
"""Nesting kept in a message; deeper values are replaced by a marker."""
_SAMPLES = 5
_SAMPLE_BYTES = 200
_ENDS = 512
"""Bytes kept from each end of a refused line, to find its request id."""
_WRITE_TIMEOUT = 30.0
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ID_AT_START = re.compile(rb'^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(\d{1,15})\s*[,}]')
_ID_AT_END = re.compile(rb',\s*"id"\s*:\s*(\d{1,15})\s*}\s*$')


@dataclass
class StdoutLedger:
    """What came out of the server's stdout besides readable JSON-RPC messages (bounded)."""

    messages: int = 0
    noise_lines: int = 0
    """Lines that were not a JSON-RPC message."""
    noise_bytes: int = 0
    samples: list[bytes] = field(default_factory=list)
    """The first few of those lines, each cut to a few hundred bytes."""
    broken: int = 0
    """Of those, lines that carried a JSON-RPC message mangled by other output (a broken stream)."""
    recovered: int = 0
    """Messages read back from a line where other output came first."""
    oversized: int = 0
    """Lines over :data:`MAX_MESSAGE`, refused."""
    largest: int = 0
    """Size of the largest refused line."""
    repaired: int = 0
    """Messages with invalid Unicode (lone surrogates) or absurd nesting, repaired before use."""
    ended: bool = False
    """The stdout stream reached its end (the server closed it or exited)."""
    stuck_writing: bool = False
    """A write to the server's stdin did not complete in time: it stopped reading."""

    def noise(self, line: bytes, broken: bool = False) -> None:
        self.noise_lines += 1
        self.noise_bytes += len(line)
        self.broken += broken
        if len(self.samples) < _SAMPLES:
            self.samples.append(line[:_SAMPLE_BYTES])


@dataclass(frozen=True)
class Oversized:
    """A line longer than :data:`MAX_MESSAGE`: its size and its two ends."""

    size: int
    head: bytes
    tail: bytes

    def request_id(self) -> int | None:
        """The id of the response it was, when an end shows it (SDKs put ``id`` first or last)."""
        match = _ID_AT_START.match(self.head) or _ID_AT_END.search(self.tail)
        return int(match.group(1)) if match else None


class LineSplitter:
    """Split a byte stream into lines, holding at most ``limit`` bytes of the current line."""

    def __init__(self, limit: int = MAX_MESSAGE):
        self.limit = limit
        self._buf = bytearray()
        self._dropped = 0
        self._head = b""
        self._tail = b""

    def feed(self, chunk: bytes) -> list[bytes | Oversized]:
        out: list[bytes | Oversized] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            self._take(chunk[start : end if end >= 0 else len(chunk)])
            if end < 0:
                return out
            out.append(self._line())
            start = end + 1

    def _take(self, piece: bytes) -> None:
        if self._dropped:
            self._dropped += len(piece)
            self._tail = (self._tail + piece)[-_ENDS:]
            return
        self._buf += piece
        if len(self._buf) > self.limit:
            self._dropped = len(self._buf)
            self._head, self._tail = bytes(self._buf[:_ENDS]), bytes(self._buf[-_ENDS:])
            self._buf = bytearray()

    def _line(self) -> bytes | Oversized:
        if self._dropped:
            line: bytes | Oversized = Oversized(self._dropped, self._head, self._tail)
            self._dropped, self._head, self._tail = 0, b"", b""
            return line
        data = bytes(self._buf)
        self._buf = bytearray()
        return data


def _repair(value: Any, depth: int = 0) -> tuple[Any, bool]:
    """The value with lone surrogates replaced by U+FFFD and nesting past :data:`MAX_DEPTH` cut."""
    if isinstance(value, str):
        fixed = _LONE_SURROGATE.sub("\ufffd", value)
        return fixed, fixed != value
    if not isinstance(value, dict | list):
        return value, False
    if depth >= MAX_DEPTH:
        return "[nested too deep]", True
    changed = False
    if isinstance(value, list):
        items = []
        for item in value:
            new, hit = _repair(item, depth + 1)
            items.append(new)
            changed |= hit
        return items, changed
    out = {}
    for key, item in value.items():
        new_key, hit_key = _repair(key, depth + 1)
        out[new_key], hit = _repair(item, depth + 1)
        changed |= hit or hit_key
    return out, changed


def _load(text: str) -> tuple[Any, int]:
    """The JSON value the text starts with (at ``text[0]``) and where it ends; (None, 0) if none."""
    try:
        return json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        return None, 0


def parse_line(line: bytes, ledger: StdoutLedger) -> SessionMessage | None:
    """One stdout line as a JSON-RPC message, or None (recorded in the ledger) when it is not one."""
    text = line.decode("utf-8", "replace").strip()
    if not text:
        return None
    value, end = _load(text) if text[0] == "{" else (None, 0)
    if value is None or text[end:].strip():
        start = text.find('{"')
        recovered, end = _load(text[start:]) if start > 0 else (None, 0)
        if not isinstance(recovered, dict) or text[start + end :].strip():
            ledger.noise(line, broken='"jsonrpc"' in text)
            return None
        value = recovered
        ledger.recovered += 1
        ledger.noise(text[:start].encode("utf-8", "replace"))
    value, repaired = _repair(value)
    ledger.repaired += repaired
    try:
        message = jsonrpc_message_adapter.validate_python(value, by_name=False)
    except (ValidationError, RecursionError):
        ledger.noise(line, broken=True)
        return None
    ledger.messages += 1
    return SessionMessage(message)


def stdout_evidence(ledger: StdoutLedger) -> tuple[list[ProtocolDefect], list[str]]:
    """Defects to report (info) and liveness notes for what the ledger holds."""
    now = time.time()
    defects: list[ProtocolDefect] = []
    notes: list[str] = []
    if ledger.noise_lines:
        detail = f"{ledger.noise_lines} line(s), {ledger.noise_bytes} bytes, on stdout were not JSON-RPC"
        if ledger.broken:
            detail += f"; {ledger.broken} of them held a JSON-RPC message broken by other output, and lost"
            notes.append(f"the JSON-RPC stream broke: {ledger.broken} message(s) mangled by other output")
        if ledger.recovered:
            detail += f"; {ledger.recovered} message(s) were read back from behind other output"
        sample = b"\n".join(ledger.samples)
        defects.append(ProtocolDefect(now, "stdout_noise", "stdout", detail, ledger.noise_lines, sample))
    if ledger.oversized:
        detail = (
            f"{ledger.oversized} message(s) over the {MAX_MESSAGE}-byte limit refused"
            f" (largest {ledger.largest} bytes)"
        )
        defects.append(ProtocolDefect(now, "oversized_message", "stdout", detail, ledger.oversized))
        notes.append(detail)
    if ledger.repaired:
        detail = f"{ledger.repaired} message(s) held lone surrogates or absurd nesting, repaired"
        defects.append(ProtocolDefect(now, "invalid_unicode", "stdout", detail, ledger.repaired))
    return defects, notes


def _refusal(line: Oversized) -> SessionMessage | None:
    """An error answer for the request a refused line was the response to, so it does not hang."""
    request_id = line.request_id()
    if request_id is None:
        return None
    error = {"code": -32600, "message": f"response of {line.size} bytes refused: over {MAX_MESSAGE} bytes"}
    payload = {"jsonrpc": "2.0", "id": request_id, "error": error}
    return SessionMessage(jsonrpc_message_adapter.validate_python(payload))


async def _read(stdout: ByteReceiveStream, send: Any, ledger: StdoutLedger) -> None:
    splitter = LineSplitter()
    async with send:
        try:
            async for chunk in stdout:
                for line in splitter.feed(chunk):
                    if isinstance(line, Oversized):
                        ledger.oversized += 1
                        ledger.largest = max(ledger.largest, line.size)
                        message = _refusal(line)
                    else:
                        message = parse_line(line, ledger)
                    if message is not None:
                        await send.send(message)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError):
            pass
        ledger.ended = True


async def _write(stdin: ByteSendStream, receive: Any, ledger: StdoutLedger, reader_send: Any) -> None:
    async with receive:
        try:
            async for message in receive:
                data = message.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n"
                with anyio.fail_after(_WRITE_TIMEOUT):
                    await stdin.send(data.encode("utf-8"))
        except TimeoutError:
            ledger.stuck_writing = True
            await reader_send.aclose()
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            await reader_send.aclose()


def bounded_stdio(argv: list[str], ledger: StdoutLedger, early: EarlyStart | None = None) -> Connect:
    """The server's stdin and stdout through ``argv`` (``docker start --attach --interactive``);
    the first connection takes over the process ``early`` started, if it did."""

    @contextlib.asynccontextmanager
    async def connect(errlog: TextIO) -> AsyncIterator[TransportStreams]:
        read_send, read_receive = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        write_send, write_receive = anyio.create_memory_object_stream[SessionMessage](0)
        process = (early.take() if early is not None else None) or await start_attached(argv, errlog)
        assert process.stdout is not None and process.stdin is not None
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(_read, process.stdout, read_send, ledger)
                tg.start_soon(_write, process.stdin, write_receive, ledger, read_send)
                try:
                    yield read_receive, write_send
                finally:
                    tg.cancel_scope.cancel()
        finally:
            await stop_attached(process)
            for stream in (read_send, read_receive, write_send, write_receive):
                stream.close()

    return connect
