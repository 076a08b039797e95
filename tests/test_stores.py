"""The store contract, on memory, SQLite and a real redis-server."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from server_helpers import redis_server

from authtokens.errors import InvalidArgumentError
from authtokens.stores import MemoryStore, Store, open_store
from authtokens.stores.base import OWNER, Limited

StoreFactory = Callable[[], Store]


@pytest.fixture(params=["memory", "sqlite", "redis", "redis-py"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    if request.param == "memory":
        shared = MemoryStore()
        return lambda: shared
    if request.param == "sqlite":
        return lambda: open_store(f"sqlite:///{tmp_path / 'auth.db'}")  # absolute: sqlite:////tmp/…
    url = request.getfixturevalue("redis_url")
    prefix = f"t{uuid.uuid4().hex}:"

    def redis_store() -> Store:
        from authtokens.stores.redis import RedisStore

        return RedisStore(url, prefix=prefix, lane=request.param == "redis")

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


# --- the combined steps: rate limits and the challenge in one round trip ---------------------


def test_put_new_limited_counts_then_stores(make_store: StoreFactory) -> None:
    async def run() -> None:
        async with opened(make_store) as store:
            counters = [("ip:a", 60, 2), ("key:k@a", 60, 5)]
            done = await store.put_new_limited("c1", b"r1", 30, counters)
            assert done == Limited([1, 1], None, stored=True)
            done = await store.put_new_limited("c1", b"r2", 30, counters)  # live id kept
            assert done == Limited([2, 2], None, stored=False)
            done = await store.put_new_limited("c2", b"r3", 30, counters)  # over ip:a
            assert done == Limited([3, 3], "ip:a", stored=False)
            assert await store.take("c1") == b"r1"
            assert await store.take("c2") is None  # nothing stored over a limit
            assert await store.put_new_limited("c3", b"r", 30, []) == Limited([], stored=True)

    asyncio.run(run())


def _record(owner: str) -> bytes:
    return json.dumps({"key_id": owner, "nonce": "n"}).encode()


def test_take_limited_counts_takes_and_counts_the_owner(make_store: StoreFactory) -> None:
    async def run() -> None:
        async with opened(make_store) as store:
            ip = [("verify-ip:a", 60, 3)]
            owner = [("verify-key:" + OWNER + "@a", 60, 1)]
            for cid in ("t1", "t2", "t3"):
                assert await store.put_new(cid, _record("ed25519:k"), 30)
            done = await store.take_limited("t1", ip, owner_field="key_id", owner_counters=owner)
            assert done == Limited([1, 1], None, record=_record("ed25519:k"))
            # The owner's window is now full: the record is still taken (spent), and refused.
            done = await store.take_limited("t2", ip, owner_field="key_id", owner_counters=owner)
            assert done == Limited([2, 2], "verify-key:ed25519:k@a", record=_record("ed25519:k"))
            assert await store.take("t2") is None
            # Nothing to take: only the request's own counters move.
            done = await store.take_limited("gone", ip, owner_field="key_id", owner_counters=owner)
            assert done == Limited([3])
            # Over the request's limit: nothing is taken.
            done = await store.take_limited("t3", ip, owner_field="key_id", owner_counters=owner)
            assert done == Limited([4], "verify-ip:a")
            assert await store.take("t3") == _record("ed25519:k")
            # A record without the owner field (not JSON here) is taken without owner counters.
            assert await store.put_new("t4", b"probe", 30)
            done = await store.take_limited("t4", [], owner_field="key_id", owner_counters=owner)
            assert done == Limited([], None, record=b"probe")

    asyncio.run(run())


def test_fifty_concurrent_take_limited_one_winner(make_store: StoreFactory) -> None:
    async def run() -> list[Limited]:
        async with opened(make_store) as store:
            await store.put_new("race", _record("k"), 30)
            owner = [("vk:" + OWNER, 60, 1000)]
            return await asyncio.gather(
                *(
                    store.take_limited(
                        "race", [("ip", 60, 1000)], owner_field="key_id", owner_counters=owner
                    )
                    for _ in range(50)
                )
            )

    results = asyncio.run(run())
    winners = [r for r in results if r.record is not None]
    assert len(winners) == 1
    assert winners[0].record == _record("k")
    assert sorted(r.counts[0] for r in results) == list(range(1, 51))
    assert winners[0].counts[1] == 1


def test_sqlite_take_limited_under_another_writer(tmp_path: Path) -> None:
    """A write lock held by another process: the combined step waits on the worker thread
    (busy timeout) and then commits whole."""

    async def run() -> Limited:
        store = open_store(f"sqlite:///{tmp_path / 'auth.db'}")
        await store.open()
        try:
            await store.put_new("held", _record("k"), 30)
            other = sqlite3.connect(tmp_path / "auth.db", isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            task = asyncio.ensure_future(store.take_limited("held", [("ip", 60, 9)]))
            await asyncio.sleep(0.3)
            assert not task.done()
            other.execute("ROLLBACK")
            other.close()
            return await task
        finally:
            await store.close()

    assert asyncio.run(run()) == Limited([1], None, record=_record("k"))


def test_redis_batches_survive_a_script_flush(redis_url: str) -> None:
    """Calls made together share one pipeline of EVALSHAs; after SCRIPT FLUSH (a Redis
    restart) each NOSCRIPT reply is retried with the script loaded, lone calls and batches."""
    from authtokens.stores.redis import RedisStore

    async def run() -> None:
        store = RedisStore(redis_url, prefix="flush:")
        await store.open()
        try:
            for size in (1, 20):
                await store.redis.script_flush()
                done = await asyncio.gather(
                    *(store.put_new_limited(f"f{size}-{i}", b"r", 30, []) for i in range(size))
                )
                assert all(d.stored for d in done)
                await store.redis.script_flush()
                taken = await asyncio.gather(
                    *(store.take_limited(f"f{size}-{i}", [("ip", 60, 99)]) for i in range(size))
                )
                assert [t.record for t in taken] == [b"r"] * size
        finally:
            await store.close()

    asyncio.run(run())


def test_redis_batch_failure_reaches_every_caller(tmp_path: Path) -> None:
    from authtokens.stores.redis import RedisStore

    async def run() -> list[BaseException | Limited]:
        with redis_server(tmp_path) as url:
            store = RedisStore(url)
            await store.open()
        try:  # the server is gone now
            return await asyncio.gather(
                *(store.take_limited(f"x{i}", []) for i in range(5)), return_exceptions=True
            )
        finally:
            await store.close()

    results = asyncio.run(run())
    assert all(isinstance(r, Exception) for r in results), results


def test_sqlite_group_commit_one_failure_is_undone_alone(tmp_path: Path) -> None:
    """Calls made in one event-loop turn commit together; one that raises mid-way gets its
    exception and leaves nothing behind, the others commit."""
    from authtokens.stores.sqlite import SqliteStore

    class Failing(SqliteStore):
        def _put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
            stored = super()._put_new(challenge_id, record, ttl)
            if challenge_id == "bad":
                raise sqlite3.IntegrityError("refused after writing")
            return stored

    async def run() -> tuple[list[Limited | BaseException], list[bytes | None]]:
        store = Failing(str(tmp_path / "auth.db"))
        await store.open()
        try:
            ids = ["a", "bad", "b"]
            done = await asyncio.gather(
                *(store.put_new_limited(i, _record("k"), 30, [("ip", 60, 9)]) for i in ids),
                return_exceptions=True,
            )
            taken = await asyncio.gather(*(store.take(i) for i in ids))
            return done, list(taken)
        finally:
            await store.close()

    done, taken = asyncio.run(run())
    assert isinstance(done[1], sqlite3.IntegrityError)
    assert done[0] == Limited([1], stored=True)
    assert done[2] == Limited([2], stored=True)  # the failed call's counter hit was undone too
    assert taken == [_record("k"), None, _record("k")]


def test_sqlite_group_commit_batches_concurrent_calls(tmp_path: Path) -> None:
    """Fifty calls made in one event-loop turn run as one group: one transaction, not fifty."""
    from authtokens.stores.sqlite import SqliteStore

    groups: list[int] = []

    class Counting(SqliteStore):
        def _commit(self, db: sqlite3.Connection, batch: list[Any]) -> list[tuple[bool, Any]]:
            groups.append(len(batch))
            return super()._commit(db, batch)

    async def run() -> list[bool]:
        store = Counting(str(tmp_path / "auth.db"))
        await store.open()
        try:
            return list(
                await asyncio.gather(*(store.put_new(f"c{i}", b"r", 30) for i in range(50)))
            )
        finally:
            await store.close()

    assert asyncio.run(run()) == [True] * 50
    assert groups == [50]


def _lane_open(store: object) -> bool:
    lane = getattr(store, "_lane", None)
    return lane is not None and bool(lane.open)


def test_redis_lane_hands_each_reply_to_its_caller(redis_url: str) -> None:
    """Twenty calls written together on the lane: each gets its own counter's value."""
    from authtokens.stores.redis import RedisStore

    async def run() -> list[list[int]]:
        store = RedisStore(redis_url, prefix="order:")
        await store.open()
        try:
            assert _lane_open(store)
            for i in range(20):
                for _ in range(i):
                    await store.hit([(f"n{i}", 60)])
            return list(await asyncio.gather(*(store.hit([(f"n{i}", 60)]) for i in range(20))))
        finally:
            await store.close()

    assert asyncio.run(run()) == [[i + 1] for i in range(20)]


