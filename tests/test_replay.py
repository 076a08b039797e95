from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from authtokens.errors import InvalidArgumentError, ReplayCacheFullError
from authtokens.replay import MemoryReplayCache, ReplayCache, replay_key
from authtokens.stores import RedisReplayCache, SQLiteReplayCache

NOW = 1_800_000_000.0


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_cache(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[Callable[[], float]], ReplayCache]:
    def make(clock: Callable[[], float]) -> ReplayCache:
        if request.param == "memory":
            return MemoryReplayCache(clock=clock)
        if request.param == "sqlite":
            return SQLiteReplayCache(tmp_path / "replay.db", clock=clock)
        url = request.getfixturevalue("redis_url")
        return RedisReplayCache(url, prefix=f"test:{tmp_path.name}:")

    return make


def test_first_use_then_replay(make_cache: Callable[..., ReplayCache]) -> None:
    import time

    cache = make_cache(time.time)
    until = time.time() + 60
    assert cache.seen(replay_key("did:btc-addr:1a", "j1"), until) is False
    assert cache.seen(replay_key("did:btc-addr:1a", "j1"), until) is True
    # another issuer's token with the same jti is another token
    assert cache.seen(replay_key("did:btc-addr:1b", "j1"), until) is False


def test_concurrent_consumers_exactly_one_wins(make_cache: Callable[..., ReplayCache]) -> None:
    import time

    cache = make_cache(time.time)
    until = time.time() + 60
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def worker() -> None:
        start.wait()
        seen = cache.seen("did:btc-addr:1a#race", until)
        with lock:
            results.append(seen)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(False) == 1
    assert results.count(True) == 15


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_expired_entries_are_forgotten(kind: str, tmp_path: Path) -> None:
    now = [NOW]
    cache: ReplayCache = (
        MemoryReplayCache(clock=lambda: now[0])
        if kind == "memory"
        else SQLiteReplayCache(tmp_path / "r.db", clock=lambda: now[0])
    )
    assert cache.seen("k", NOW + 10) is False
    assert cache.seen("k", NOW + 10) is True
    now[0] = NOW + 11
    assert cache.seen("k", NOW + 20) is False


def test_sqlite_cache_is_shared_through_the_file(tmp_path: Path) -> None:
    a = SQLiteReplayCache(tmp_path / "shared.db", clock=lambda: NOW)
    b = SQLiteReplayCache(tmp_path / "shared.db", clock=lambda: NOW)
    assert a.seen("k", NOW + 60) is False
    assert b.seen("k", NOW + 60) is True


def test_redis_entries_expire(redis_url: str) -> None:
    import time

    cache = RedisReplayCache(redis_url, prefix="expiry:")
    assert cache.seen("k", time.time() + 0.2) is False
    assert cache.seen("k", time.time() + 0.2) is True
    time.sleep(1.3)  # an already-past expiry is kept a second, then Redis drops the key
    assert cache.seen("k", time.time() + 60) is False


def test_memory_cache_refuses_when_full_of_live_ids() -> None:
    cache = MemoryReplayCache(max_entries=2, clock=lambda: NOW)
    assert cache.seen("a", NOW + 60) is False
    assert cache.seen("b", NOW + 60) is False
    # refusing is safe, forgetting "a" would not be; and "c" is no replay (issue 11, item 10)
    with pytest.raises(ReplayCacheFullError):
        cache.seen("c", NOW + 60)
    assert cache.seen("a", NOW + 60) is True  # still remembered
    with pytest.raises(InvalidArgumentError):
        MemoryReplayCache(max_entries=0)


def test_redis_cache_rejects_a_non_client() -> None:
    with pytest.raises(InvalidArgumentError):
        RedisReplayCache(object())
