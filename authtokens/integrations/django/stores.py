"""The Django database as SIWS nonce store and legacy replay cache.

`DatabaseNonceStore.consume` is one conditional ``UPDATE … SET used = true WHERE nonce = ? AND
used = false``: of any number of concurrent consumers (threads, processes) exactly one changes
the row, the others see ``nonce_unknown``. Never read-then-delete. `DatabaseReplayCache.seen`
inserts the token's key under a primary key: the insert that fails is the replay.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction

from ...addresses import canonical_stacks_address
from ...claims import Timestamp, resolve_now
from ...errors import InvalidArgumentError, NonceUnknownError
from ...siws import DEFAULT_NONCE_TTL, generate_nonce
from .models import SiwsNonce, UsedToken

__all__ = ["DatabaseNonceStore", "DatabaseReplayCache"]


def _binding(address: str, chain_id: int) -> str:
    if type(chain_id) is not int:
        raise InvalidArgumentError("chain_id must be an integer")
    return f"{chain_id}:{canonical_stacks_address(address)}"


class DatabaseNonceStore:
    """A `authtokens.siws.NonceStore` in the ``SiwsNonce`` table."""

    def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        """A fresh nonce for ``(address, chain_id)``, valid ``ttl`` seconds."""
        binding = _binding(address, chain_id)
        expires_at = resolve_now(now) + ttl
        while True:
            nonce = generate_nonce()
            try:
                with transaction.atomic():
                    SiwsNonce.objects.create(nonce=nonce, binding=binding, expires_at=expires_at)
            except IntegrityError:  # 130 random bits: never in practice
                continue
            return nonce

    def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        """Take the nonce (see the module doc); `NonceUnknownError` unless it was issued for
        this account and chain, is unexpired and was not taken before."""
        binding = _binding(address, chain_id)
        taken = SiwsNonce.objects.filter(nonce=nonce, used=False).update(used=True)
        if taken != 1:
            raise NonceUnknownError("the nonce was not issued here, or has been used")
        row = SiwsNonce.objects.filter(nonce=nonce).values_list("binding", "expires_at").first()
        SiwsNonce.objects.filter(nonce=nonce).delete()
        if row is None or row[1] <= resolve_now(now):
            raise NonceUnknownError("the nonce has expired")
        if row[0] != binding:
            raise NonceUnknownError("the nonce was issued for another account or chain")

    def purge(self, now: float | None = None) -> int:
        """Delete expired and used nonces; returns how many."""
        moment = time.time() if now is None else now
        expired = SiwsNonce.objects.filter(expires_at__lte=moment).delete()[0]
        return int(expired) + int(SiwsNonce.objects.filter(used=True).delete()[0])


class DatabaseReplayCache:
    """A `authtokens.replay.ReplayCache` in the ``UsedToken`` table."""

    def seen(self, jti: str, expires_at: float) -> bool:
        UsedToken.objects.filter(expires_at__lt=time.time()).delete()
        try:
            with transaction.atomic():
                UsedToken.objects.create(key=jti[:255], expires_at=expires_at)
        except IntegrityError:
            return True
        return False
