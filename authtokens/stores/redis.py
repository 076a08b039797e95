"""Redis: any number of processes and hosts, through `RedisStore` (the sign-in server's `Store`,
redis-py asyncio), `RedisReplayCache` (a `ReplayCache` for token ids, redis-py sync) or
`RedisNonceStore` / `AsyncRedisNonceStore` (Sign-In with Stacks nonces, sync and asyncio). Needs
the ``authtokens[redis]`` extra; the module imports without it, and each class imports redis-py
when it is made (`RedisStore` raises ``ImportError``, `RedisReplayCache` an
`InvalidArgumentError` that names the extra).

``SET key value NX PX ttl`` creates a challenge without overwriting and with its expiry in one
command; ``GETDEL`` (Redis >= 6.2) consumes it, so exactly one caller gets the value and an
expired key reads as nil. Counters are one Lua script (INCR, then PEXPIRE on the first hit) for
all of a request's windows; users are hashes (``HSETNX first_seen``, ``HSET last_seen``,
``HINCRBY``) in one MULTI.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidArgumentError, ReplayCacheFullError, StoreNotOpenError
from ..replay import DEFAULT_MAX_RETENTION, check_retention, retained_until
from ..siws import generate_nonce
from .base import Clock, LinkedAccount, UnlinkResult, UserRecord, window_key
from .nonces import AsyncNonceStoreBase, NonceStoreBase, nonce_record, read_nonce_record

__all__ = ["AsyncRedisNonceStore", "RedisNonceStore", "RedisReplayCache", "RedisStore"]

_HIT = """
local out = {}
for i, key in ipairs(KEYS) do
    local n = redis.call('INCR', key)
    if n == 1 then redis.call('PEXPIRE', key, ARGV[i]) end
    out[i] = n
end
return out
"""

# KEYS: account hash, the user's account set. ARGV: account id, user, address, chain, method, now.
_LINK = """
local owner = redis.call('HGET', KEYS[1], 'user_id')
if not owner then
    redis.call('HSET', KEYS[1], 'user_id', ARGV[2], 'address', ARGV[3], 'chain_id', ARGV[4],
               'method', ARGV[5], 'first_seen', ARGV[6], 'last_seen', ARGV[6])
    redis.call('SADD', KEYS[2], ARGV[1])
elseif owner == ARGV[2] then
    redis.call('HSET', KEYS[1], 'method', ARGV[5], 'last_seen', ARGV[6])
end
return redis.call('HMGET', KEYS[1], 'user_id', 'address', 'chain_id', 'method', 'first_seen',
                  'last_seen')
