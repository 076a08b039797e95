"""Readiness: does the store take a write, within a short deadline?

``/healthz`` used to ask the store for ``SELECT 1``, which an SQLite file answers while it cannot
write (disk full, or another process holding the write lock), so a load balancer kept sending
sign-ins to a server that could only fail them. `Readiness.check` instead stores and consumes a
probe record (the same two operations as a sign-in: ``put_new`` then ``take``) and answers False
when either fails or does not finish within ``timeout`` seconds.

A probe that is still running is waited for again rather than duplicated, so a store stuck behind
a lock never piles up probes; a result is reused for ``cache`` seconds, so polling ``/healthz``
costs the store at most one probe per ``cache`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable

from ..stores.base import Store

__all__ = ["Readiness"]

log = logging.getLogger("authtokens.server")


class Readiness:
    """Cached, deadline-bounded write probe of a `Store` (see the module doc)."""

    def __init__(
        self,
        store: Store,
        *,
        timeout: float = 2.0,
        cache: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.cache = cache
        self.clock = clock
        self._task: asyncio.Task[bool] | None = None
        self._result = False
        self._checked_at = -float("inf")
        self._lock = asyncio.Lock()

    async def _probe(self) -> bool:
        # Not a challenge id (those are 22 base64url characters), so no client can take it.
        probe_id = "readyz:" + secrets.token_hex(8)
        if not await self.store.put_new(probe_id, b"probe", max(self.timeout, 1.0) + 5):
            return False
        return await self.store.take(probe_id) == b"probe"

    async def check(self) -> bool:
        """True when the store took and gave back a probe record within the deadline."""
        async with self._lock:
            if self.clock() - self._checked_at < self.cache:
                return self._result
            if self._task is None or self._task.done():
                self._task = asyncio.ensure_future(self._probe())
            done, _ = await asyncio.wait({self._task}, timeout=self.timeout)
            if not done:
                log.warning("store write probe took over %.1f s: not ready", self.timeout)
                ok = False
            elif self._task.exception() is not None:
                log.warning("store write probe failed: %r", self._task.exception())
                ok = False
            else:
                ok = self._task.result()
            self._result, self._checked_at = ok, self.clock()
            return ok
