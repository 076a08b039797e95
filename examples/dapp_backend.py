"""A dapp backend's Stacks sign-in routes, with FastAPI.

``GET /login`` makes a fresh transit key and authRequest, remembers the key server-side under a
random state kept in an HttpOnly cookie, and redirects the browser to the wallet.
``GET /callback?authResponse=…`` (the request's ``redirect_uri``) looks the sign-in up by that
cookie (once: a state is consumed on first use), decodes the response bound to its request and
with a replay cache, and answers with the user's identity address. The app private key stays on
the server; a real app would start its own session here.

Run it (``pip install fastapi uvicorn``)::

    DAPP_ORIGIN=http://localhost:5000 DAPP_AUTHENTICATOR=http://localhost:8888/auth \\
        uvicorn --app-dir examples dapp_backend:app --port 5000

Errors answer 400 (no sign-in pending, malformed callback) or 401 with ``{"error": <code>}``.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from authtokens import (
    AuthRequest,
    InvalidTokenError,
    MemoryReplayCache,
    decode_auth_response,
    generate_transit_key,
    make_auth_request,
    verify_auth_request,
)
from authtokens.errors import ReplayCacheFullError
from authtokens.urls import auth_request_url, auth_response_from_url

STATE_COOKIE = "stacks_sign_in"
SIGN_IN_LIFETIME = 600.0  # seconds a user has to come back from the wallet
MAX_PENDING = 10_000


@dataclass(frozen=True)
class PendingSignIn:
    """What the backend keeps between ``/login`` and ``/callback`` (never sent anywhere)."""

    transit_key: str
    request: AuthRequest
    created: float


class PendingSignIns:
    """In-memory, bounded, expiring store of sign-ins in progress (use Redis/SQL with workers)."""

    def __init__(self, lifetime: float = SIGN_IN_LIFETIME, limit: int = MAX_PENDING) -> None:
        self._items: dict[str, PendingSignIn] = {}
        self._lock = threading.Lock()
        self._lifetime = lifetime
        self._limit = limit

    def add(self, transit_key: str, request: AuthRequest) -> str:
        """Store a sign-in; returns its new random state."""
        state = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            self._purge(now)
            if len(self._items) >= self._limit:  # drop the oldest rather than grow unbounded
                self._items.pop(next(iter(self._items)))
            self._items[state] = PendingSignIn(transit_key, request, now)
        return state

    def pop(self, state: str) -> PendingSignIn | None:
        """The sign-in stored under ``state``, removed (a state works once), or None."""
        with self._lock:
            self._purge(time.time())
            return self._items.pop(state, None)

    def _purge(self, now: float) -> None:
        expired = [s for s, p in self._items.items() if now - p.created > self._lifetime]
        for state in expired:
            del self._items[state]


def _error(status: int, code: str) -> JSONResponse:
    response = JSONResponse({"error": code}, status_code=status)
    response.delete_cookie(STATE_COOKIE, path="/")
    return response


def create_app(app_origin: str, authenticator_url: str) -> FastAPI:
    """The FastAPI app for a dapp served at ``app_origin`` that signs in with the wallet at
    ``authenticator_url`` (a web authenticator taking ``?authRequest=``)."""
    app = FastAPI(title="dapp sign-in example")
    pending = PendingSignIns()
    replay_cache = MemoryReplayCache()
    secure_cookie = app_origin.startswith("https://")

    @app.get("/login")
    def login() -> Response:
        transit_key = generate_transit_key()
        token = make_auth_request(
            transit_key,
            app_domain=app_origin,
            redirect_uri=f"{app_origin}/callback",
            scopes=["store_write"],
            app_details={"name": "Example dapp", "icon": f"{app_origin}/icon.png"},
        )
        state = pending.add(transit_key, verify_auth_request(token))
        response = RedirectResponse(auth_request_url(authenticator_url, token), status_code=303)
        # Lax: the cookie comes back on the wallet's top-level redirect to /callback.
        response.set_cookie(
            STATE_COOKIE,
            state,
            max_age=int(SIGN_IN_LIFETIME),
            httponly=True,
            secure=secure_cookie,
            samesite="lax",
            path="/",
        )
        return response

    @app.get("/callback")
    def callback(request: Request) -> Response:
        state = request.cookies.get(STATE_COOKIE)
        sign_in = pending.pop(state) if state else None
        if sign_in is None:
            return _error(400, "no_sign_in_pending")
        try:
            token = auth_response_from_url(request.url.query)
            user = decode_auth_response(
                token,
                sign_in.transit_key,
                request=sign_in.request,
                replay_cache=replay_cache,
            )
        except InvalidTokenError as exc:
            return _error(400 if exc.code == "malformed" else 401, exc.code)
        except ReplayCacheFullError as exc:  # our condition, not the user's: try again later
            return _error(503, exc.code)
        # user.app_private_key is the user's key for this app: keep it server-side (or hand
        # it to your own front end over your session); never log it.
        response = JSONResponse(
            {
                "identity_address": user.identity_address,
                "decentralized_id": user.decentralized_id,
                "hub_url": user.hub_url,
            }
        )
        response.delete_cookie(STATE_COOKIE, path="/")
        return response

    return app


app = create_app(
    os.environ.get("DAPP_ORIGIN", "http://localhost:5000"),
    os.environ.get("DAPP_AUTHENTICATOR", "http://localhost:8888/auth"),
)
