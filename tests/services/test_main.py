import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from dnslib import DNSRecord

from harness.model import DnsQuery, Event, HttpExchange, event_from_json
from harness.sandbox.ca import new_ca
from harness.services.__main__ import _tokens, serve

# A loopback address of its own, so the standard ports cannot clash with anything on the host.
HOST = "127.0.0.2"


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    cert, key = new_ca()
    (tmp_path / "ca.pem").write_bytes(cert)
    (tmp_path / "ca.key").write_bytes(key)
    (tmp_path / "config.json").write_text(json.dumps({"postmark_tokens": ["tok-1"]}))
    return tmp_path


@pytest.fixture
async def gateway(data: Path) -> AsyncIterator[tuple[Path, asyncio.Event, asyncio.Task[None]]]:
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(data, HOST, [], stopping))
    await wait_until(lambda: (data / "ready").exists() or task.done())
    yield data, stopping, task
    stopping.set()
    await asyncio.wait_for(task, 10)


def logged(data: Path) -> list[Event]:
    path = data / "gateway.jsonl"
    return [event_from_json(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_the_gateway_writes_ready_then_logs_what_its_listeners_see(
    gateway: tuple[Path, asyncio.Event, asyncio.Task[None]],
) -> None:
    data, stopping, task = gateway
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, remote_addr=(HOST, 15053))
    transport.sendto(bytes(DNSRecord.question("example.com").pack()))
    transport.close()
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"http://{HOST}:15001/server", headers={"X-Postmark-Server-Token": "tok-2"}
        )
    assert response.status_code == 401  # only the configured token is accepted
    await wait_until(lambda: {DnsQuery, HttpExchange} <= {type(e) for e in logged(data)})
    stopping.set()
    await asyncio.wait_for(task, 10)
    assert (data / "ready").exists() and task.exception() is None


async def test_with_a_gate_ready_is_written_there_too(data: Path) -> None:
    gate = data / "gate"
    gate.mkdir()
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(data, "127.0.0.3", [], stopping, gate))
    await wait_until(lambda: (data / "ready").exists() or task.done())
    assert (gate / "ready").exists()  # where the server's PID 1 waits
    stopping.set()
    await asyncio.wait_for(task, 10)
    assert task.exception() is None


async def test_with_after_ready_waits_for_the_network_while_the_fakes_already_listen(data: Path) -> None:
    """The entrypoint starts the fakes before its routes and capture: nothing may be told ready
    (least of all the server's gate) until it says those are up."""
    gate, network = data / "gate", data / "network.ready"
    gate.mkdir()
    stopping = asyncio.Event()
    task = asyncio.create_task(serve(data, "127.0.0.4", [], stopping, gate, after=network))
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, remote_addr=("127.0.0.4", 15053)
    )

    def asked() -> bool:  # asked again until the DNS listener has bound and logged it
        transport.sendto(bytes(DNSRecord.question("example.com").pack()))
        return DnsQuery in {type(e) for e in logged(data)} or task.done()

    await wait_until(asked)
    transport.close()
    assert not (data / "ready").exists() and not (gate / "ready").exists()
    network.touch()
    await wait_until(lambda: (data / "ready").exists() or task.done())
    assert (gate / "ready").exists()
    stopping.set()
    await asyncio.wait_for(task, 10)
    assert task.exception() is None


async def test_a_gate_that_cannot_be_written_ends_the_fakes_before_the_harness_sees_them_ready(
    data: Path,
) -> None:
    task = asyncio.create_task(serve(data, "127.0.0.3", [], asyncio.Event(), data / "no-such-dir"))
    await wait_until(task.done)
    assert isinstance(task.exception(), OSError)
    assert not (data / "ready").exists()  # else the server would wait at its gate until a timeout


def test_tokens_default_to_none_and_reject_a_malformed_config(tmp_path: Path) -> None:
    assert _tokens(tmp_path / "missing.json") == []
    (tmp_path / "config.json").write_text('{"postmark_tokens": "not-a-list"}')
    with pytest.raises(ValueError, match="postmark_tokens"):
        _tokens(tmp_path / "config.json")
