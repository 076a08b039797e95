"""What the stores share: the `Store` protocol, its records and the rate-limit window keys.

The sign-in server's storage sits behind one small protocol: single-use challenges, users,
rate-limit counters.

Every implementation guarantees:

- `Store.put_new` never overwrites a live record (a live id is refused, returns False);
- `Store.take` is an atomic consume: of many concurrent callers for one id, exactly one gets
  the record; an expired record reads as None;
- `Store.record_user` upserts with ``first_seen`` kept and ``last_seen`` advanced;
- `Store.hit` increments fixed-window counters atomically and returns their new values;
- `Store.put_new_limited` and `Store.take_limited` are a request's whole store step in one round
  trip (one Lua script on Redis, one transaction on SQLite): its rate-limit counters, then, only
  if none is over its limit, `put_new` or `take`. `take_limited` also counts the counters named
  after the taken record's owner (a top-level string field of the JSON record), so the
  per-key limit is checked before the caller spends a signature check on it.

Implementations, one module each: `MemoryStore` (one process: tests, development),
`SqliteStore` (several processes on one host sharing a file; challenges and users survive
restarts) and `RedisStore` (any number of hosts). `authtokens.stores.open_store` picks one
from a URL. The backends import this module only; nothing here touches a disk, a socket or
the clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "OWNER",
    "AccountStore",
    "Clock",
    "Counter",
    "Limited",
    "LinkedAccount",
    "Store",
    "UnlinkResult",
    "UserRecord",
    "first_over",
    "owner_name",
    "window_key",
]

#: Where a store reads the time (Unix seconds); every store takes one, ``time.time`` by default.
Clock = Callable[[], float]


#: A rate-limit counter of a combined step: (name, window seconds, most counts allowed).
Counter = tuple[str, int, int]
#: In an owner counter's name, where the owner read from the taken record goes.
OWNER = "{owner}"


@dataclass(frozen=True, slots=True)
class Limited:
    """What `Store.put_new_limited` / `Store.take_limited` did.

    ``counts`` are the counters' new values, in the order given (owner counters last, and only
    when a record was taken); ``over`` names the first counter over its limit (None if none
    is). Over a request counter nothing was stored or taken; over an owner counter the record
    was taken (and is in ``record``). ``stored`` is `put_new`'s answer, ``record`` `take`'s.
    """

    counts: list[int]
    over: str | None = None
    stored: bool = False
    record: bytes | None = None


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

    async def put_new_limited(
        self, challenge_id: str, record: bytes, ttl: float, counters: Sequence[Counter]
    ) -> Limited:
        """Count one request against each counter; unless one is over its limit, `put_new`."""

    async def take_limited(
        self,
        challenge_id: str,
        counters: Sequence[Counter],
        *,
        owner_field: str = "",
        owner_counters: Sequence[Counter] = (),
    ) -> Limited:
        """Count against ``counters``; unless one is over its limit, `take`; if a record was
        taken, count against ``owner_counters`` too, whose names have `OWNER` replaced by the
        record's ``owner_field`` (records that are not JSON objects with that string field are
        taken without them)."""


def owner_name(template: str, record: bytes, field: str) -> str | None:
    """``template`` with `OWNER` replaced by the record's ``field``; None if it has none."""
    try:
        value = json.loads(record).get(field)
    except (ValueError, AttributeError):
        return None
    return template.replace(OWNER, value, 1) if isinstance(value, str) else None


def first_over(counters: Sequence[Counter], counts: Sequence[int]) -> str | None:
    """The name of the first counter whose count passed its limit."""
    for (name, _, limit), count in zip(counters, counts, strict=False):
        if count > limit:
            return name
    return None


def window_key(name: str, window: int, now: float) -> tuple[str, float]:
    """The counter key of the current fixed window and the time that window ends."""
    index = int(now // window)
    return f"{name}:{window}:{index}", (index + 1) * window


# --- sessions and linked accounts (`authtokens.integrations`) --------------------------------


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    """An address (or, for the legacy flow, a DID) linked to an application user.

    ``account_id`` is the CAIP-10 id (``stacks:1:SP…``) of a Sign-In with Stacks address, or the
    ``did:btc-addr:`` of a legacy identity; ``chain_id`` is None for the latter.
    """

    account_id: str
    user_id: str
    address: str
    chain_id: int | None
    method: str
    first_seen: float
    last_seen: float


#: What `AccountStore.unlink_account` did.
UnlinkResult = Literal["unlinked", "not_linked", "last_account"]


class AccountStore(Store, Protocol):
    """A `Store` that also keeps live records readable without consuming them (sessions) and
    the accounts linked to users. Every backend of `authtokens.stores` implements it.

    - `get` reads a record written by `put_new` without taking it (None once expired);
    - `link_account` is atomic: an account belongs to at most one user, whoever links it first;
    - `unlink_account` never removes a user's last account (it could not sign in again).
    """

    async def get(self, key: str) -> bytes | None:
        """The live record under ``key`` (written by `put_new`), left in place."""

    async def link_account(
        self, account_id: str, user_id: str, *, address: str, chain_id: int | None, method: str
    ) -> LinkedAccount:
        """Link ``account_id`` to ``user_id`` unless another user holds it; on a repeat link by
        the same user advance ``last_seen`` and ``method``. Returns the stored link, whose
        ``user_id`` is the other user's when the account was already taken."""

    async def get_account(self, account_id: str) -> LinkedAccount | None:
        """The link of ``account_id``, if any."""

    async def user_accounts(self, user_id: str) -> list[LinkedAccount]:
        """Every account linked to ``user_id``, oldest first."""

    async def unlink_account(self, account_id: str, user_id: str) -> UnlinkResult:
        """Remove the link if ``user_id`` holds it and has another account."""
