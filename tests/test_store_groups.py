"""Group commit (SQLite) and the Redis lane, against the in-memory store as the model.

Each round's calls are made together, so SQLite runs them as one group and Redis writes them as
one batch on its lane; some calls fail inside the store (after writing, in SQLite). Whatever the
mix, every call must get what the same calls made one by one on `MemoryStore` get, and a call
that failed must leave no trace."""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtokens.stores import MemoryStore
from authtokens.stores.base import OWNER
from authtokens.stores.sqlite import SqliteStore

NOW = 1_800_000_000.0
IDS = st.sampled_from(["a", "b", "c"])
KEYS = st.sampled_from(["k1", "k2"])
OPS = st.one_of(
    st.tuples(st.just("put"), IDS, KEYS, st.booleans()),
    st.tuples(st.just("take"), IDS, st.just(""), st.booleans()),
    st.tuples(st.just("user"), KEYS, st.just(""), st.booleans()),
    st.tuples(st.just("hit"), KEYS, st.just(""), st.booleans()),
)
ROUNDS = st.lists(st.lists(OPS, min_size=1, max_size=8), min_size=1, max_size=5)


Op = tuple[str, str, str, bool]


class Injected(Exception):
    """A fault inside the store, after its writes."""


def _record(key: str) -> bytes:
    return json.dumps({"key_id": key}).encode()


async def _call(store: Any, op: Op) -> object:
    kind, name, key, _ = op
    if kind == "put":
        return await store.put_new_limited(name, _record(key), 30, [("ip", 60, 5)])
    if kind == "take":
        return await store.take_limited(
            name, [("v", 60, 5)], owner_field="key_id", owner_counters=[(f"o:{OWNER}", 60, 3)]
        )
    if kind == "user":
        return await store.record_user(name, "ed25519")
    return await store.hit([(name, 60)])


class FaultySqlite(SqliteStore):
    """Fails the calls whose task is marked to fail, after they wrote (inside the group's
    transaction)."""

    async def _run(self, fn: Any, *args: Any) -> Any:
        if not getattr(asyncio.current_task(), "fail", False):
            return await super()._run(fn, *args)

        def faulty(*call_args: Any) -> Any:
            fn(*call_args)
            raise Injected

        return await super()._run(faulty, *args)


async def _model(rounds: list[list[Op]]) -> list[list[object]]:
    store = MemoryStore(clock=lambda: NOW)
    out = []
    for calls in rounds:
        results: list[object] = []
        for op in calls:
            results.append(Injected() if op[3] else await _call(store, op))
        out.append(results)
    return out


async def _grouped(
    store: Any, rounds: list[list[tuple[str, str, str, bool]]]
) -> list[list[object]]:
    out = []
    for calls in rounds:
        tasks = []
        for op in calls:
            task = asyncio.ensure_future(_call(store, op))
            task.fail = op[3]  # type: ignore[attr-defined]
            tasks.append(task)
        out.append(list(await asyncio.gather(*tasks, return_exceptions=True)))
    return out


def _same(got: list[list[object]], want: list[list[object]]) -> None:
    for got_round, want_round in zip(got, want, strict=True):
        for g, w in zip(got_round, want_round, strict=True):
            if isinstance(w, Injected):
                assert isinstance(g, Injected), g
            else:
                assert g == w


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ROUNDS)
def test_sqlite_groups_behave_as_calls_one_by_one(rounds: list[list[Any]]) -> None:
    async def run() -> list[list[object]]:
        with tempfile.TemporaryDirectory() as tmp:
            store = FaultySqlite(str(Path(tmp) / "auth.db"), clock=lambda: NOW)
            await store.open()
            try:
                return await _grouped(store, rounds)
            finally:
                await store.close()

    _same(asyncio.run(run()), asyncio.run(_model(rounds)))


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.lists(OPS.map(lambda op: (*op[:3], False)), min_size=1, max_size=8), max_size=5))
def test_redis_lane_batches_behave_as_calls_one_by_one(
    redis_url: str, rounds: list[list[Any]]
) -> None:
    from authtokens.stores.redis import RedisStore

    async def run() -> list[list[object]]:
        store = RedisStore(redis_url, prefix=f"groups{uuid.uuid4().hex}:", clock=lambda: NOW)
        await store.open()
        try:
            await store.redis.flushdb()
            return await _grouped(store, rounds)
        finally:
            await store.close()

    _same(asyncio.run(run()), asyncio.run(_model(rounds)))
