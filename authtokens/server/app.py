"""The ASGI app (Starlette): HTTP endpoints, the demo-compatible WebSocket, JWKS, health.

=========================  =====================================================================
``POST /auth/challenge``   ``{"pubkey", "scheme"?}`` / ``{"address", "publicKey"?}`` → challenge
``POST /auth/verify``      ``{"id", "signature", "sigEncoding"?}`` → 200 token and Textile fields
``WS /ws/userauth``        the Textile demo's frames (challenge-login.md §1.2, §4.5)
``GET /.well-known/jwks.json``  the session-token public key
``GET /healthz``           readiness: 200 ``{"status": "ok"}`` when the store takes a write
                           within ``ready_timeout``, else 503 (also ``GET /readyz``)
``GET /livez``             liveness: 200 while the process answers at all
``POST /siws/nonce``       Sign-In with Stacks, better-auth shapes (`siws_routes`)
``POST /siws/verify``
``GET /metrics``           Prometheus text format (`authtokens.server.metrics`; unless
                           ``config.metrics`` is off)
=========================  =====================================================================

Refusals answer ``{"error": code}`` with the status of the `SignInError` (other rejected
input, e.g. a refused SIWS message, is a 401). A present ``Origin``
must be on the allowlist (HTTP 403 ``origin_not_allowed``; on the WebSocket, 403 before the
upgrade); a missing one is accepted (challenge-login.md §5).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.datastructures import Address
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import (
    ChallengePendingError,
    InvalidArgumentError,
    InvalidEncodingError,
    InvalidRequestError,
    InvalidTokenError,
    NoChallengeError,
    OriginNotAllowedError,
    RequestTooLargeError,
    SignInError,
    StoreUnavailableError,
    UnsupportedMediaError,
)
from ..jsjson import loads as strict_json
from ..stores.base import Store
from .config import ServerConfig, parse_origin
from .health import Readiness
from .limits import LogThrottle
from .metrics import CONTENT_TYPE, Metrics
from .service import IssuedChallenge, SignInService
from .session import TokenSigner
from .siws_routes import SiwsEndpoints

__all__ = ["create_app"]

log = logging.getLogger("authtokens.server")
_JSON_HEADERS = {"cache-control": "no-store"}


class _Json(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def origin_allowed(origin: str | None, allowed: frozenset[str]) -> bool:
    """True for a missing Origin or one on the allowlist (compared after normalisation)."""
    if origin is None:
        return True
    if origin in allowed:
        return True
    try:
        return parse_origin(origin) in allowed
    except InvalidArgumentError:
        return False


def _client_ip(scope_client: Any) -> str:
    return str(scope_client.host) if scope_client else "unknown"


def _error(exc: InvalidTokenError, headers: dict[str, str]) -> Response:
    return _Json({"error": exc.code}, getattr(exc, "status", 401), headers=headers)


class _RequestLike(Protocol):
    """What the JSON endpoints read of a request: a Starlette `Request` or a `_RawRequest`."""

    @property
    def headers(self) -> Any: ...

    @property
    def client(self) -> Any: ...

    def stream(self) -> AsyncIterator[bytes]: ...


class _RawRequest:
    """A request read straight off the ASGI scope, for the hot endpoints (see `_App`): the
    first value of each header, the client address, and the body as Starlette streams it."""

    __slots__ = ("_receive", "client", "headers")

    def __init__(self, scope: Scope, receive: Receive) -> None:
        # Reversed, so that the first of repeated headers wins, as Starlette's `get` does.
        self.headers = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in reversed(scope["headers"])
        }
        client = scope.get("client")
        self.client = Address(*client) if client else None
        self._receive = receive

    async def stream(self) -> AsyncIterator[bytes]:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            chunk: bytes = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


def _hot(endpoint: Callable[[Any], Awaitable[Response]]) -> ASGIApp:
    """``endpoint`` as a bare ASGI app over `_RawRequest`."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        response = await endpoint(_RawRequest(scope, receive))
        await response(scope, receive, send)

    return asgi


