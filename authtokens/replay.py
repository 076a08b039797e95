"""Replay protection: remember each token's ``jti`` until the token could no longer verify.

Verifiers consume a ``jti`` only when given a `ReplayCache`, and only after everything else
passed, in this order: parse, verify the signature, check issuer and time, then consume. The
cache is keyed on the issuer and ``jti`` (never on the token string, which a high-S/low-S twin
would change), so a re-signed or malleated copy of a token is still a replay, and nobody can
burn another issuer's ``jti``.

`MemoryReplayCache` serves one process. `authtokens.stores.sqlite.SQLiteReplayCache` serves
several processes on one host through a shared file, `authtokens.stores.redis.RedisReplayCache`
any number of hosts (it needs the ``authtokens[redis]`` extra); both are also importable from
`authtokens` and `authtokens.stores`, loaded on first use. All are atomic: of two concurrent
``seen`` calls for one key, exactly one returns False. Time comes from the injected ``clock``
(``now`` for `consume`); this module never opens a file or a socket.

Retention is bounded (issue 11, item 10): a cache remembers an id at most ``max_retention``
seconds (`DEFAULT_MAX_RETENTION`, 32 days: the reference's month-long tokens plus an hour and
the leeway), whatever the token's ``exp`` says, so a token with ``exp: 1e300`` cannot pin an
entry forever. A token still valid beyond what the cache remembers could be replayed once its
id is gone, so `consume` refuses it (`LifetimeTooLongError`): with replay protection on, the
tokens accepted are exactly those the cache can remember until they expire; a token that never
expires (``require_exp=False``) is refused for the same reason. A cache that cannot take more
ids refuses new tokens with `ReplayCacheFullError` (code ``replay_cache_full``, a 503: the
verifier's condition, not the token's fault) instead of forgetting live ids (which would accept
replays) or calling every new token a replay (which would refuse good tokens as ``replayed``);
every id it holds expires within ``max_retention``, so the condition ends by itself.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from .claims import check_seconds
from .errors import (
    InvalidArgumentError,
    LifetimeTooLongError,
    ReplayCacheFullError,
    ReplayedTokenError,
)

__all__ = [
    "DEFAULT_MAX_RETENTION",
    "MemoryReplayCache",
    "ReplayCache",
    "check_retention",
    "consume",
    "replay_key",
    "retained_until",
]

#: How long a cache remembers a token id at most (seconds): the reference's tokens live a month
#: (``nextMonth``: up to 31 days, an hour more across a DST change), plus the leeway.
DEFAULT_MAX_RETENTION = 32 * 24 * 3600.0


@runtime_checkable
class ReplayCache(Protocol):
    """Records token ids; must be atomic across every caller that shares it.

    A cache may also have a ``max_retention`` attribute (seconds): how long at most it
    remembers an id. `consume` reads it (`DEFAULT_MAX_RETENTION` when absent) and refuses
    tokens that stay valid longer than that.
    """

    def seen(self, jti: str, expires_at: float) -> bool:
        """Record ``jti`` until ``expires_at`` (Unix seconds) and report whether it was
        already recorded (True means: replay, refuse the token). A cache that cannot record
        it raises `ReplayCacheFullError`."""
        ...


def replay_key(issuer: str, jti: str) -> str:
    """The cache key for a token: its issuer and ``jti``."""
    return f"{issuer}#{jti}"


def check_retention(max_retention: object) -> float:
    """A cache's ``max_retention`` option: finite seconds above zero (`InvalidArgumentError`)."""
    value = check_seconds(max_retention, "max_retention")
    assert value is not None
    if value <= 0:
        raise InvalidArgumentError("max_retention must be above zero")
    return value


def retained_until(expires_at: float, now: float, max_retention: float) -> float:
    """When a cache drops an id recorded at ``now``: ``expires_at``, but never later than
    ``now + max_retention`` (a NaN or infinite ``expires_at`` reads as that bound too)."""
    bound = now + max_retention
    return expires_at if math.isfinite(expires_at) and expires_at <= bound else bound


def _retention_of(cache: ReplayCache) -> float:
    value = getattr(cache, "max_retention", DEFAULT_MAX_RETENTION)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidArgumentError("a replay cache's max_retention must be a number of seconds")
    return float(value)


def consume(cache: ReplayCache, payload: dict[str, Any], now: float, leeway: float) -> None:
    """Record a verified token's issuer and ``jti`` until it could no longer verify
    (``exp + leeway``); `ReplayedTokenError` if they were already recorded.

    A token that stays valid longer than the cache remembers ids (its ``max_retention``), or
    never expires, raises `LifetimeTooLongError` before anything is recorded: once its id were
    dropped it could be replayed. A full cache raises `ReplayCacheFullError`.
    """
    exp = payload.get("exp") or None
    retention = _retention_of(cache)
    if exp is None:
        raise LifetimeTooLongError(
            "a token that never expires cannot be protected against replay (set exp)"
        )
    until = exp + leeway
    if until > now + retention:
        raise LifetimeTooLongError(
            f"token stays valid {until - now:.0f} s, longer than the replay cache remembers "
            f"ids ({retention:.0f} s): cap its lifetime or raise the cache's max_retention"
        )
    if cache.seen(replay_key(payload["iss"], payload["jti"]), until):
        raise ReplayedTokenError("this token has been used before")


class MemoryReplayCache:
    """An in-process cache with lazy expiry, bounded to ``max_entries`` live ids, each kept at
    most ``max_retention`` seconds (`DEFAULT_MAX_RETENTION`).

    When full of unexpired ids it refuses new ones with `ReplayCacheFullError` rather than
    forgetting live ids, which would re-open replays; ids already recorded are still refused as
    replays. The condition lasts until ids expire (at most ``max_retention``): size the cache
    for your peak of tokens per retention period.
    """

    def __init__(
        self,
        *,
        max_entries: int = 1_000_000,
        max_retention: float = DEFAULT_MAX_RETENTION,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise InvalidArgumentError("max_entries must be a positive int")
        self.max_retention = check_retention(max_retention)
        self._entries: dict[str, float] = {}
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock
        # No id expires before this: a full cache need not be swept again until then.
        self._soonest = math.inf

    def seen(self, jti: str, expires_at: float) -> bool:
        now = self._clock()
        with self._lock:
            expiry = self._entries.get(jti)
            if expiry is not None and expiry >= now:
                return True
            if len(self._entries) >= self._max:
                if self._soonest < now:
                    self._purge(now)
                if len(self._entries) >= self._max:
                    raise ReplayCacheFullError(
                        f"the replay cache holds {self._max} live token ids; none expires "
                        f"for {self._soonest - now:.0f} s"
                    )
            until = retained_until(expires_at, now, self.max_retention)
            self._entries[jti] = until
            self._soonest = min(self._soonest, until)
            return False

    def _purge(self, now: float) -> None:
        self._entries = {k: v for k, v in self._entries.items() if v >= now}
        self._soonest = min(self._entries.values(), default=math.inf)

    def __len__(self) -> int:
        return len(self._entries)
