"""The store contract, on memory, SQLite and a real redis-server."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from server_helpers import redis_server

from authtokens.errors import InvalidArgumentError
from authtokens.stores import MemoryStore, Store, open_store


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


StoreFactory = Callable[[], Store]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    if request.param == "memory":
        shared = MemoryStore()
        return lambda: shared
    if request.param == "sqlite":
        return lambda: open_store(f"sqlite:///{tmp_path / 'auth.db'}")  # absolute: sqlite:////tmp/…
    url = request.getfixturevalue("redis_url")
    prefix = f"t{id(request)}:"

    def redis_store() -> Store:
        from authtokens.stores.redis import RedisStore

        return RedisStore(url, prefix=prefix)

    return redis_store


@asynccontextmanager
async def opened(factory: StoreFactory) -> AsyncIterator[Store]:
    store = factory()
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def test_put_new_take_once(make_store: StoreFactory) -> None:
    async def run() -> None:
        async with opened(make_store) as store:
            assert await store.ping()
            assert await store.put_new("id1", b"record", 30)
            assert not await store.put_new("id1", b"other", 30)  # no overwrite
            assert await store.take("id1") == b"record"
            assert await store.take("id1") is None
            assert await store.take("never") is None

    asyncio.run(run())


def test_expired_reads_as_none(make_store: StoreFactory) -> None:
    async def run() -> None:
        async with opened(make_store) as store:
            assert await store.put_new("short", b"r", 0.05)
            await asyncio.sleep(0.2)
            assert await store.take("short") is None
            assert await store.put_new("short", b"again", 30)  # an expired id is free again

    asyncio.run(run())


def test_fifty_concurrent_takes_one_winner(make_store: StoreFactory) -> None:
    async def run() -> list[bytes | None]:
        async with opened(make_store) as store:
            await store.put_new("race", b"prize", 30)
            return await asyncio.gather(*(store.take("race") for _ in range(50)))

    results = asyncio.run(run())
    assert results.count(b"prize") == 1
    assert results.count(None) == 49


def test_users_upsert(make_store: StoreFactory) -> None:
    async def run() -> None:
        async with opened(make_store) as store:
            assert await store.get_user("ed25519:u") is None
            first = await store.record_user("ed25519:u", "ed25519")
            await asyncio.sleep(0.01)
            second = await store.record_user("ed25519:u", "ed25519")
            assert first.sign_ins == 1
            assert second.sign_ins == 2
            assert second.first_seen == first.first_seen
            assert second.last_seen > first.last_seen
            assert await store.get_user("ed25519:u") == second

    asyncio.run(run())


def test_counters(make_store: StoreFactory) -> None:
    async def run() -> None:
        async with opened(make_store) as store:
            assert await store.hit([("a", 60), ("b", 60)]) == [1, 1]
            assert await store.hit([("a", 60)]) == [2]
            counts = await asyncio.gather(*(store.hit([("c", 60)]) for _ in range(20)))
            assert sorted(c[0] for c in counts) == list(range(1, 21))

    asyncio.run(run())


def test_sqlite_survives_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'auth.db'}"

    async def first() -> None:
        async with opened(lambda: open_store(url)) as store:
            await store.put_new("kept", b"record", 60)
            await store.record_user("k", "ed25519")

    async def second() -> None:
        async with opened(lambda: open_store(url)) as store:
            assert await store.take("kept") == b"record"
            user = await store.get_user("k")
            assert user is not None
            assert user.sign_ins == 1

    asyncio.run(first())
    asyncio.run(second())
    mode = sqlite3.connect(tmp_path / "auth.db").execute("PRAGMA journal_mode").fetchone()
    assert mode == ("wal",)


def test_redis_survives_redis_restart(tmp_path: Path) -> None:
    from authtokens.stores.redis import RedisStore

    async def first(url: str) -> None:
        async with opened(lambda: RedisStore(url)) as store:
            await store.put_new("kept", b"record", 60)
            await store.record_user("k", "secp256k1")

    async def second(url: str) -> None:
        async with opened(lambda: RedisStore(url)) as store:
            assert await store.take("kept") == b"record"
            user = await store.get_user("k")
            assert user is not None
            assert user.key_type == "secp256k1"

    with redis_server(tmp_path, persistent=True) as url:
        asyncio.run(first(url))
        port = int(url.rsplit(":", 1)[1].split("/")[0])
    with redis_server(tmp_path, persistent=True, port=port) as url:
        asyncio.run(second(url))


@pytest.mark.parametrize("url", ["postgres://x", "sqlite://", "", "memory:"])
def test_bad_store_urls(url: str) -> None:
    with pytest.raises(InvalidArgumentError):
        open_store(url)


def test_stores_used_before_open_say_so(tmp_path: Path) -> None:
    from authtokens.errors import StoreNotOpenError, UsageError
    from authtokens.stores.redis import RedisStore
    from authtokens.stores.sqlite import SqliteStore

    with pytest.raises(StoreNotOpenError) as info:
        asyncio.run(SqliteStore(str(tmp_path / "s.db")).ping())
    assert isinstance(info.value, UsageError)
    with pytest.raises(StoreNotOpenError):
        _ = RedisStore("redis://127.0.0.1:1/0").redis


def test_claim_meta_first_value_wins_until_replaced(make_store: StoreFactory) -> None:
    async def run() -> None:
        async with opened(make_store) as store:
            assert await store.claim_meta("binding", b"a") == b"a"
        async with opened(make_store) as store:  # kept across a reopen (memory: same object)
            assert await store.claim_meta("binding", b"b") == b"a"
            assert await store.claim_meta("binding", b"b", replace=True) == b"b"
            assert await store.claim_meta("binding", b"c") == b"b"

    asyncio.run(run())