class _App(Starlette):
    """Starlette, with ``POST`` to the sign-in endpoints (``/auth/…``, ``/siws/…``) dispatched
    before its middleware stack and router: those requests go through the same `_ContainErrors`
    (error containment and timing) and the same `_Http` code, but skip the per-request wrapping
    and route matching that cost a sign-in about a fifth of its server time. Everything else is
    plain Starlette."""

    hot: dict[str, ASGIApp]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            hot = self.hot.get(scope["path"])
            if hot is not None:
                scope["app"] = self
                await hot(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class _Http:
    """The two JSON endpoints and their shared checks."""

    def __init__(self, service: SignInService, metrics: Metrics | None) -> None:
        self.service = service
        self.config = service.config
        self.metrics = metrics

    def _error(self, exc: InvalidTokenError, headers: dict[str, str]) -> Response:
        if self.metrics is not None:
            self.metrics.refused(exc.code)
        return _error(exc, headers)

    def _cors(self, origin: str | None) -> dict[str, str]:
        if origin is None:
            return dict(_JSON_HEADERS)
        return {**_JSON_HEADERS, "access-control-allow-origin": origin, "vary": "Origin"}

    async def _body(self, request: _RequestLike) -> dict[str, Any]:
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            raise UnsupportedMediaError("Content-Type must be application/json")
        limit = self.config.max_body
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise RequestTooLargeError("request body is too large")
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise RequestTooLargeError("request body is too large")
                chunks.append(chunk)
        except ClientDisconnect:
            # Gone mid-body (or cut off by the body deadline): nobody to answer, nothing to log.
            raise InvalidRequestError("client disconnected before the body was complete") from None
        try:
            body = strict_json(b"".join(chunks), max_depth=8)
        except InvalidEncodingError:
            raise InvalidRequestError("body is not valid JSON") from None
        if not isinstance(body, dict):
            raise InvalidRequestError("body must be a JSON object")
        return body

    async def _handle(
        self,
        request: _RequestLike,
        action: Callable[[dict[str, Any], str, str], Awaitable[dict[str, Any]]],
    ) -> Response:
        origin = request.headers.get("origin")
        if not origin_allowed(origin, self.config.allowed_origins):
            return self._error(OriginNotAllowedError("origin not allowed"), dict(_JSON_HEADERS))
        headers = self._cors(origin)
        try:
            body = await self._body(request)
            result = await action(body, _client_ip(request.client), origin or "")
        except InvalidTokenError as exc:  # SignInError, and the SIWS refusals (401)
            return self._error(exc, headers)
        except StoreUnavailableError as exc:  # logged (throttled) where it was raised
            return _Json({"error": exc.code}, exc.status, headers={**headers, "retry-after": "1"})
        return _Json(result, 200, headers=headers)

    async def challenge(self, request: _RequestLike) -> Response:
        async def action(body: dict[str, Any], ip: str, origin: str) -> dict[str, Any]:
            issued = await self.service.issue(body, ip=ip, origin=origin, channel="http")
            return issued.body()

        return await self._handle(request, action)

    async def verify(self, request: _RequestLike) -> Response:
        async def action(body: dict[str, Any], ip: str, origin: str) -> dict[str, Any]:
            result = await self.service.complete(
                body.get("id"),
                body.get("signature"),
                ip=ip,
                origin=origin,
                channel="http",
                sig_encoding=body.get("sigEncoding"),
            )
            if self.metrics is not None:
                self.metrics.signed_in("http")
            return {
                "token": result.token.token,
                "tokenType": "Bearer",
                "expiresIn": result.token.expires_at - result.token.issued_at,
                "sub": result.key.key_id,
                **result.value,
            }

        return await self._handle(request, action)

    async def preflight(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin is None or not origin_allowed(origin, self.config.allowed_origins):
            return self._error(OriginNotAllowedError("origin not allowed"), dict(_JSON_HEADERS))
        return Response(
            status_code=204,
            headers={
                "access-control-allow-origin": origin,
                "access-control-allow-methods": "POST",
                "access-control-allow-headers": "content-type",
                "access-control-max-age": "600",
                "vary": "Origin",
            },
        )


class _ContainErrors:
    """Answer an unexpected exception with a JSON 500 and keep the connection; time requests.

    Starlette's outermost middleware re-raises after sending its 500, and uvicorn then closes
    the keep-alive connection, cutting off pipelined requests behind it. Here the exception stops:
    logged once with its traceback, answered 500 if no response had started (a response cut off
    halfway still has to close the connection, so that case is re-raised).

    With ``metrics``, every HTTP request's duration is recorded under its path (the outermost
    layer, so the figure includes the framework's routing and error handling).
    """

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.metrics is None:
            await self._contain(scope, receive, send)
            return
        start = time.perf_counter()
        try:
            await self._contain(scope, receive, send)
        finally:
            self.metrics.observe(scope["path"], time.perf_counter() - start)

    async def _contain(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:
                raise
            log.exception("request %s %s failed", scope.get("method"), scope.get("path"))
            await _Json({"error": "internal_error"}, 500)(scope, receive, send)


def _buffer_json(data: bytes) -> dict[str, Any]:
    return {"type": "Buffer", "data": list(data)}


class _WsSession:
    """One WebSocket connection's state machine (challenge-login.md §4.5)."""

    def __init__(
        self, websocket: WebSocket, service: SignInService, metrics: Metrics | None
    ) -> None:
        self.ws = websocket
        self.service = service
        self.metrics = metrics
        self.config = service.config
        self.ip = _client_ip(websocket.client)
        self.origin = websocket.headers.get("origin") or ""
        self.pending: IssuedChallenge | None = None
        self.deadline = 0.0
        self.strikes = 0

    async def send(self, frame: dict[str, Any]) -> bool:
        """Send a JSON text frame; False when the peer is gone."""
        try:
            await self.ws.send_text(json.dumps(frame, separators=(",", ":")))
        except (WebSocketDisconnect, RuntimeError, OSError):
            return False
        return True

    async def close(self, code: int) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.ws.close(code)

    async def refuse(self, code: str, *, strike: bool = True) -> bool:
        """Send an error frame; at the strike limit close with 1008. True if still open."""
        if self.metrics is not None:
            self.metrics.refused(code)
        if not await self.send({"type": "error", "value": code, "code": code}):
            return False
        if strike:
            self.strikes += 1
            if self.strikes >= self.config.ws_max_strikes:
                await self.close(1008)
                return False
        return True

    async def run(self) -> None:
        try:
            await self._loop()
        except StoreUnavailableError as exc:  # logged (throttled) where it was raised
            await self.send({"type": "error", "value": exc.code, "code": exc.code})
            await self.close(1013)  # "try again later"
        except Exception:  # the last line of defence: log, tell the client, close
            log.exception("WebSocket handler failed")
            await self.send({"type": "error", "value": "internal_error", "code": "internal_error"})
            await self.close(1011)
        finally:
            if self.pending is not None:
                with contextlib.suppress(Exception):
                    await self.service.discard(self.pending.record.id)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self.pending is not None:
                timeout = self.deadline - loop.time()
            else:
                timeout = self.config.ws_idle_timeout
            try:
                message = await asyncio.wait_for(self.ws.receive(), max(timeout, 0.0))
            except TimeoutError:
                if self.pending is None:
                    await self.send(
                        {"type": "error", "value": "idle_timeout", "code": "idle_timeout"}
                    )
                    await self.close(1000)
                    return
                pending, self.pending = self.pending, None
                await self.service.discard(pending.record.id)
                if not await self.refuse("challenge_expired", strike=False):
                    return
                continue
            if message["type"] == "websocket.disconnect":
                return
            if not await self._frame(dict(message), loop.time()):
                return

    async def _frame(self, message: dict[str, Any], now: float) -> bool:
        """Handle one frame; False once the connection is finished."""
        text = message.get("text")
        if text is None:
            return await self.refuse("invalid_request")
        if (
            len(text) > self.config.ws_max_size
            or len(text.encode("utf-8")) > self.config.ws_max_size
        ):
            await self.send({"type": "error", "value": "too_large", "code": "too_large"})
            await self.close(1009)
            return False
        try:
            data = strict_json(text, max_depth=8)
        except InvalidEncodingError:
            return await self.refuse("invalid_request")
        if not isinstance(data, dict):
            return await self.refuse("invalid_request")
        kind = data.get("type")
        try:
            if kind == "token":
                return await self._on_token(data, now)
            if kind == "challenge":
                return await self._on_signature(data)
        except SignInError as exc:
            return await self.refuse(exc.code)
        return await self.refuse("invalid_request")

    async def _on_token(self, data: dict[str, Any], now: float) -> bool:
        if self.pending is not None:
            raise ChallengePendingError("a challenge is already pending")
        timeout = self.config.ws_sig_timeout
        issued = await self.service.issue(
            data, ip=self.ip, origin=self.origin, channel="ws", ttl=timeout
        )
        self.pending, self.deadline = issued, now + timeout
        body = issued.body()
        frame = {
            "type": "challenge",
            "value": _buffer_json(issued.message.text.encode("utf-8")),
            "text": body.pop("message"),
            **{k: v for k, v in body.items() if k != "messageB64"},
        }
        return await self.send(frame)

    async def _on_signature(self, data: dict[str, Any]) -> bool:
        if self.pending is None:
            raise NoChallengeError("no challenge is pending")
        pending, self.pending = self.pending, None
        result = await self.service.complete(
            pending.record.id,
            data.get("sig"),
            ip=self.ip,
            origin=self.origin,
            channel="ws",
            sig_encoding=data.get("sigEncoding"),
        )
        if self.metrics is not None:
            self.metrics.signed_in("ws")
        await self.send({"type": "token", "value": result.value})
        await self.close(1000)
        return False


async def _check_store_binding(store: Store, config: ServerConfig) -> None:
    """Refuse to start on a store that another configuration (domain, URI) is using.

    Challenges are rebuilt from the configuration at verification, so two processes sharing a
    store with different domains would silently burn each other's challenges.
    """
    mine = json.dumps({"domain": config.domain, "uri": config.uri}, sort_keys=True).encode()
    stored = await store.claim_meta("binding", mine, replace=config.rebind_store_domain)
    if stored == mine:
        return
    try:
        theirs = json.loads(stored)
        theirs_text = f"domain {theirs['domain']!r} and URI {theirs['uri']!r}"
    except (ValueError, KeyError, TypeError):
        theirs_text = "another domain and URI"
    message = (
        f"the store is bound to {theirs_text}, but this server is configured for domain "
        f"{config.domain!r} and URI {config.uri!r}: servers sharing a store with different "
        "domains burn each other's challenges. Use the same --domain/--uri, another store, "
        "or --rebind-store-domain on to move the store to this configuration."
    )
    log.error("%s", message)
    raise InvalidArgumentError(message)


def create_app(
    config: ServerConfig,
    store: Store,
    signer: TokenSigner,
    api_secret: bytes,
    *,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The Starlette app over ``store``; the store is opened and closed by the app's lifespan."""
    paths = (
        "/auth/challenge",
        "/auth/verify",
        "/siws/nonce",
        "/siws/verify",
        "/healthz",
        "/readyz",
        "/livez",
        "/metrics",
        "/.well-known/jwks.json",
    )
    metrics = Metrics(frozenset(paths)) if config.metrics else None
    service = SignInService(
        config,
        store,
        signer,
        api_secret,
        clock=clock,
        on_store_error=metrics.store_error if metrics is not None else None,
    )
    http = _Http(service, metrics)
    siws = SiwsEndpoints(service)

    async def siws_verify_action(body: dict[str, Any], ip: str, origin: str) -> dict[str, Any]:
        result = await siws.verify(body, ip, origin)
        if metrics is not None:
            metrics.signed_in("siws")
        return result

    async def siws_nonce(request: _RequestLike) -> Response:
        return await http._handle(request, siws.nonce)

    async def siws_verify(request: _RequestLike) -> Response:
        return await http._handle(request, siws_verify_action)

    readiness = Readiness(store, timeout=config.ready_timeout)

    async def healthz(request: Request) -> Response:
        ok = await readiness.check()  # the store takes a write (health.py)
        return _Json({"status": "ok" if ok else "unavailable"}, 200 if ok else 503)

    async def livez(request: Request) -> Response:
        return _Json({"status": "alive"}, 200)

    origin_refusals = LogThrottle(log, logging.INFO, "WebSockets refused for their Origin")

    async def jwks(request: Request) -> Response:
        return _Json(signer.jwks(), 200, headers={"cache-control": "public, max-age=300"})

    async def userauth(websocket: WebSocket) -> None:
        if not origin_allowed(websocket.headers.get("origin"), config.allowed_origins):
            origin_refusals.event(repr(websocket.headers.get("origin"))[:100])
            if metrics is not None:
                metrics.refused("origin_not_allowed")
            if "websocket.http.response" in websocket.scope.get("extensions", {}):
                await websocket.send_denial_response(_Json({"error": "origin_not_allowed"}, 403))
            else:
                await websocket.close(1008)
            return
        await websocket.accept()
        await _WsSession(websocket, service, metrics).run()

    async def metrics_text(request: Request) -> Response:
        assert metrics is not None
        return Response(metrics.render(), 200, headers={"content-type": CONTENT_TYPE})

    async def internal_error(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback; the client gets JSON with no detail.
        return _Json({"error": "internal_error"}, 500)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            await _check_store_binding(store, config)
            yield
        finally:
            await store.close()

    app = _App(
        routes=[
            Route("/auth/challenge", http.challenge, methods=["POST"]),
            Route("/auth/verify", http.verify, methods=["POST"]),
            Route("/auth/challenge", http.preflight, methods=["OPTIONS"]),
            Route("/auth/verify", http.preflight, methods=["OPTIONS"]),
            Route("/siws/nonce", siws_nonce, methods=["POST"]),
            Route("/siws/verify", siws_verify, methods=["POST"]),
            Route("/siws/nonce", http.preflight, methods=["OPTIONS"]),
            Route("/siws/verify", http.preflight, methods=["OPTIONS"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", healthz, methods=["GET"]),
            Route("/livez", livez, methods=["GET"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
            WebSocketRoute("/ws/userauth", userauth),
            *([Route("/metrics", metrics_text, methods=["GET"])] if metrics is not None else []),
        ],
        lifespan=lifespan,
        middleware=[Middleware(_ContainErrors, metrics=metrics)],
        exception_handlers={Exception: internal_error},
    )
    app.hot = {
        "/auth/challenge": _ContainErrors(_hot(http.challenge), metrics=metrics),
        "/auth/verify": _ContainErrors(_hot(http.verify), metrics=metrics),
        "/siws/nonce": _ContainErrors(_hot(siws_nonce), metrics=metrics),
        "/siws/verify": _ContainErrors(_hot(siws_verify), metrics=metrics),
    }
    app.state.service = service
    app.state.metrics = metrics
    return app
