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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from .errors import InvalidArgumentError, ReplayedTokenError

__all__ = ["MemoryReplayCache", "ReplayCache", "consume", "replay_key"]

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
