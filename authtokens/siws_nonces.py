"""Sign-In with Stacks nonces: issue them bound to an account, consume them atomically.

A backend issues a nonce for ``(address, chain_id)`` (`NonceStore.issue`), the wallet signs a
message carrying it, and `verify_with_store` parses the message, **consumes** the nonce (one
atomic take: the first of any number of concurrent attempts gets it, every other sees
``nonce_unknown``) and only then checks the fields and the signature (take-then-verify; the
reference's better-auth plugin reads, verifies and deletes, so two concurrent attempts can both
pass). A consumed nonce is gone even when the signature then fails.

Backends, sync and async:

- `MemoryNonceStore` / `AsyncMemoryNonceStore`: one process;
- `SQLiteNonceStore` / `AsyncSQLiteNonceStore`: processes on one host sharing a file
  (``DELETE … RETURNING``, one statement);
- `RedisNonceStore` / `AsyncRedisNonceStore`: any number of hosts (``GETDEL``; Redis >= 6.2;
  the ``authtokens[redis]`` extra).

``sqlite3`` and ``redis`` are imported only when such a store is built, so the base install
imports this module freely. (This module sits beside `authtokens.siws` for now; the stores
package is the place it will join.)
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .addresses import c32check_encode, parse_stacks_address
from .claims import DEFAULT_LEEWAY, Timestamp, resolve_now
from .errors import InvalidAddressError, InvalidArgumentError, NonceUnknownError
from .siws import (
    CHAIN_ADDRESS_VERSIONS,
    DEFAULT_MAX_AGE,
    SiwsMessage,
    VerifiedSignIn,
    check_fields,
    check_signature,
    generate_nonce,
    parse_message,
    verified,
)

__all__ = [
    "DEFAULT_NONCE_TTL",
    "AsyncMemoryNonceStore",
    "AsyncNonceStore",
    "AsyncRedisNonceStore",
    "AsyncSQLiteNonceStore",
    "MemoryNonceStore",
    "NonceStore",
    "RedisNonceStore",
    "SQLiteNonceStore",
    "averify_with_store",
    "verify_with_store",
]

DEFAULT_NONCE_TTL = 300.0


def _binding(address: str, chain_id: int) -> str:
    """``chain_id:canonical address``; the caller's arguments are checked (usage errors)."""
    if type(chain_id) is not int or chain_id not in CHAIN_ADDRESS_VERSIONS:
        raise InvalidArgumentError(f"unknown Stacks chain ID {chain_id!r}")
    version, hash160 = parse_stacks_address(address)
    if version not in CHAIN_ADDRESS_VERSIONS[chain_id]:
        raise InvalidAddressError(f"address is not an address of chain {chain_id}")
    return f"{chain_id}:{c32check_encode(version, hash160)}"


def _ttl(ttl: float) -> float:
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl <= 86400:
        raise InvalidArgumentError("ttl must be a number of seconds in (0, 86400]")
    return float(ttl)


def _check_taken(row: tuple[str, float] | None, binding: str, now: float) -> None:
    if row is None:
        raise NonceUnknownError("the nonce was not issued here, or has been used")
    bound, expires_at = row
    if expires_at <= now:
        raise NonceUnknownError("the nonce has expired")
    if bound != binding:
        raise NonceUnknownError("the nonce was issued for another account or chain")


@runtime_checkable
class NonceStore(Protocol):
    """Issues nonces bound to an account and takes each back exactly once."""

    def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        """A fresh nonce for ``(address, chain_id)``, valid ``ttl`` seconds."""
        ...

    def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        """Take ``nonce`` atomically; `NonceUnknownError` unless it was issued for this
        account and chain, is unexpired and was not taken before. It is gone afterwards."""
        ...


@runtime_checkable
class AsyncNonceStore(Protocol):
    """The async twin of `NonceStore`."""

    async def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str: ...

    async def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None: ...


# --- memory ---------------------------------------------------------------------------------------


