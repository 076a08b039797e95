"""Redis: any number of processes and hosts, through `RedisStore` (the sign-in server's `Store`,
redis-py asyncio) or `RedisReplayCache` (a `ReplayCache` for token ids, redis-py sync). Needs
the ``authtokens[redis]`` extra.

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

import redis
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from ..errors import InvalidArgumentError
from .base import Clock, UserRecord, window_key

__all__ = ["RedisReplayCache", "RedisStore"]

_HIT = """
local out = {}
for i, key in ipairs(KEYS) do
    local n = redis.call('INCR', key)
    if n == 1 then redis.call('PEXPIRE', key, ARGV[i]) end
    out[i] = n
end
return out
"""


class RedisStore:
    """`Store` on Redis (see the module doc). Keys live under ``prefix``."""

    def __init__(self, url: str, *, prefix: str = "authtokens:", clock: Clock = time.time) -> None:
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._redis: Any = None
        self._hit_script: Any = None

    @property
    def redis(self) -> Any:
        if self._redis is None:
            raise RuntimeError("RedisStore used before open()")
        return self._redis

    async def open(self) -> None:
        """Connect (lazily, by redis-py's pool) and check the server answers."""
        self._redis = aioredis.from_url(self.url, decode_responses=False)
        self._hit_script = self._redis.register_script(_HIT)
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
        except RedisError:
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


class RedisReplayCache:
    """A cache in Redis (>= 6.2), shared by every process and host that uses the server.

    One ``SET key 1 NX PXAT expires_at`` per call: Redis both refuses a live key and expires it
    at the token's expiry, atomically. ``client`` is a ``redis.Redis`` (sync) client or a
    ``redis://`` URL; keys are ``prefix + issuer#jti``.
    """

    def __init__(
        self, client: object, *, prefix: str = "authtokens:jti:", clock: Clock = time.time
    ) -> None:
        if isinstance(client, str):
            client = redis.Redis.from_url(client)
        if not isinstance(client, redis.Redis):
            raise InvalidArgumentError("client must be a redis.Redis client or a redis:// URL")
        self._redis = client
        self._prefix = prefix
        self._clock = clock

    def seen(self, jti: str, expires_at: float) -> bool:
        key = self._prefix + jti
        # PXAT in the past would be refused; such a token is already expired, keep it a second.
        until_ms = max(int(expires_at * 1000), int(self._clock() * 1000) + 1000)
        created = self._redis.set(key, b"1", nx=True, pxat=until_ms)
        return not created
