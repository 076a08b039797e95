"""What every Sign-In with Stacks nonce store shares, written once: the backends only put a row
and take it back.

`NonceStoreBase` (sync) and `AsyncNonceStoreBase` (asyncio) implement
`authtokens.siws.NonceStore.issue` / ``consume``: bind the nonce to its account and chain
(`authtokens.siws.nonce_binding`), bound its lifetime (`authtokens.siws.nonce_ttl`), read the
store's clock unless ``now`` is given, and judge what the atomic take returned
(`authtokens.siws.check_nonce_row`). A backend supplies ``_put`` (store a fresh nonce's row,
return the nonce) and ``_take`` (atomically remove a nonce's row and return
``(binding, expires_at)``, or None). `nonce_record` / `read_nonce_record` are the text form of
a row in stores that keep bytes (Redis, the sign-in server's `Store`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..claims import Timestamp, to_seconds
from ..siws import DEFAULT_NONCE_TTL, check_nonce_row, nonce_binding, nonce_ttl
from .base import Clock

__all__ = ["AsyncNonceStoreBase", "NonceStoreBase", "nonce_record", "read_nonce_record"]


def nonce_record(binding: str, expires_at: float) -> bytes:
    """A nonce's row as bytes: ``<expires at>|<chain id>:<address>``."""
    return f"{expires_at!r}|{binding}".encode()


def read_nonce_record(text: str) -> tuple[str, float]:
    """``(binding, expires_at)`` of a decoded `nonce_record`; ``ValueError`` if unreadable."""
    expires, _, binding = text.partition("|")
    return binding, float(expires)


class _Clocked:
    _clock: Clock

    def _now(self, now: Timestamp | None) -> float:
        return self._clock() if now is None else to_seconds(now, "now")


class NonceStoreBase(_Clocked, ABC):
    """A sync `authtokens.siws.NonceStore` over a backend's ``_put`` and ``_take``."""

    def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        """See `authtokens.siws.NonceStore.issue`."""
        binding = nonce_binding(address, chain_id)
        now_s = self._now(now)
        return self._put(binding, now_s, nonce_ttl(ttl))

    def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        """See `authtokens.siws.NonceStore.consume`."""
        binding = nonce_binding(address, chain_id)
        now_s = self._now(now)
        row = self._take(nonce) if isinstance(nonce, str) else None
        check_nonce_row(row, binding, now_s)

    @abstractmethod
    def _put(self, binding: str, now: float, ttl: float) -> str:
        """Store a fresh nonce bound to ``binding`` until ``now + ttl``; return it."""

    @abstractmethod
    def _take(self, nonce: str) -> tuple[str, float] | None:
        """Atomically remove ``nonce``'s row and return ``(binding, expires_at)``, or None."""


class AsyncNonceStoreBase(_Clocked, ABC):
    """An `authtokens.siws.AsyncNonceStore` over a backend's async ``_put`` and ``_take``."""

    async def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        """See `authtokens.siws.NonceStore.issue`."""
        binding = nonce_binding(address, chain_id)
        now_s = self._now(now)
        return await self._put(binding, now_s, nonce_ttl(ttl))

    async def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        """See `authtokens.siws.NonceStore.consume`."""
        binding = nonce_binding(address, chain_id)
        now_s = self._now(now)
        row = await self._take(nonce) if isinstance(nonce, str) else None
        check_nonce_row(row, binding, now_s)

    @abstractmethod
    async def _put(self, binding: str, now: float, ttl: float) -> str:
        """Store a fresh nonce bound to ``binding`` until ``now + ttl``; return it."""

    @abstractmethod
    async def _take(self, nonce: str) -> tuple[str, float] | None:
        """Atomically remove ``nonce``'s row and return ``(binding, expires_at)``, or None."""
