"""Connection limits below the app: per-address caps, read deadlines, throttled logging.

uvicorn times out idle keep-alive connections, but nothing else: a client that sends a request's
headers or body one byte every few seconds holds its connection (and a file descriptor) for as
long as it likes, and one address may open as many connections as the process has descriptors.
The app cannot help, because it only sees a request once its headers are complete.

So the guard sits in uvicorn's protocol objects, the first code that runs for a connection:

- `ConnectionGuard` counts open connections and WebSockets per client address (IPv6 per /64, as
  one host usually owns a whole /64). A connection over ``max_per_ip`` is aborted in
  ``connection_made`` (a reset, no parsing, no task, its descriptor freed at once); a WebSocket
  upgrade over ``max_ws_per_ip`` is answered 429 before the handshake. Peers listed as trusted
  proxies are exempt (their clients are counted by the proxy). ``max_total`` caps all
  connections below the process's open-file limit, so that a flood from many addresses makes
  the server refuse connections cheaply instead of failing ``accept()`` (and store files) with
  EMFILE and logging every failure.
- `guarded_protocols` returns subclasses of uvicorn's httptools and websockets-sansio protocols that
  consult the guard and enforce two read deadlines: a request's headers must be complete within
  ``header_timeout`` of the connection opening (or of the previous response), and its body within
  ``body_timeout`` of the headers. A connection that misses one is answered 408 (headers) or
  closed (body; the app sees a disconnect).
- `LogThrottle` logs a burst of identical events as one line per interval with a count, so a
  flood of refused connections cannot flood the log.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from ..errors import InvalidArgumentError

__all__ = [
    "ConnectionGuard",
    "ConnectionLimits",
    "LogThrottle",
    "guarded_protocols",
    "quiet_handshake_logs",
]

log = logging.getLogger("authtokens.server")
_REFUSED_WS = (
    b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
    b'content-length: 24\r\nconnection: close\r\n\r\n{"error":"rate_limited"}'
)
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """Per-address caps, a cap on all connections (0 disables one), read deadlines in seconds."""

    max_per_ip: int = 64
    max_total: int = 0
    max_ws_per_ip: int = 16
    header_timeout: float = 10.0
    body_timeout: float = 10.0

    def __post_init__(self) -> None:
        if min(self.max_per_ip, self.max_ws_per_ip, self.max_total) < 0:
            raise InvalidArgumentError("connection caps must be 0 (off) or positive")
        for value in (self.header_timeout, self.body_timeout):
            if not (0 < value < 1e6):
                raise InvalidArgumentError("read timeouts must be positive seconds")


class LogThrottle:
    """At most one log line per ``interval`` seconds for one kind of event, with a count."""

    def __init__(
        self,
        logger: logging.Logger,
        level: int,
        what: str,
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger, self.level, self.what = logger, level, what
        self.interval, self.clock = interval, clock
        self.count = 0
        self.total = 0
        self._next = 0.0

    def event(self, detail: str) -> bool:
        """Count one event; log it (with the count since the last line) if the interval has
        passed. True when a line was written."""
        self.count += 1
        self.total += 1
        now = self.clock()
        if now < self._next:
            return False
        self.logger.log(
            self.level,
            "%s: %d since the last report, %d in all (latest: %s; reported at most every %.0f s)",
            self.what,
            self.count,
            self.total,
            detail,
            self.interval,
        )
        self.count = 0
        self._next = now + self.interval
        return True


# What uvicorn and the websockets protocol it drives log at INFO for every WebSocket.
_HANDSHAKE_LINES = frozenset(
    {
        "connection open",
        "connection closed",
        "connection rejected (%d %s)",
        "HTTP response sent (%d %s)",
    }
)


class _NoWebSocketHandshakeLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        msg = str(record.msg)
        return not (msg in _HANDSHAKE_LINES or msg.startswith('%s - "WebSocket %s"'))


def quiet_handshake_logs() -> None:
    """Drop the per-connection lines uvicorn and websockets write at INFO for every WebSocket
    handshake (accepted, 403, "connection open/rejected"): like the HTTP access log, they are
    for ``--log-level debug``, and otherwise let each refused connection write two lines.
    Call after ``uvicorn.Config`` has configured logging."""
    logging.getLogger("uvicorn.error").addFilter(_NoWebSocketHandshakeLines())
    websockets_log = logging.getLogger("websockets")
    websockets_log.setLevel(max(logging.WARNING, websockets_log.getEffectiveLevel()))


def _client_key(peer: Any) -> str:
    """The address a connection is counted under: the IP, or its /64 for IPv6."""
    host = peer[0] if isinstance(peer, tuple) and peer else ""
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return str(host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)


def _trusted(
    entries: Iterable[str],
) -> tuple[bool, list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    networks = []
    for entry in entries:
        entry = entry.strip()
        if entry == "*":
            return True, []
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue  # a host name or unix socket: uvicorn matches those itself
    return False, networks


class ConnectionGuard:
    """Counts open connections and WebSockets per client address (see the module doc)."""

    def __init__(self, limits: ConnectionLimits, *, trusted_proxies: Iterable[str] = ()) -> None:
        self.limits = limits
        self._all_trusted, self._trusted = _trusted(trusted_proxies)
        self.open: dict[str, int] = {}
        self.total = 0
        #: Told +1 / -1 as connections open and close (the open-connections metric).
        self.on_change: Callable[[int], None] | None = None
        self.websockets: dict[str, int] = {}
        self.refused = LogThrottle(
            log, logging.WARNING, "connections refused over the per-address cap"
        )
        self.refused_ws = LogThrottle(
            log, logging.WARNING, "WebSockets refused over the per-address cap"
        )
        self.refused_total = LogThrottle(
            log, logging.WARNING, "connections refused over --max-connections"
        )
        self.timed_out = LogThrottle(log, logging.INFO, "connections closed by a read deadline")

    def _exempt(self, key: str) -> bool:
        if self._all_trusted:
            return True
        if not self._trusted:
            return False
        try:
            ip = ipaddress.ip_network(key, strict=False)
        except ValueError:
            return False
        return any(ip.version == n.version and ip.subnet_of(n) for n in self._trusted)  # type: ignore[arg-type]

    def admit(self, key: str) -> bool:
        """Count a new connection from ``key``; False (not counted) when over the cap."""
        cap, total = self.limits.max_per_ip, self.limits.max_total
        if total and self.total >= total:
            self.refused_total.event(key)
            return False
        if cap and self.open.get(key, 0) >= cap and not self._exempt(key):
            self.refused.event(key)
            return False
        self.open[key] = self.open.get(key, 0) + 1
        self.total += 1
        if self.on_change is not None:
            self.on_change(1)
        return True

    def release(self, key: str) -> None:
        """Forget one connection from ``key``."""
        self.total -= 1
        if self.on_change is not None:
            self.on_change(-1)
        n = self.open.get(key, 0) - 1
        if n > 0:
            self.open[key] = n
        else:
            self.open.pop(key, None)

    def admit_ws(self, key: str) -> bool:
        """Count a new WebSocket from ``key``; False (not counted) when over the cap."""
        cap = self.limits.max_ws_per_ip
        if cap and self.websockets.get(key, 0) >= cap and not self._exempt(key):
            self.refused_ws.event(key)
            return False
        self.websockets[key] = self.websockets.get(key, 0) + 1
        return True

    def release_ws(self, key: str) -> None:
        """Forget one WebSocket from ``key``."""
        n = self.websockets.get(key, 0) - 1
        if n > 0:
            self.websockets[key] = n
        else:
            self.websockets.pop(key, None)


class _HeadWithBody:
    """A response's transport that sends its head together with the first body write.

    uvicorn writes a response's head (status line, headers) and its body separately, two
    ``send`` syscalls; on a small JSON answer the syscall is the dearest part of sending it.
    The head is held until the next write (sent as one) or the end of the event-loop turn
    (a streamed body). Everything else goes to the real transport.
    """

    __slots__ = ("_head", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._head is None:
            self._head = bytes(data)
            self._loop.call_soon(self._flush)
            return
        self._transport.write(self._head + data)
        self._head = b""  # only the first write is held

    def _flush(self) -> None:
        if self._head:
            head, self._head = self._head, b""
            if not self._transport.is_closing():
                self._transport.write(head)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def guarded_protocols(
    guard: ConnectionGuard,
) -> tuple[type[asyncio.Protocol], type[asyncio.Protocol]]:
    """uvicorn ``http`` and ``ws`` protocol classes that enforce ``guard`` (module doc)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    limits = guard.limits

    class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
        # Created only by GuardedH11Protocol on an upgrade, which hands over its counted slot.
        _key = ""
        _counted_ws = False
        _refused = False

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self._key = _client_key(transport.get_extra_info("peername"))
            super().connection_made(transport)
            if guard.admit_ws(self._key):
                self._counted_ws = True
                return
            self._refused = True
            stream = cast(asyncio.Transport, transport)  # uvloop's is not a registered subclass
            stream.write(_REFUSED_WS)
            stream.close()

        def data_received(self, data: bytes) -> None:
            if not self._refused:
                super().data_received(data)

        async def send(self, message: Any) -> None:
            await super().send(message)
            if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
                # uvicorn 0.54 leaves this False after a denial response (our 403 for an Origin)
                # and then logs an ERROR for every refused WebSocket.
                self.handshake_complete = True

        def connection_lost(self, exc: Exception | None) -> None:
            guard.release(self._key)
            if self._counted_ws:
                guard.release_ws(self._key)
            super().connection_lost(exc)

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        _key = ""
        _refused = False
        _handed_over = False
        _deadline: asyncio.TimerHandle | None = None
        _phase = ""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self._key = _client_key(transport.get_extra_info("peername"))
            if not guard.admit(self._key):
                self._refused = True
                transport.abort()  # a reset; nothing parsed, the descriptor freed now
                return
            super().connection_made(transport)
            self._arm("headers")

        def connection_lost(self, exc: Exception | None) -> None:
            if self._refused:
                return
            self._disarm()
            if not self._handed_over:
                guard.release(self._key)
            super().connection_lost(exc)

        def _arm(self, phase: str) -> None:
            self._disarm()
            delay = limits.header_timeout if phase == "headers" else limits.body_timeout
            self._phase = phase
            self._deadline = self.loop.call_later(delay, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            self._phase = ""

        def _expired(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            guard.timed_out.event(f"{self._key} ({self._phase})")
            if self._phase == "headers" and (self.cycle is None or self.cycle.response_complete):
                self.transport.write(_TIMED_OUT)
            self.transport.close()

        def on_headers_complete(self) -> None:
            cycle = self.cycle
            super().on_headers_complete()
            if self.cycle is not cycle:
                # A new request: its app task has not run yet.
                self.cycle.transport = _HeadWithBody(self.transport, self.loop)  # type: ignore[assignment]
                self._arm("body")

        def on_message_complete(self) -> None:
            super().on_message_complete()
            if not self._handed_over:
                self._disarm()  # the request is read

        def handle_websocket_upgrade(self) -> None:
            self._disarm()
            self._handed_over = True
            super().handle_websocket_upgrade()

        def on_response_complete(self) -> None:
            if not (self._handed_over or self.pipeline or self.transport.is_closing()):
                self._arm("headers")  # for the next request on this connection
            super().on_response_complete()

    return GuardedHttpToolsProtocol, GuardedWebSocketProtocol
