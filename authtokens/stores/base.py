"""What the stores share: the `Store` protocol, its records and the rate-limit window keys.

The sign-in server's storage sits behind one small protocol: single-use challenges, users,
rate-limit counters.

Every implementation guarantees:

- `Store.put_new` never overwrites a live record (a live id is refused, returns False);
- `Store.take` is an atomic consume: of many concurrent callers for one id, exactly one gets
  the record; an expired record reads as None;
- `Store.record_user` upserts with ``first_seen`` kept and ``last_seen`` advanced;
- `Store.hit` increments fixed-window counters atomically and returns their new values.

Implementations, one module each: `MemoryStore` (one process: tests, development),
`SqliteStore` (several processes on one host sharing a file; challenges and users survive
restarts) and `RedisStore` (any number of hosts). `authtokens.stores.open_store` picks one
from a URL. The backends import this module only; nothing here touches a disk, a socket or
the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Clock", "Store", "UserRecord", "window_key"]

#: Where a store reads the time (Unix seconds); every store takes one, ``time.time`` by default.
Clock = Callable[[], float]


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


def window_key(name: str, window: int, now: float) -> tuple[str, float]:
    """The counter key of the current fixed window and the time that window ends."""
    index = int(now // window)
    return f"{name}:{window}:{index}", (index + 1) * window
