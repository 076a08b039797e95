"""The Django database as SIWS nonce store and legacy replay cache.

`DatabaseNonceStore.consume` is one conditional ``UPDATE … SET used = true WHERE nonce = ? AND
used = false``: of any number of concurrent consumers (threads, processes) exactly one changes
the row, the others see ``nonce_unknown``. Never read-then-delete. `DatabaseReplayCache.seen`
inserts the token's key under a primary key: the insert that fails is the replay.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction

from ...siws import generate_nonce
from ...stores.base import Clock
from ...stores.nonces import NonceStoreBase
from .models import SiwsNonce, UsedToken

__all__ = ["DatabaseNonceStore", "DatabaseReplayCache"]


class DatabaseNonceStore(NonceStoreBase):
    """A `authtokens.siws.NonceStore` in the ``SiwsNonce`` table."""

    def __init__(self, *, clock: Clock = time.time) -> None:
        self._clock = clock

    def _put(self, binding: str, now: float, ttl: float) -> str:
        while True:
            nonce = generate_nonce()
            try:
                with transaction.atomic():
                    SiwsNonce.objects.create(nonce=nonce, binding=binding, expires_at=now + ttl)
            except IntegrityError:  # 130 random bits: never in practice
                continue
            return nonce

    def _take(self, nonce: str) -> tuple[str, float] | None:
        # See the module doc: the conditional UPDATE is the atomic take.
        if SiwsNonce.objects.filter(nonce=nonce, used=False).update(used=True) != 1:
            return None
        row = SiwsNonce.objects.filter(nonce=nonce).values_list("binding", "expires_at").first()
        SiwsNonce.objects.filter(nonce=nonce).delete()
        return None if row is None else (row[0], row[1])

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
