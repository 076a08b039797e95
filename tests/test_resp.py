"""The Redis lane's wire format, and what it does with replies it cannot use."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from authtokens.stores.resp import Lane, pack

ARGS = st.lists(
    st.one_of(st.binary(max_size=64), st.text(max_size=32), st.integers(-(2**63), 2**63 - 1)),
    max_size=12,
)


@given(ARGS)
def test_pack_matches_redis_py(args: list[Any]) -> None:
    # (redis-py splits a command name with spaces in it; ours are fixed words)
    assert pack("EVALSHA", *args) == b"".join(Connection().pack_command("EVALSHA", *args))


@pytest.mark.parametrize("bad", [None, True, object(), [1]])
def test_pack_refuses_what_redis_cannot_take(bad: object) -> None:
    with pytest.raises(TypeError):
        pack("SET", "k", bad)


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True


def _lane() -> tuple[Lane, _Transport]:
    lane = Lane()
    transport = _Transport()
    lane.connection_made(transport)
    return lane, transport


def test_replies_in_pieces_and_errors_reach_their_callers() -> None:
    async def run() -> list[object]:
        lane, transport = _lane()
        calls = [lane.call(("GET", "a")), lane.call(("GET", "b")), lane.call(("GET", "c"))]
        assert transport.written == [pack("GET", "a"), pack("GET", "b"), pack("GET", "c")]
        for piece in (b"$3\r\nfo", b"o\r\n-ERR wrong\r\n:4", b"2\r\n"):
            lane.data_received(piece)
        return list(await asyncio.gather(*calls, return_exceptions=True))

    first, second, third = asyncio.run(run())
    assert first == b"foo"
    assert isinstance(second, ResponseError)
    assert third == 42


@pytest.mark.parametrize("garbage", [b"?what\r\n", b":1\r\n:2\r\n"])
def test_a_reply_out_of_step_cuts_the_connection(garbage: bytes) -> None:
    """Malformed RESP, or more replies than calls: every waiting caller fails, none is handed
    someone else's reply, and the connection is dropped."""

    async def run() -> tuple[list[object], _Transport]:
        lane, transport = _lane()
        call = lane.call(("GET", "a"))
        lane.data_received(garbage)
        later = lane.call(("GET", "b"))
        return list(await asyncio.gather(call, later, return_exceptions=True)), transport

    results, transport = asyncio.run(run())
    assert transport.aborted
    if garbage.startswith(b":1"):
        assert results[0] == 1  # its own reply, then the stray one cut the lane
        assert isinstance(results[1], RedisConnectionError)
    else:
        assert all(isinstance(r, RedisConnectionError) for r in results)


@given(st.binary(max_size=200))
def test_any_bytes_from_redis_never_crash_the_lane(data: bytes) -> None:
    async def run() -> None:
        lane, _ = _lane()
        calls = [lane.call(("PING",)) for _ in range(3)]
        lane.data_received(data)
        lane.close()
        for result in await asyncio.gather(*calls, return_exceptions=True):
            assert not isinstance(result, BaseException) or isinstance(
                result, RedisConnectionError | ResponseError
            )

    asyncio.run(run())


def test_a_call_redis_cannot_take_fails_alone(tmp_path: Path) -> None:
    """An argument of a type Redis has no form for fails its own call, not its batch."""
    from server_helpers import redis_server

    from authtokens.stores.redis import RedisStore

    async def run() -> list[object]:
        with redis_server(tmp_path) as url:
            store = RedisStore(url)
            await store.open()
            try:
                good = store.hit([("a", 60)])
                bad = store._run_script(store._hit_script, keys=["k"], args=[object()])
                also = store.hit([("b", 60)])
                return list(await asyncio.gather(good, bad, also, return_exceptions=True))
            finally:
                await store.close()

    good, bad, also = asyncio.run(run())
    assert good == [1]
    assert isinstance(bad, TypeError)
    assert also == [1]