"""

# KEYS: account hash, the user's account set. ARGV: account id, user.
_UNLINK = """
if redis.call('HGET', KEYS[1], 'user_id') ~= ARGV[2] then return 0 end
if redis.call('SCARD', KEYS[2]) <= 1 then return -1 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
"""


class RedisStore:
    """`Store` on Redis (see the module doc). Keys live under ``prefix``."""

    def __init__(self, url: str, *, prefix: str = "authtokens:", clock: Clock = time.time) -> None:
        from redis import asyncio as aioredis
        from redis.exceptions import RedisError

        self._aioredis: Any = aioredis
        self._redis_error: type[Exception] = RedisError
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._redis: Any = None
        self._hit_script: Any = None
        self._link_script: Any = None
        self._unlink_script: Any = None

    @property
    def redis(self) -> Any:
        if self._redis is None:
            raise StoreNotOpenError("RedisStore used before open()")
        return self._redis

    async def open(self) -> None:
        """Connect (lazily, by redis-py's pool) and check the server answers."""
        self._redis = self._aioredis.from_url(self.url, decode_responses=False)
        self._hit_script = self._redis.register_script(_HIT)
        self._link_script = self._redis.register_script(_LINK)
        self._unlink_script = self._redis.register_script(_UNLINK)
        await self._redis.ping()

    async def close(self) -> None:
        """Close the connection pool."""
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def ping(self) -> bool:
        """True when Redis answers PING."""
        try:
            return bool(await self.redis.ping())
        except self._redis_error:
            return False

    async def put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        """See `Store.put_new`."""
        ok = await self.redis.set(
            self.prefix + "ch:" + challenge_id, record, nx=True, px=max(1, int(ttl * 1000))
        )
        return bool(ok)

    async def take(self, challenge_id: str) -> bytes | None:
        """See `Store.take`."""
        value = await self.redis.getdel(self.prefix + "ch:" + challenge_id)
        return bytes(value) if value is not None else None

    async def record_user(self, key_id: str, key_type: str) -> UserRecord:
        """See `Store.record_user`."""
        key = self.prefix + "user:" + key_id
        now = repr(self._clock())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "first_seen", now)
            pipe.hset(key, mapping={"last_seen": now, "key_type": key_type})
            pipe.hincrby(key, "sign_ins", 1)
            pipe.hmget(key, "first_seen", "last_seen", "sign_ins")
            *_, (first, last, count) = await pipe.execute()
        return UserRecord(key_id, key_type, float(first), float(last), int(count))

    async def get_user(self, key_id: str) -> UserRecord | None:
        """See `Store.get_user`."""
        values = await self.redis.hmget(
            self.prefix + "user:" + key_id, "key_type", "first_seen", "last_seen", "sign_ins"
        )
        if values[0] is None:
            return None
        return UserRecord(
            key_id, values[0].decode(), float(values[1]), float(values[2]), int(values[3])
        )

    async def claim_meta(self, name: str, value: bytes, *, replace: bool = False) -> bytes:
        """See `Store.claim_meta`."""
        key = self.prefix + "meta:" + name
        await self.redis.set(key, value, nx=not replace)
        stored = await self.redis.get(key)
        return bytes(stored) if stored is not None else value

    async def hit(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        """See `Store.hit`."""
        if not counters:
            return []
        now = self._clock()
        keys, ttls = [], []
        for name, window in counters:
            key, ends = window_key(name, window, now)
            keys.append(self.prefix + "rl:" + key)
            ttls.append(max(1, int((ends - now) * 1000) + 1000))
        result = await self._hit_script(keys=keys, args=ttls)
        return [int(n) for n in result]

    # --- sessions and linked accounts (`AccountStore`) --------------------------------------

    async def get(self, key: str) -> bytes | None:
        """See `AccountStore.get`."""
        value = await self.redis.get(self.prefix + "ch:" + key)
        return bytes(value) if value is not None else None

    def _account_keys(self, account_id: str, user_id: str) -> list[str]:
        return [self.prefix + "acct:" + account_id, self.prefix + "uacct:" + user_id]

    @staticmethod
    def _account(account_id: str, values: Sequence[Any]) -> LinkedAccount:
        user, address, chain, method, first, last = (
            v.decode() if isinstance(v, bytes) else v for v in values
        )
        return LinkedAccount(
            account_id,
            user,
            address,
            int(chain) if chain else None,
            method,
            float(first),
            float(last),
        )

    async def link_account(
        self, account_id: str, user_id: str, *, address: str, chain_id: int | None, method: str
    ) -> LinkedAccount:
        """See `AccountStore.link_account`."""
        args = [account_id, user_id, address, "" if chain_id is None else str(chain_id), method]
        values = await self._link_script(
            keys=self._account_keys(account_id, user_id), args=[*args, repr(self._clock())]
        )
        return self._account(account_id, values)

    async def get_account(self, account_id: str) -> LinkedAccount | None:
        """See `AccountStore.get_account`."""
        values = await self.redis.hmget(
            self.prefix + "acct:" + account_id,
            "user_id",
            "address",
            "chain_id",
            "method",
            "first_seen",
            "last_seen",
        )
        return None if values[0] is None else self._account(account_id, values)

    async def user_accounts(self, user_id: str) -> list[LinkedAccount]:
        """See `AccountStore.user_accounts`."""
        ids = sorted(
            m.decode() for m in await self.redis.smembers(self.prefix + "uacct:" + user_id)
        )
        links = [await self.get_account(account_id) for account_id in ids]
        found = [a for a in links if a is not None and a.user_id == user_id]
        return sorted(found, key=lambda a: (a.first_seen, a.account_id))

    async def unlink_account(self, account_id: str, user_id: str) -> UnlinkResult:
        """See `AccountStore.unlink_account`."""
        done = await self._unlink_script(
            keys=self._account_keys(account_id, user_id), args=[account_id, user_id]
        )
        if int(done) == 1:
            return "unlinked"
        return "not_linked" if int(done) == 0 else "last_account"


class RedisReplayCache:
    """A cache in Redis (>= 6.2), shared by every process and host that uses the server.

    One ``SET key 1 NX PXAT expires_at`` per call: Redis both refuses a live key and expires it
    at the token's expiry, atomically. The expiry is clamped to ``max_retention`` seconds from
    now (`authtokens.replay.DEFAULT_MAX_RETENTION`), which also keeps it inside the range
    Redis accepts (a raw ``exp`` of 9.2e15 overflowed it). Run the Redis with
    ``maxmemory-policy noeviction``: an evicting policy would forget live ids (accepting
    replays); with ``noeviction`` a full Redis refuses new ids, raised as
    `ReplayCacheFullError`. ``client`` is a ``redis.Redis`` (sync) client or a ``redis://``
    URL; keys are ``prefix + issuer#jti``.
    """

    def __init__(
        self,
        client: object,
        *,
        prefix: str = "authtokens:jti:",
        clock: Clock = time.time,
        max_retention: float = DEFAULT_MAX_RETENTION,
    ) -> None:
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
        self.max_retention = check_retention(max_retention)
        self._redis = client
        self._prefix = prefix
        self._clock = clock
        self._response_error: type[Exception] = redis.exceptions.ResponseError

    def seen(self, jti: str, expires_at: float) -> bool:
        key = self._prefix + jti
        now = self._clock()
        # PXAT in the past would be refused; such a token is already expired, keep it a second.
        until_ms = max(
            int(retained_until(expires_at, now, self.max_retention) * 1000), int(now * 1000) + 1000
        )
        try:
            created = self._redis.set(key, b"1", nx=True, pxat=until_ms)
        except self._response_error as exc:
            if str(exc).startswith("OOM"):
                raise ReplayCacheFullError("the replay cache's Redis is out of memory") from None
            raise
        return not created


def _redis_module() -> Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise InvalidArgumentError(
            "Redis nonce stores need the redis package: pip install 'authtokens[redis]'"
        ) from exc
    return redis


def _row(raw: Any) -> tuple[str, float] | None:
    if raw is None:
        return None
    return read_nonce_record(raw.decode() if isinstance(raw, bytes) else str(raw))


def _px(ttl: float) -> int:
    # Redis expires the key too; the stored expiry (checked against the clock) is the authority.
    return max(1, int(ttl * 1000))


class RedisNonceStore(NonceStoreBase):
    """`authtokens.siws.NonceStore` in Redis (>= 6.2): ``SET key value NX PX ttl`` to issue,
    ``GETDEL`` to consume, so exactly one of any number of concurrent takers gets the nonce.
    ``client`` is a ``redis.Redis`` client or a ``redis://`` URL."""

    def __init__(
        self, client: object, *, prefix: str = "authtokens:siws-nonce:", clock: Clock = time.time
    ) -> None:
        redis = _redis_module()
        if isinstance(client, str):
            client = redis.Redis.from_url(client)
        if not isinstance(client, redis.Redis):
            raise InvalidArgumentError("client must be a redis.Redis client or a redis:// URL")
        self._redis = client
        self._prefix = prefix
        self._clock = clock

    def _put(self, binding: str, now: float, ttl: float) -> str:
        nonce = generate_nonce()
        self._redis.set(
            self._prefix + nonce, nonce_record(binding, now + ttl), nx=True, px=_px(ttl)
        )
        return nonce

    def _take(self, nonce: str) -> tuple[str, float] | None:
        return _row(self._redis.getdel(self._prefix + nonce))


class AsyncRedisNonceStore(AsyncNonceStoreBase):
    """`RedisNonceStore` on ``redis.asyncio``; ``client`` is a ``redis.asyncio.Redis`` or a URL."""

    def __init__(
        self, client: object, *, prefix: str = "authtokens:siws-nonce:", clock: Clock = time.time
    ) -> None:
        redis = _redis_module()
        if isinstance(client, str):
            client = redis.asyncio.Redis.from_url(client)
        if not isinstance(client, redis.asyncio.Redis):
            raise InvalidArgumentError(
                "client must be a redis.asyncio.Redis client or a redis:// URL"
            )
        self._redis = client
        self._prefix = prefix
        self._clock = clock

    async def _put(self, binding: str, now: float, ttl: float) -> str:
        nonce = generate_nonce()
        record = nonce_record(binding, now + ttl)
        await self._redis.set(self._prefix + nonce, record, nx=True, px=_px(ttl))
        return nonce

    async def _take(self, nonce: str) -> tuple[str, float] | None:
        return _row(await self._redis.getdel(self._prefix + nonce))

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._redis.aclose()
