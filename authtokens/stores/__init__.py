"""All persistence, one module per backend: the sign-in server's `Store` implementations, the
shared replay caches and the Sign-In with Stacks nonce stores.

==================  ======================  ===============================  =======================
backend             sign-in server store    replay cache (`ReplayCache`)     SIWS nonces (sync,
                                                                             async)
==================  ======================  ===============================  =======================
memory (one         `MemoryStore`           `authtokens.MemoryReplayCache`   `MemoryNonceStore`,
process)            (``memory``)                                             `AsyncMemoryNonceStore`
SQLite (one host)   `SqliteStore`           `SQLiteReplayCache`              `SQLiteNonceStore`,
                    (``sqlite``)                                             `AsyncSQLiteNonceStore`
Redis (many hosts;  `RedisStore`            `RedisReplayCache`               `RedisNonceStore`,
the redis extra)    (``redis``)                                              `AsyncRedisNonceStore`
==================  ======================  ===============================  =======================

The nonce stores implement `authtokens.siws.NonceStore` / `AsyncNonceStore`; give one to
`authtokens.siws.verify_with_store` / `averify_with_store`.

`open_store` picks a store from a URL. The SQLite and Redis modules are imported only when one
of their names is first used, so importing this package loads neither ``sqlite3`` nor
``redis``. Every store and cache takes ``clock=`` (Unix seconds; ``time.time`` by default).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgumentError
from .base import AccountStore, Clock, LinkedAccount, Store, UnlinkResult, UserRecord, window_key
from .memory import AsyncMemoryNonceStore, MemoryNonceStore, MemoryStore

if TYPE_CHECKING:
    from .redis import AsyncRedisNonceStore, RedisNonceStore, RedisReplayCache, RedisStore
    from .sqlite import AsyncSQLiteNonceStore, SQLiteNonceStore, SQLiteReplayCache, SqliteStore

__all__ = [
    "AccountStore",
    "AsyncMemoryNonceStore",
    "AsyncRedisNonceStore",
    "AsyncSQLiteNonceStore",
    "Clock",
    "LinkedAccount",
    "MemoryNonceStore",
    "MemoryStore",
    "RedisNonceStore",
    "RedisReplayCache",
    "RedisStore",
    "SQLiteNonceStore",
    "SQLiteReplayCache",
    "SqliteStore",
    "Store",
    "UnlinkResult",
    "UserRecord",
    "open_store",
    "window_key",
]


def __getattr__(name: str) -> Any:
    """PEP 562: the SQLite and Redis backends load on first use."""
    if name in ("SqliteStore", "SQLiteReplayCache", "SQLiteNonceStore", "AsyncSQLiteNonceStore"):
        from . import sqlite

        return getattr(sqlite, name)
    if name in ("RedisStore", "RedisReplayCache", "RedisNonceStore", "AsyncRedisNonceStore"):
        from . import redis

        return getattr(redis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(url: str, *, clock: Clock = time.time) -> AccountStore:
    """A store for ``memory``, ``sqlite:///path`` or ``redis://host:port/db`` (not yet opened).

    Raises `InvalidArgumentError` for other URLs.
    """
    if url == "memory":
        return MemoryStore(clock=clock)
    if url.startswith("sqlite://"):
        from .sqlite import SqliteStore

        path = url.removeprefix("sqlite://")
        if path.startswith("/"):
            path = path[1:]  # sqlite:///rel.db is relative, sqlite:////abs.db absolute
        if not path:
            raise InvalidArgumentError("sqlite store URL needs a path: sqlite:///file.db")
        return SqliteStore(path, clock=clock)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisStore

        return RedisStore(url, clock=clock)
    raise InvalidArgumentError(f"store must be memory, sqlite:///PATH or redis://…, got {url!r}")