class MemoryNonceStore:
    """Nonces in this process's memory; bounded to ``max_entries`` live nonces."""

    def __init__(self, *, max_entries: int = 100_000) -> None:
        if type(max_entries) is not int or max_entries < 1:
            raise InvalidArgumentError("max_entries must be a positive int")
        self._entries: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        nonce = generate_nonce()
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries = {k: v for k, v in self._entries.items() if v[1] > now_s}
                if len(self._entries) >= self._max:
                    raise InvalidArgumentError("the nonce store is full of live nonces")
            self._entries[nonce] = (binding, now_s + _ttl(ttl))
        return nonce

    def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        with self._lock:
            row = self._entries.pop(nonce, None) if isinstance(nonce, str) else None
        _check_taken(row, binding, now_s)

    def __len__(self) -> int:
        return len(self._entries)


class AsyncMemoryNonceStore:
    """`MemoryNonceStore` behind the async protocol (the work never blocks)."""

    def __init__(self, *, max_entries: int = 100_000) -> None:
        self.sync = MemoryNonceStore(max_entries=max_entries)

    async def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        return self.sync.issue(address, chain_id, ttl=ttl, now=now)

    async def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        self.sync.consume(nonce, address, chain_id, now=now)


# --- SQLite ---------------------------------------------------------------------------------------


class SQLiteNonceStore:
    """Nonces in an SQLite file shared by the processes of one host.

    `consume` is one ``DELETE … RETURNING`` statement (SQLite >= 3.35): of any number of
    concurrent takers, exactly one gets the row. Expired rows are purged on `issue`.
    """

    def __init__(self, path: str | Path, *, timeout: float = 5.0) -> None:
        import sqlite3

        if sqlite3.sqlite_version_info < (3, 35):
            raise InvalidArgumentError("SQLiteNonceStore needs SQLite >= 3.35 (RETURNING)")
        self._sqlite3 = sqlite3
        self._path = str(path)
        self._timeout = timeout
        self._local = threading.local()
        self._calls = 0
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS siws_nonces (nonce TEXT PRIMARY KEY, "
            "binding TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID"
        )

    def _db(self) -> Any:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        nonce = generate_nonce()
        db = self._db()
        db.execute(
            "INSERT INTO siws_nonces (nonce, binding, expires_at) VALUES (?, ?, ?)",
            (nonce, binding, now_s + _ttl(ttl)),
        )
        self._calls += 1
        if self._calls % 100 == 0:
            db.execute("DELETE FROM siws_nonces WHERE expires_at <= ?", (now_s,))
        return nonce

    def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        row = None
        if isinstance(nonce, str):
            row = (
                self._db()
                .execute(
                    "DELETE FROM siws_nonces WHERE nonce = ? RETURNING binding, expires_at",
                    (nonce,),
                )
                .fetchone()
            )
        _check_taken(None if row is None else (row[0], row[1]), binding, now_s)

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class AsyncSQLiteNonceStore:
    """`SQLiteNonceStore` run in worker threads (SQLite has no async driver in the stdlib)."""

    def __init__(self, path: str | Path, *, timeout: float = 5.0) -> None:
        self.sync = SQLiteNonceStore(path, timeout=timeout)

    async def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        now_s = resolve_now(now)
        return await asyncio.to_thread(self.sync.issue, address, chain_id, ttl=ttl, now=now_s)

    async def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        now_s = resolve_now(now)
        await asyncio.to_thread(self.sync.consume, nonce, address, chain_id, now=now_s)


# --- Redis ----------------------------------------------------------------------------------------


def _redis_value(binding: str, expires_at: float) -> bytes:
    return f"{expires_at!r}|{binding}".encode()


def _redis_row(raw: Any) -> tuple[str, float] | None:
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    expires, _, binding = text.partition("|")
    return binding, float(expires)


def _redis_module() -> Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise InvalidArgumentError(
            "Redis nonce stores need the redis package: pip install 'authtokens[redis]'"
        ) from exc
    return redis


def _px(ttl: float) -> int:
    # Redis expires the key too; the stored expiry (checked against `now`) is the authority.
    return max(1, int(_ttl(ttl) * 1000))


