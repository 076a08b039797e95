"""One process's memory: `MemoryStore` (the sign-in server's `Store`) and the Sign-In with
Stacks nonce stores `MemoryNonceStore` / `AsyncMemoryNonceStore` (tests, development, one
worker)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

from ..errors import InvalidArgumentError
from ..siws import generate_nonce
from .base import (
    Clock,
    Counter,
    Limited,
    LinkedAccount,
    UnlinkResult,
    UserRecord,
    first_over,
    owner_name,
    window_key,
)
from .nonces import AsyncNonceStoreBase, NonceStoreBase

__all__ = ["AsyncMemoryNonceStore", "MemoryNonceStore", "MemoryStore"]


class MemoryStore:
    """In-process store. Correct for one process only (tests and development)."""

    def __init__(self, *, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = asyncio.Lock()
        self._challenges: dict[str, tuple[bytes, float]] = {}
        self._users: dict[str, UserRecord] = {}
        self._counters: dict[str, tuple[int, float]] = {}
        self._accounts: dict[str, LinkedAccount] = {}
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

    def _put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        now = self._clock()
        self._sweep(now)
        old = self._challenges.get(challenge_id)
        if old is not None and old[1] > now:
            return False
        self._challenges[challenge_id] = (record, now + ttl)
        return True

    async def put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        """See `Store.put_new`."""
        async with self._lock:
            return self._put_new(challenge_id, record, ttl)

    def _take(self, challenge_id: str) -> bytes | None:
        entry = self._challenges.pop(challenge_id, None)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    async def take(self, challenge_id: str) -> bytes | None:
        """See `Store.take`."""
        async with self._lock:
            return self._take(challenge_id)

    # The combined steps count under the lock, then call `put_new` / `take` (so a subclass
    # that overrides those, as tests do to simulate faults, sees them used). One process, no
    # other writer: the atomicity that matters is put_new's and take's own.

    async def put_new_limited(
        self, challenge_id: str, record: bytes, ttl: float, counters: Sequence[Counter]
    ) -> Limited:
        """See `Store.put_new_limited`."""
        async with self._lock:
            counts = self._hit([(name, window) for name, window, _ in counters])
        over = first_over(counters, counts)
        if over is not None:
            return Limited(counts, over)
        return Limited(counts, stored=await self.put_new(challenge_id, record, ttl))

    async def take_limited(
        self,
        challenge_id: str,
        counters: Sequence[Counter],
        *,
        owner_field: str = "",
        owner_counters: Sequence[Counter] = (),
    ) -> Limited:
        """See `Store.take_limited`."""
        async with self._lock:
            counts = self._hit([(name, window) for name, window, _ in counters])
        over = first_over(counters, counts)
        if over is not None:
            return Limited(counts, over)
        record = await self.take(challenge_id)
        if record is None:
            return Limited(counts)
        named = [
            (name, window, limit)
            for template, window, limit in owner_counters
            if (name := owner_name(template, record, owner_field)) is not None
        ]
        async with self._lock:
            more = self._hit([(name, window) for name, window, _ in named])
        return Limited([*counts, *more], first_over(named, more), record=record)

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

    def _hit(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        now = self._clock()
        out = []
        for name, window in counters:
            key, ends = window_key(name, window, now)
            count = self._counters.get(key, (0, ends))[0] + 1
            self._counters[key] = (count, ends)
            out.append(count)
        return out

    async def hit(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        """See `Store.hit`."""
        async with self._lock:
            return self._hit(counters)

    # --- sessions and linked accounts (`AccountStore`) --------------------------------------

    async def get(self, key: str) -> bytes | None:
        """See `AccountStore.get`."""
        entry = self._challenges.get(key)
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    async def link_account(
        self, account_id: str, user_id: str, *, address: str, chain_id: int | None, method: str
    ) -> LinkedAccount:
        """See `AccountStore.link_account`."""
        async with self._lock:
            now = self._clock()
            old = self._accounts.get(account_id)
            if old is not None and old.user_id != user_id:
                return old
            first = old.first_seen if old is not None else now
            link = LinkedAccount(account_id, user_id, address, chain_id, method, first, now)
            self._accounts[account_id] = link
            return link

    async def get_account(self, account_id: str) -> LinkedAccount | None:
        """See `AccountStore.get_account`."""
        return self._accounts.get(account_id)

    async def user_accounts(self, user_id: str) -> list[LinkedAccount]:
        """See `AccountStore.user_accounts`."""
        links = [a for a in self._accounts.values() if a.user_id == user_id]
        return sorted(links, key=lambda a: (a.first_seen, a.account_id))

    async def unlink_account(self, account_id: str, user_id: str) -> UnlinkResult:
        """See `AccountStore.unlink_account`."""
        async with self._lock:
            link = self._accounts.get(account_id)
            if link is None or link.user_id != user_id:
                return "not_linked"
            if sum(1 for a in self._accounts.values() if a.user_id == user_id) <= 1:
                return "last_account"
            del self._accounts[account_id]
            return "unlinked"

    async def claim_meta(self, name: str, value: bytes, *, replace: bool = False) -> bytes:
        """See `Store.claim_meta`."""
        if replace:
            self._meta[name] = value
        return self._meta.setdefault(name, value)


class MemoryNonceStore(NonceStoreBase):
    """`authtokens.siws.NonceStore` in this process's memory, bounded to ``max_entries`` live
    nonces (a full store purges expired ones, then refuses with `InvalidArgumentError`)."""

    def __init__(self, *, max_entries: int = 100_000, clock: Clock = time.time) -> None:
        if type(max_entries) is not int or max_entries < 1:
            raise InvalidArgumentError("max_entries must be a positive int")
        self._entries: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def _put(self, binding: str, now: float, ttl: float) -> str:
        nonce = generate_nonce()
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
                if len(self._entries) >= self._max:
                    raise InvalidArgumentError("the nonce store is full of live nonces")
            self._entries[nonce] = (binding, now + ttl)
        return nonce

    def _take(self, nonce: str) -> tuple[str, float] | None:
        with self._lock:
            return self._entries.pop(nonce, None)

    def __len__(self) -> int:
        return len(self._entries)


class AsyncMemoryNonceStore(AsyncNonceStoreBase):
    """`MemoryNonceStore` behind `authtokens.siws.AsyncNonceStore` (the work never blocks)."""

    def __init__(self, *, max_entries: int = 100_000, clock: Clock = time.time) -> None:
        self.sync = MemoryNonceStore(max_entries=max_entries, clock=clock)
        self._clock = clock

    async def _put(self, binding: str, now: float, ttl: float) -> str:
        return self.sync._put(binding, now, ttl)

    async def _take(self, nonce: str) -> tuple[str, float] | None:
        return self.sync._take(nonce)
