"""One pipelined Redis connection for `RedisStore`'s scripts: the sign-in hot path.

redis-py spends about 18 µs of CPU per command even in a pipeline (a connection checkout, a
timeout context and a retry wrapper per batch, per-argument encoding, one awaited read per
reply); a sign-in runs three scripts, so that was a tenth of its server time. `Lane` writes the
``EVALSHA`` commands queued during one event-loop turn as one buffer on a connection it keeps,
and its ``data_received`` hands each reply (parsed by hiredis) to the next waiting caller, in
order: about 5 µs per command.

It only speaks what the hot path needs: plain TCP, ``AUTH`` and ``SELECT`` from the store's
URL, RESP2 replies. `RedisStore` uses redis-py for everything else, for TLS or Unix-socket URLs,
while a lane is (re)connecting, and to load a script Redis does not know (``NOSCRIPT``). A
connection that fails fails every call waiting on it with redis-py's ``ConnectionError``; a
Redis that stops answering for ``reply_timeout`` seconds is cut off the same way, so no caller
waits forever.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import Any, cast

__all__ = ["Lane", "pack"]

Waiting = tuple[Any, "asyncio.Future[Any]"]  # (what to hand a NOSCRIPT reply to, the caller)


def _arg(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value).encode("ascii")
    raise TypeError(f"cannot send a {type(value).__name__} to Redis")


def pack(*args: Any) -> bytes:
    """One command in RESP (an array of bulk strings)."""
    parts = [b"*%d\r\n" % len(args)]
    for value in args:
        data = _arg(value)
        parts.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(parts)


class Lane(asyncio.Protocol):
    """A connection with its replies' callers in order (module doc)."""

    def __init__(self, *, reply_timeout: float = 10.0) -> None:
        import hiredis
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import ResponseError

        self._reader = hiredis.Reader()
        self._reply_error: type[Exception] = hiredis.ReplyError
        self._connection_error = RedisConnectionError
        self._response_error = ResponseError
        self._waiting: deque[Waiting] = deque()
        self._sent_at: deque[float] = deque()  # per waiting call, when it was written
        self._transport: asyncio.Transport | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self.reply_timeout = reply_timeout
        # Called with the calls Redis answered NOSCRIPT (it restarted, or SCRIPT FLUSH).
        self.on_no_script: Callable[[list[Waiting]], None] | None = None

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        db: int = 0,
        reply_timeout: float = 10.0,
    ) -> Lane:
        """Open a lane and authenticate and select ``db`` on it (a refusal raises)."""
        loop = asyncio.get_running_loop()
        _, lane = await asyncio.wait_for(
            loop.create_connection(lambda: cls(reply_timeout=reply_timeout), host, port),
            reply_timeout,
        )
        hello: list[tuple[Any, ...]] = []
        if password is not None:
            hello.append(("AUTH", username, password) if username else ("AUTH", password))
        if db:
            hello.append(("SELECT", db))
        try:
            for command in hello:
                await asyncio.wait_for(lane.call(command), reply_timeout)
        except BaseException:
            lane.close()
            raise
        return lane

    @property
    def open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    def call(self, command: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Send one command; its reply (or the error) arrives on the returned future."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.send(pack(*command), [(None, future)])
        return future

    def send(self, data: bytes, callers: list[Waiting]) -> None:
        """Write ``data`` (one packed command per caller, in order)."""
        if not self.open:
            _fail(callers, self._connection_error("Redis connection closed"))
            return
        assert self._transport is not None
        now = time.monotonic()
        self._waiting.extend(callers)
        self._sent_at.extend([now] * len(callers))
        self._transport.write(data)
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().call_later(self.reply_timeout, self._watch)

    def _watch(self) -> None:
        self._watchdog = None
        if not self._sent_at:
            return
        late = time.monotonic() - self._sent_at[0]
        if late >= self.reply_timeout:
            self._cut(self._connection_error(f"Redis sent no reply for {late:.1f} s"))
            return
        self._watchdog = asyncio.get_running_loop().call_later(
            self.reply_timeout - late, self._watch
        )

    async def drain(self) -> None:
        """Wait until every call sent has its reply (or the lane is cut)."""
        while self._waiting:
            pending = [f for _, f in self._waiting if not f.done()]
            if pending:
                await asyncio.wait(pending)
            else:  # callers that went away: their replies are still due
                await asyncio.sleep(0.005)

    def close(self) -> None:
        self._cut(self._connection_error("Redis connection closed"))

    def _cut(self, exc: Exception) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.abort()
        self._fail_all(exc)

    def _fail_all(self, exc: Exception) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        waiting, self._waiting = list(self._waiting), deque()
        self._sent_at.clear()
        _fail(waiting, exc)

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._fail_all(self._connection_error(f"Redis connection lost: {exc or 'closed'}"))

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        retry: list[Waiting] = []
        while True:
            try:
                reply = self._reader.gets()
            except Exception as exc:  # hiredis.ProtocolError: not RESP
                self._cut(self._connection_error(f"Redis sent a malformed reply: {exc}"))
                return
            if reply is False:
                break
            if not self._waiting:  # a reply nobody asked for: the stream is out of step
                self._cut(self._connection_error("Redis sent an unexpected reply"))
                return
            entry = self._waiting.popleft()
            self._sent_at.popleft()
            _, future = entry
            if isinstance(reply, self._reply_error):
                if str(reply).startswith("NOSCRIPT") and entry[0] is not None:
                    retry.append(entry)
                elif not future.done():
                    future.set_exception(self._response_error(str(reply)))
            elif not future.done():
                future.set_result(reply)
        if retry and self.on_no_script is not None:
            self.on_no_script(retry)


def _fail(callers: list[Waiting], exc: Exception) -> None:
    for _, future in callers:
        if not future.done():
            future.set_exception(exc)