class RedisNonceStore:
    """Nonces in Redis (>= 6.2): ``SET key value NX PX ttl`` to issue, ``GETDEL`` to consume,
    so exactly one of any number of concurrent takers gets the nonce. ``client`` is a
    ``redis.Redis`` client or a ``redis://`` URL."""

    def __init__(self, client: object, *, prefix: str = "authtokens:siws-nonce:") -> None:
        redis = _redis_module()
        if isinstance(client, str):
            client = redis.Redis.from_url(client)
        if not isinstance(client, redis.Redis):
            raise InvalidArgumentError("client must be a redis.Redis client or a redis:// URL")
        self._redis = client
        self._prefix = prefix

    def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        nonce = generate_nonce()
        value = _redis_value(binding, now_s + _ttl(ttl))
        self._redis.set(self._prefix + nonce, value, nx=True, px=_px(ttl))
        return nonce

    def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        raw = self._redis.getdel(self._prefix + nonce) if isinstance(nonce, str) else None
        _check_taken(_redis_row(raw), binding, now_s)


class AsyncRedisNonceStore:
    """`RedisNonceStore` on ``redis.asyncio``; ``client`` is a ``redis.asyncio.Redis`` or a URL."""

    def __init__(self, client: object, *, prefix: str = "authtokens:siws-nonce:") -> None:
        redis = _redis_module()
        if isinstance(client, str):
            client = redis.asyncio.Redis.from_url(client)
        if not isinstance(client, redis.asyncio.Redis):
            raise InvalidArgumentError(
                "client must be a redis.asyncio.Redis client or a redis:// URL"
            )
        self._redis = client
        self._prefix = prefix

    async def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        nonce = generate_nonce()
        value = _redis_value(binding, now_s + _ttl(ttl))
        await self._redis.set(self._prefix + nonce, value, nx=True, px=_px(ttl))
        return nonce

    async def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        binding = _binding(address, chain_id)
        now_s = resolve_now(now)
        raw = await self._redis.getdel(self._prefix + nonce) if isinstance(nonce, str) else None
        _check_taken(_redis_row(raw), binding, now_s)

    async def aclose(self) -> None:
        await self._redis.aclose()


# --- verify with a store -------------------------------------------------------------------------


def verify_with_store(
    store: NonceStore,
    text: str,
    signature: str,
    *,
    domain: str,
    uri: str | None = None,
    scheme: str | None = None,
    chain_id: int | None = None,
    address: str | None = None,
    public_key: str | None = None,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
    legacy_prefix: bool = False,
) -> VerifiedSignIn:
    """`authtokens.siws.verify_message`, with the nonce taken from ``store`` instead of compared.

    Order (spec siws.md §4): parse strictly; consume the message's nonce for the message's
    address and chain (`NonceUnknownError`, code ``nonce_unknown``, when it was not issued for
    them, expired or was used); then every field check and the signature. The nonce is spent
    whatever the later checks say.
    """
    now_s = resolve_now(now)
    message = parse_message(text)
    store.consume(message.nonce, message.address, message.chain_id, now=now_s)
    return _finish(
        text, message, signature, domain, uri, scheme, chain_id, address, public_key, now_s,
        leeway, max_age, legacy_prefix,
    )  # fmt: skip


async def averify_with_store(
    store: AsyncNonceStore,
    text: str,
    signature: str,
    *,
    domain: str,
    uri: str | None = None,
    scheme: str | None = None,
    chain_id: int | None = None,
    address: str | None = None,
    public_key: str | None = None,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
    legacy_prefix: bool = False,
) -> VerifiedSignIn:
    """The async twin of `verify_with_store` (the signature check itself is CPU-bound and
    runs inline: it takes well under a millisecond)."""
    now_s = resolve_now(now)
    message = parse_message(text)
    await store.consume(message.nonce, message.address, message.chain_id, now=now_s)
    return _finish(
        text, message, signature, domain, uri, scheme, chain_id, address, public_key, now_s,
        leeway, max_age, legacy_prefix,
    )  # fmt: skip


def _finish(
    text: str,
    message: SiwsMessage,
    signature: str,
    domain: str,
    uri: str | None,
    scheme: str | None,
    chain_id: int | None,
    address: str | None,
    public_key: str | None,
    now: float,
    leeway: float,
    max_age: float | None,
    legacy_prefix: bool,
) -> VerifiedSignIn:
    check_fields(
        message,
        domain=domain,
        nonce=None,
        uri=uri,
        scheme=scheme,
        chain_id=chain_id,
        address=address,
        now=now,
        leeway=leeway,
        max_age=max_age,
    )
    key = check_signature(
        text, message, signature, public_key=public_key, legacy_prefix=legacy_prefix
    )
    return verified(message, key)