def test_redis_lane_lost_then_back(redis_url: str) -> None:
    """Redis drops the lane: the calls go through redis-py meanwhile, and a new lane opens."""
    from authtokens.stores.redis import RedisStore

    async def run() -> None:
        store = RedisStore(redis_url, prefix="lost:")
        await store.open()
        try:
            first = store._lane
            assert first is not None
            await store.redis.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            for _ in range(100):
                if not first.open:
                    break
                await asyncio.sleep(0.01)
            assert not first.open
            assert (await store.record_user("k", "ed25519")).sign_ins == 1  # through redis-py
            await asyncio.sleep(1.05)  # reconnection is tried at most once a second
            assert (await store.record_user("k", "ed25519")).sign_ins == 2
            for _ in range(100):
                if _lane_open(store):
                    break
                await asyncio.sleep(0.01)
            assert _lane_open(store)
            assert store._lane is not first
            assert (await store.record_user("k", "ed25519")).sign_ins == 3  # on the new lane
        finally:
            await store.close()

    asyncio.run(run())


@pytest.mark.parametrize("lane", [True, False])
def test_redis_store_does_not_wait_forever(lane: bool, tmp_path: Path) -> None:
    """A Redis that stops answering: the waiting calls fail after ``reply_timeout``, on the lane
    and through redis-py."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from authtokens.stores.redis import RedisStore

    async def run() -> BaseException | None:
        with redis_server(tmp_path) as url:
            store = RedisStore(url, reply_timeout=0.3, lane=lane)
            await store.open()
            try:
                await store.hit([("warm", 60)])
                await store.redis.execute_command("CLIENT", "PAUSE", "3000", "ALL")
                try:
                    await asyncio.wait_for(store.hit([("paused", 60)]), 2.5)
                except Exception as exc:
                    return exc
                return None
            finally:
                await store.close()

    assert isinstance(asyncio.run(run()), RedisConnectionError | RedisTimeoutError)


def test_redis_lane_authenticates_and_selects_the_database(tmp_path: Path) -> None:
    from redis import asyncio as aioredis
    from redis.exceptions import RedisError

    from authtokens.stores.redis import RedisStore

    async def run() -> None:
        with redis_server(tmp_path) as url:
            admin = aioredis.from_url(url)
            await admin.config_set("requirepass", "s3cret")
            await admin.aclose()
            authed = url.replace("redis://", "redis://:s3cret@").rsplit("/", 1)[0] + "/3"
            store = RedisStore(authed, prefix="auth:")
            await store.open()
            try:
                assert _lane_open(store)
                await store.hit([("c", 60)])
                keys = await store.redis.keys("auth:rl:*")
                assert len(keys) == 1  # written by the lane, read by redis-py in db 3
            finally:
                await store.close()
            wrong = RedisStore(url.replace("redis://", "redis://:nope@"))
            with pytest.raises(RedisError):
                await wrong.open()

    asyncio.run(run())


@pytest.mark.parametrize("kind", ["sqlite", "redis", "redis-py"])
def test_close_answers_the_calls_already_made(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Calls queued for the next group when ``close`` starts are committed and answered, none
    is left waiting; a call after ``close`` is refused."""
    from authtokens.errors import StoreNotOpenError
    from authtokens.stores.redis import RedisStore

    async def run() -> None:
        if kind == "sqlite":
            store: Store = open_store(f"sqlite:///{tmp_path / 'auth.db'}")
        else:
            url = request.getfixturevalue("redis_url")
            store = RedisStore(url, prefix=f"close{uuid.uuid4().hex}:", lane=kind == "redis")
        await store.open()
        calls = [
            asyncio.ensure_future(store.put_new_limited(f"q{i}", b"r", 30, [("ip", 60, 99)]))
            for i in range(5)
        ]
        await asyncio.sleep(0)  # the calls are queued, their group not yet run
        await store.close()
        done = await asyncio.wait_for(asyncio.gather(*calls), 5)
        assert [d.stored for d in done] == [True] * 5
        with pytest.raises(StoreNotOpenError):
            await store.put_new("late", b"r", 30)

    asyncio.run(run())


def test_sqlite_workers_starting_together_on_a_new_file(tmp_path: Path) -> None:
    """Several workers opening a new database at the same moment: all get WAL and the tables
    (SQLite refused the switch to WAL at once, busy timeout or not, to all but one)."""
    import threading

    from authtokens.stores.sqlite import _SCHEMA, connect

    failures: list[BaseException] = []
    for trial in range(40):
        path = tmp_path / f"new-{trial}.db"
        start = threading.Barrier(8)

        def open_it(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                db = connect(path, busy_timeout_ms=5000, wal=True)
                db.executescript(_SCHEMA)
                assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                db.close()
            except BaseException as exc:  # collected, asserted below
                failures.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
