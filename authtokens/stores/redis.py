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
``HINCRBY``) in one Lua script.

The combined steps are one Lua script each, so one round trip: `RedisStore.put_new_limited`
counts the request's windows and, if none is over its limit, ``SET NX PX``;
`RedisStore.take_limited` counts, ``GETDEL``s, reads the owner field of the taken JSON record
(``cjson``) and counts the owner's windows. Scripts run atomically, so exactly-once holds as for
``GETDEL`` alone. The owner counters' keys are built inside the script, which Redis Cluster
does not allow: use a standalone Redis (or Sentinel), as for the rest of this store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any

from ..errors import InvalidArgumentError, ReplayCacheFullError, StoreNotOpenError
from ..replay import DEFAULT_MAX_RETENTION, check_retention, retained_until
from ..siws import generate_nonce
from .base import (
    OWNER,
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
from .nonces import AsyncNonceStoreBase, NonceStoreBase, nonce_record, read_nonce_record
from .resp import Lane, pack

__all__ = ["AsyncRedisNonceStore", "RedisNonceStore", "RedisReplayCache", "RedisStore"]

log = logging.getLogger("authtokens.server")

_HIT = """
local out = {}
for i, key in ipairs(KEYS) do
    local n = redis.call('INCR', key)
    if n == 1 then redis.call('PEXPIRE', key, ARGV[i]) end
    out[i] = n
end
return out
"""

# KEYS: the user's hash. ARGV: now, key type. Returns first seen, last seen, sign-ins.
_RECORD_USER = """
redis.call('HSETNX', KEYS[1], 'first_seen', ARGV[1])
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1], 'key_type', ARGV[2])
local n = redis.call('HINCRBY', KEYS[1], 'sign_ins', 1)
return {redis.call('HGET', KEYS[1], 'first_seen'), ARGV[1], n}
"""

# KEYS: n counters, then the challenge. ARGV: n expiries (ms), n limits, record, ttl (ms).
# Returns the n counts, then 1 (stored), 0 (id live) or -1 (a counter over its limit).
_PUT_NEW_LIMITED = """
local n = #KEYS - 1
local out = {}
local over = false
for i = 1, n do
    local c = redis.call('INCR', KEYS[i])
    if c == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[i]) end
    out[i] = c
    if c > tonumber(ARGV[n + i]) then over = true end
end
if over then
    out[n + 1] = -1
elseif redis.call('SET', KEYS[n + 1], ARGV[2 * n + 1], 'NX', 'PX', ARGV[2 * n + 2]) then
    out[n + 1] = 1
else
    out[n + 1] = 0
end
return out
"""

# KEYS: n counters, then the challenge. ARGV: n expiries (ms), n limits, the owner field, then
# per owner counter: key prefix, key suffix, expiry (ms), limit. Returns the n counts, then the
# record (or -1 over a limit, 0 nothing to take), then the owner counters' counts.
_TAKE_LIMITED = """
local n = #KEYS - 1
local out = {}
for i = 1, n do
    local c = redis.call('INCR', KEYS[i])
    if c == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[i]) end
    out[i] = c
end
for i = 1, n do
    if out[i] > tonumber(ARGV[n + i]) then
        out[n + 1] = -1
        return out
    end
end
local record = redis.call('GETDEL', KEYS[n + 1])
if not record then
    out[n + 1] = 0
    return out
end
out[n + 1] = record
local ok, value = pcall(cjson.decode, record)
if not ok or type(value) ~= 'table' then return out end
local owner = value[ARGV[2 * n + 1]]
if type(owner) ~= 'string' then return out end
for j = 2 * n + 2, #ARGV, 4 do
    local key = ARGV[j] .. owner .. ARGV[j + 1]
    local c = redis.call('INCR', key)
    if c == 1 then redis.call('PEXPIRE', key, ARGV[j + 2]) end
    out[#out + 1] = c
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
    """`Store` on Redis (see the module doc). Keys live under ``prefix``.

    The scripts of the sign-in steps go over a `Lane` of their own (`authtokens.stores.resp`)
    when the URL is plain TCP; ``lane=False`` sends everything through redis-py. A Redis that
    sends no reply for ``reply_timeout`` seconds fails the calls waiting for it, on the lane and
    through redis-py (its ``socket_timeout``, unless the URL sets one).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "authtokens:",
        clock: Clock = time.time,
        lane: bool = True,
        reply_timeout: float = 10.0,
    ) -> None:
        from redis import asyncio as aioredis
        from redis.exceptions import NoScriptError, RedisError

        self._aioredis: Any = aioredis
        self._redis_error: type[Exception] = RedisError
        self._no_script: type[Exception] = NoScriptError
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._redis: Any = None
        self._hit_script: Any = None
        self._put_script: Any = None
        self._user_script: Any = None
        self._take_script: Any = None
        self._queue: list[tuple[Any, list[Any], list[Any], asyncio.Future[Any]]] = []
        self._flushes: set[asyncio.Task[None]] = set()
        self._link_script: Any = None
        self._unlink_script: Any = None
        self.reply_timeout = reply_timeout
        self._use_lane = lane
        self._lane: Lane | None = None
        self._lane_tried: float | None = None  # when a lane was last tried (monotonic); None: never
        self._lane_connecting: asyncio.Task[None] | None = None

    # -- auto-pipelining ----------------------------------------------------------------------

    def _run_script(self, script: Any, *, keys: list[Any], args: list[Any]) -> Awaitable[Any]:
        """Run ``script`` with the others called in the same event-loop turn: one write of
        ``EVALSHA``s (no MULTI: each script is atomic on its own, and they are independent) on
        the store's `Lane` (`authtokens.stores.resp`), or one redis-py pipeline while there is
        none. redis-py spends about 45 µs of CPU on a lone command and 18 µs on one of a
        pipeline of ten; the lane about 5."""
        self.redis  # noqa: B018 - StoreNotOpenError before anything is queued
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append((script, keys, args, future))
        if len(self._queue) == 1:
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        batch, self._queue = self._queue, []
        if not batch:
            return
        lane = self._lane
        if lane is not None and lane.open:
            packed, callers = [], []
            for script, keys, args, future in batch:
                try:
                    packed.append(pack("EVALSHA", script.sha, len(keys), *keys, *args))
                except TypeError as exc:  # an argument Redis cannot take: this call only
                    future.set_exception(exc)
                    continue
                callers.append(((script, keys, args), future))
            if callers:
                lane.send(b"".join(packed), callers)
            return
        self._reconnect_lane()
        self._spawn(self._send(batch))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    def _retry_unloaded(self, calls: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        """Calls the lane's Redis answered NOSCRIPT: run them through redis-py, which loads
        the script first."""
        self._spawn(self._send([(s, k, a, f) for (s, k, a), f in calls], loaded=False))

    async def _open_lane(self) -> None:
        """A `Lane` when the URL is plain TCP and hiredis is installed; otherwise none (and
        every script goes through redis-py)."""
        from redis.asyncio.connection import Connection

        pool = self.redis.connection_pool
        if not self._use_lane or pool.connection_class is not Connection:
            return  # turned off, or TLS or a Unix socket: redis-py only
        try:
            import hiredis  # noqa: F401 - the lane parses with it
        except ImportError:  # pragma: no cover - the redis extra installs it
            return
        kw = pool.connection_kwargs
        self._lane_tried = time.monotonic()
        try:
            lane = await Lane.connect(
                kw.get("host", "localhost"),
                int(kw.get("port", 6379)),
                username=kw.get("username"),
                password=kw.get("password"),
                db=int(kw.get("db", 0) or 0),
                reply_timeout=self.reply_timeout,
            )
        except Exception as exc:  # redis-py carries on alone; retried later
            log.warning("Redis store: no pipelined connection (%s); using redis-py", exc)
            return
        lane.on_no_script = self._retry_unloaded
        self._lane = lane

    def _reconnect_lane(self) -> None:
        """After a lost lane, try again (at most once a second) while redis-py carries on."""
        if self._redis is None or self._lane_tried is None:
            return  # closed, or this store never tries a lane: TLS, a Unix socket, no hiredis
        if self._lane_connecting is not None or time.monotonic() - self._lane_tried < 1.0:
            return
        self._lane = None

        async def again() -> None:
            try:
                await self._open_lane()
            finally:
                self._lane_connecting = None

        self._lane_connecting = asyncio.ensure_future(again())

    async def _send(
        self,
        batch: list[tuple[Any, list[Any], list[Any], asyncio.Future[Any]]],
        *,
        loaded: bool = True,
    ) -> None:
        if len(batch) == 1 or not loaded:
            await asyncio.gather(*(self._send_one(*call) for call in batch))
            return
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for script, keys, args, _ in batch:
                    # EVALSHA by hand: a pipeline holding Script objects first asks Redis
                    # whether they are loaded (SCRIPT EXISTS), a round trip per batch.
                    pipe.evalsha(script.sha, len(keys), *keys, *args)
                results = await pipe.execute(raise_on_error=False)
        except Exception as exc:
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (script, keys, args, future), result in zip(batch, results, strict=True):
            if isinstance(result, self._no_script):  # Redis restarted or flushed its scripts
                try:
                    result = await script(keys=keys, args=args)  # loads it and runs it
                except Exception as exc:
                    result = exc
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    @staticmethod
    async def _send_one(
        script: Any, keys: list[Any], args: list[Any], future: asyncio.Future[Any]
    ) -> None:
        """One script through redis-py (which loads it if Redis does not know it)."""
        try:
            result = await script(keys=keys, args=args)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(result)

    @property
    def redis(self) -> Any:
        if self._redis is None:
            raise StoreNotOpenError("RedisStore used before open()")
        return self._redis

    async def open(self) -> None:
        """Connect (lazily, by redis-py's pool) and check the server answers."""
        # redis-py waits for a reply forever by default; a timeout in the URL still wins.
        self._redis = self._aioredis.from_url(
            self.url,
            decode_responses=False,
            socket_timeout=self.reply_timeout,
            socket_connect_timeout=self.reply_timeout,
        )
        self._hit_script = self._redis.register_script(_HIT)
        self._put_script = self._redis.register_script(_PUT_NEW_LIMITED)
        self._user_script = self._redis.register_script(_RECORD_USER)
        self._take_script = self._redis.register_script(_TAKE_LIMITED)
        self._link_script = self._redis.register_script(_LINK)
        self._unlink_script = self._redis.register_script(_UNLINK)
        await self._redis.ping()
        # Loaded now, so that the first calls are not answered NOSCRIPT and run again (after a
        # Redis restart they are, and still answered).
        async with self._redis.pipeline(transaction=False) as pipe:
            for script in self._scripts():
                pipe.script_load(script.script)
            await pipe.execute()
        await self._open_lane()

    def _scripts(self) -> tuple[Any, ...]:
        return (
            self._hit_script,
            self._put_script,
            self._user_script,
            self._take_script,
            self._link_script,
            self._unlink_script,
        )

    async def close(self) -> None:
        """Close the lane and the connection pool (after the calls already made)."""
        self._flush()
        lane = self._lane
        if lane is not None:
            await lane.drain()
        if self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)
        if self._lane_connecting is not None:
            self._lane_connecting.cancel()
            await asyncio.gather(self._lane_connecting, return_exceptions=True)
        if self._lane is not None:
            self._lane.close()
            self._lane = None
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
        """See `Store.record_user` (one Lua script)."""
        now = repr(self._clock())
        first, last, count = await self._run_script(
            self._user_script, keys=[self.prefix + "user:" + key_id], args=[now, key_type]
        )
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

    def _window(self, name: str, window: int, now: float) -> tuple[str, int]:
        key, ends = window_key(name, window, now)
        return self.prefix + "rl:" + key, max(1, int((ends - now) * 1000) + 1000)

    def _counter_args(self, counters: Sequence[Counter]) -> tuple[list[str], list[Any]]:
        now = self._clock()
        keys, ttls = [], []
        for name, window, _ in counters:
            key, ttl = self._window(name, window, now)
            keys.append(key)
            ttls.append(ttl)
        return keys, ttls + [limit for _, _, limit in counters]

    async def put_new_limited(
        self, challenge_id: str, record: bytes, ttl: float, counters: Sequence[Counter]
    ) -> Limited:
        """See `Store.put_new_limited` (one Lua script)."""
        keys, args = self._counter_args(counters)
        keys.append(self.prefix + "ch:" + challenge_id)
        args += [record, max(1, int(ttl * 1000))]
        result = await self._run_script(self._put_script, keys=keys, args=args)
        counts = [int(c) for c in result[:-1]]
        if int(result[-1]) < 0:
            return Limited(counts, first_over(counters, counts))
        return Limited(counts, stored=int(result[-1]) == 1)

    async def take_limited(
        self,
        challenge_id: str,
        counters: Sequence[Counter],
        *,
        owner_field: str = "",
        owner_counters: Sequence[Counter] = (),
    ) -> Limited:
        """See `Store.take_limited` (one Lua script)."""
        keys, args = self._counter_args(counters)
        keys.append(self.prefix + "ch:" + challenge_id)
        args.append(owner_field)
        now = self._clock()
        for template, window, _ in owner_counters:
            # The key is the prefix, the name with the owner in it, and the window.
            key, ttl = self._window(template, window, now)
            before, _, after = key.partition(OWNER)
            args += [before, after, ttl]
        result = await self._run_script(self._take_script, keys=keys, args=args)
        n = len(counters)
        counts = [int(c) for c in result[:n]]
        taken = result[n]
        if isinstance(taken, int):
            if taken < 0:
                return Limited(counts, first_over(counters, counts))
            return Limited(counts)
        record = bytes(taken)
        more = [int(c) for c in result[n + 1 :]]
        named = [
            (owner_name(template, record, owner_field) or template, window, limit)
            for template, window, limit in owner_counters[: len(more)]
        ]
        return Limited([*counts, *more], first_over(named, more), record=record)

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
        result = await self._run_script(self._hit_script, keys=keys, args=ttls)
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
