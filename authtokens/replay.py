"""Replay protection: remember each token's ``jti`` until the token could no longer verify.

Verifiers consume a ``jti`` only when given a `ReplayCache`, and only after everything else
passed, in this order: parse, verify the signature, check issuer and time, then consume. The
cache is keyed on the issuer and ``jti`` (never on the token string, which a high-S/low-S twin
would change), so a re-signed or malleated copy of a token is still a replay, and nobody can
burn another issuer's ``jti``.

`MemoryReplayCache` serves one process; `SQLiteReplayCache` serves several processes on one
host through a shared file; `RedisReplayCache` serves any number of hosts (it needs the
``authtokens[redis]`` extra). All are atomic: of two concurrent ``seen`` calls for one key,
exactly one returns False.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import InvalidArgumentError, ReplayedTokenError

__all__ = [
    "MemoryReplayCache",
    "RedisReplayCache",
    "ReplayCache",
    "SQLiteReplayCache",
    "consume",
    "replay_key",
]

#: How long a token that never expires (``require_exp=False``) is remembered.
NO_EXPIRY_RETENTION = 365 * 24 * 3600.0


@runtime_checkable
class ReplayCache(Protocol):
    """Records token ids; must be atomic across every caller that shares it."""

    def seen(self, jti: str, expires_at: float) -> bool:
        """Record ``jti`` until ``expires_at`` (Unix seconds) and report whether it was
        already recorded (True means: replay, refuse the token)."""
        ...


def replay_key(issuer: str, jti: str) -> str:
    """The cache key for a token: its issuer and ``jti``."""
    return f"{issuer}#{jti}"


def consume(cache: ReplayCache, payload: dict[str, Any], now: float, leeway: float) -> None:
    """Record a verified token's issuer and ``jti`` until it could no longer verify
    (``exp + leeway``); `ReplayedTokenError` if they were already recorded."""
    exp = payload.get("exp") or None
    until = now + NO_EXPIRY_RETENTION if exp is None else exp + leeway
    if cache.seen(replay_key(payload["iss"], payload["jti"]), until):
        raise ReplayedTokenError("this token has been used before")


class MemoryReplayCache:
    """An in-process cache with lazy expiry, bounded to ``max_entries`` live ids.

    When full of unexpired ids it refuses new ones (`seen` returns True) rather than forgetting
    live ids, which would re-open replays: size it for your peak of tokens per lifetime.
    """

    def __init__(
        self, *, max_entries: int = 1_000_000, clock: Callable[[], float] = time.time
    ) -> None:
        if max_entries < 1:
            raise InvalidArgumentError("max_entries must be positive")
        self._entries: dict[str, float] = {}
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def seen(self, jti: str, expires_at: float) -> bool:
        now = self._clock()
        with self._lock:
            expiry = self._entries.get(jti)
            if expiry is not None and expiry >= now:
                return True
            if len(self._entries) >= self._max:
                self._purge(now)
                if len(self._entries) >= self._max:
                    return True
            self._entries[jti] = expires_at
            return False

    def _purge(self, now: float) -> None:
        self._entries = {k: v for k, v in self._entries.items() if v >= now}

    def __len__(self) -> int:
        return len(self._entries)


class SQLiteReplayCache:
    """A cache in an SQLite file, shared by every process on the host that opens it.

    Atomicity comes from the primary key: the first ``INSERT`` of a live id wins, and an expired
    row is replaced in the same statement. Expired rows are purged every ``purge_every`` calls.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] = time.time,
        purge_every: int = 1000,
        timeout: float = 5.0,
    ) -> None:
        self._path = str(path)
        self._clock = clock
        self._purge_every = purge_every
        self._calls = 0
        self._local = threading.local()
        self._timeout = timeout
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS replay_cache "
                "(jti TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID"
            )

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def seen(self, jti: str, expires_at: float) -> bool:
        now = self._clock()
        db = self._connect()
        # Insert, or take over a row that has expired; a live row makes the upsert a no-op.
        cursor = db.execute(
            "INSERT INTO replay_cache (jti, expires_at) VALUES (?, ?) "
            "ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at "
            "WHERE replay_cache.expires_at < ?",
            (jti, expires_at, now),
        )
        fresh = cursor.rowcount == 1
        self._calls += 1
        if self._calls % self._purge_every == 0:
            db.execute("DELETE FROM replay_cache WHERE expires_at < ?", (now,))
        return not fresh

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class RedisReplayCache:
    """A cache in Redis (>= 6.2), shared by every process and host that uses the server.

    One ``SET key 1 NX PXAT expires_at`` per call: Redis both refuses a live key and expires it
    at the token's expiry, atomically. ``client`` is a ``redis.Redis`` (sync) client or a
    ``redis://`` URL; keys are ``prefix + issuer#jti``.
    """

    def __init__(self, client: object, *, prefix: str = "authtokens:jti:") -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise InvalidArgumentError(
                "RedisReplayCache needs the redis package: pip install 'authtokens[redis]'"
            ) from exc
        if isinstance(client, str):
            client = redis.Redis.from_url(client)
        if not isinstance(client, redis.Redis):
            raise InvalidArgumentError("client must be a redis.Redis client or a redis:// URL")
        self._redis = client
        self._prefix = prefix

    def seen(self, jti: str, expires_at: float) -> bool:
        key = self._prefix + jti
        # PXAT in the past would be refused; such a token is already expired, keep it a second.
        until_ms = max(int(expires_at * 1000), int(time.time() * 1000) + 1000)
        created = self._redis.set(key, b"1", nx=True, pxat=until_ms)
        return not created
