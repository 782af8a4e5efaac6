import anyio

from harness.driver.launches import ASSISTANTS, IDES, identities, lease, split_rounds


def test_the_last_launch_gets_most_rounds_and_each_earlier_launch_one():
    assert split_rounds(6, 2) == [1, 5]
    assert split_rounds(6, 3) == [1, 1, 4]
    assert split_rounds(1, 2) == [0, 1]
    assert split_rounds(2, 1) == [2]
    assert all(sum(split_rounds(r, n)) == r for r in range(1, 9) for n in range(1, 4))


def test_launches_alternate_chat_assistants_and_ide_assistants():
    for _ in range(50):
        first, second, third = identities(3)
        assert first in ASSISTANTS and second in IDES and third in ASSISTANTS
    names = {i.info.name for i in (*ASSISTANTS, *IDES)}
    assert {"claude-ai", "claude-code", "cursor-vscode", "Visual Studio Code", "windsurf-client"} == names


def test_a_lease_passes_messages_both_ways_and_its_end_leaves_the_transport_open():
    async def main() -> None:
        to_client, read = anyio.create_memory_object_stream[str](10)
        write, from_client = anyio.create_memory_object_stream[str](10)
        for n in (1, 2):
            async with lease(read, write) as (session_read, session_write):
                await to_client.send(f"hello {n}")
                assert await session_read.receive() == f"hello {n}"
                await session_write.send(f"answer {n}")
                assert await from_client.receive() == f"answer {n}"
                await session_read.aclose()
                await session_write.aclose()
        await to_client.send("still open")
        assert await read.receive() == "still open"
        for stream in (to_client, read, write, from_client):
            await stream.aclose()

    anyio.run(main)
