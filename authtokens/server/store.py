"""Storage behind one small protocol: single-use challenges, users, rate-limit counters.

Every implementation guarantees:

- `Store.put_new` never overwrites a live record (a live id is refused, returns False);
- `Store.take` is an atomic consume: of many concurrent callers for one id, exactly one gets
  the record; an expired record reads as None;
- `Store.record_user` upserts with ``first_seen`` kept and ``last_seen`` advanced;
- `Store.hit` increments fixed-window counters atomically and returns their new values.

Implementations: `MemoryStore` (one process: tests, development), `SqliteStore` (several
processes on one host sharing a file; challenges and users survive restarts) and `RedisStore`
(any number of hosts). `open_store` picks one from a URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..errors import InvalidArgumentError

__all__ = ["MemoryStore", "Store", "UserRecord", "open_store"]


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user, keyed by canonical key id; written only after a verified sign-in."""

    key_id: str
    key_type: str
    first_seen: float
    last_seen: float
    sign_ins: int


class Store(Protocol):
    """What the sign-in server needs from storage."""

    async def open(self) -> None:
        """Connect and create what is missing."""

    async def close(self) -> None:
        """Release connections."""

    async def ping(self) -> bool:
        """True when the store answers."""

    async def put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        """Store ``record`` under a new id for ``ttl`` seconds; False if the id is live."""

    async def take(self, challenge_id: str) -> bytes | None:
        """Atomically remove and return the record; None if unknown, expired or taken."""

    async def record_user(self, key_id: str, key_type: str) -> UserRecord:
        """Upsert the user after a successful sign-in; return the stored record."""

    async def get_user(self, key_id: str) -> UserRecord | None:
        """The user record, if any."""

    async def hit(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        """Count one request against each ``(name, window seconds)``; return the new counts."""

    async def claim_meta(self, name: str, value: bytes, *, replace: bool = False) -> bytes:
        """Store ``value`` under ``name`` unless one is there (always, with ``replace``);
        return the value now stored. Kept forever (the deployment's settings, e.g. domain)."""


def window_key(name: str, window: int, now: float) -> tuple[str, float]:
    """The counter key of the current fixed window and the time that window ends."""
    index = int(now // window)
    return f"{name}:{window}:{index}", (index + 1) * window


class MemoryStore:
    """In-process store. Correct for one process only (tests and development)."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = asyncio.Lock()
        self._challenges: dict[str, tuple[bytes, float]] = {}
        self._users: dict[str, UserRecord] = {}
        self._counters: dict[str, tuple[int, float]] = {}
        self._meta: dict[str, bytes] = {}
        self._ops = 0

    async def open(self) -> None:
        """Nothing to open."""

    async def close(self) -> None:
        """Nothing to close."""

    async def ping(self) -> bool:
        """Always ready."""
        return True

    def _sweep(self, now: float) -> None:
        self._ops += 1
        if self._ops % 1024:
            return
        for table in (self._challenges, self._counters):
            expired = [k for k, (_, exp) in table.items() if exp <= now]
            for k in expired:
                del table[k]

    async def put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        """See `Store.put_new`."""
        async with self._lock:
            now = self._clock()
            self._sweep(now)
            old = self._challenges.get(challenge_id)
            if old is not None and old[1] > now:
                return False
            self._challenges[challenge_id] = (record, now + ttl)
            return True

    async def take(self, challenge_id: str) -> bytes | None:
        """See `Store.take`."""
        async with self._lock:
            entry = self._challenges.pop(challenge_id, None)
            if entry is None or entry[1] <= self._clock():
                return None
            return entry[0]

    async def record_user(self, key_id: str, key_type: str) -> UserRecord:
        """See `Store.record_user`."""
        async with self._lock:
            now = self._clock()
            old = self._users.get(key_id)
            user = (
                UserRecord(key_id, key_type, old.first_seen, now, old.sign_ins + 1)
                if old
                else UserRecord(key_id, key_type, now, now, 1)
            )
            self._users[key_id] = user
            return user

    async def get_user(self, key_id: str) -> UserRecord | None:
        """See `Store.get_user`."""
        return self._users.get(key_id)

    async def hit(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        """See `Store.hit`."""
        async with self._lock:
            now = self._clock()
            out = []
            for name, window in counters:
                key, ends = window_key(name, window, now)
                count = self._counters.get(key, (0, ends))[0] + 1
                self._counters[key] = (count, ends)
                out.append(count)
            return out

    async def claim_meta(self, name: str, value: bytes, *, replace: bool = False) -> bytes:
        """See `Store.claim_meta`."""
        if replace:
            self._meta[name] = value
        return self._meta.setdefault(name, value)


def open_store(url: str, *, clock: Callable[[], float] = time.time) -> Store:
    """A store for ``memory``, ``sqlite:///path`` or ``redis://host:port/db`` (not yet opened).

    Raises `InvalidArgumentError` for other URLs.
    """
    if url == "memory":
        return MemoryStore(clock=clock)
    if url.startswith("sqlite://"):
        from .sqlite_store import SqliteStore

        path = url.removeprefix("sqlite://")
        if path.startswith("/"):
            path = path[1:]  # sqlite:///rel.db is relative, sqlite:////abs.db absolute
        if not path:
            raise InvalidArgumentError("sqlite store URL needs a path: sqlite:///file.db")
        return SqliteStore(path, clock=clock)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore

        return RedisStore(url)
    raise InvalidArgumentError(f"store must be memory, sqlite:///PATH or redis://…, got {url!r}")
