"""Sign-in routes for FastAPI and plain Starlette apps (extra ``authtokens[fastapi]``).

::

    signin = StacksSignIn(AuthConfig(domain="example.com", uri="https://example.com",
                                     store_url="sqlite:///auth.db"))
    signin.install(app)          # routes under /auth, error handler, app.state.authtokens

    @app.get("/me")
    async def me(session: Session = Depends(current_user)): ...

Routes (under ``config.prefix``): ``POST /siws/nonce``, ``POST /siws/verify``,
``GET /stacks/login``, ``GET /stacks/callback``, ``GET /session``, ``POST /logout``,
``GET /accounts``, ``POST /accounts/link``, ``POST /accounts/unlink``. Every POST needs an
allowed ``Origin`` (`authtokens.integrations.http.check_origin`); every refusal is
``{"error": code}`` with the status of `error_body`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from ..errors import (
    AuthTokenError,
    InvalidArgumentError,
    InvalidRequestError,
    NotSignedInError,
    RequestTooLargeError,
)
from .config import AuthConfig
from .core import Session, SignIn, StacksAuth
from .http import (
    bearer_token,
    check_origin,
    cookie_attributes,
    error_body,
    session_json,
    sign_in_json,
    user_json,
)

if TYPE_CHECKING:
    from fastapi import APIRouter
    from starlette.applications import Starlette

__all__ = ["StacksSignIn", "current_user", "optional_user"]

_MAX_BODY = 64 * 1024
Handler = Callable[[Request], Awaitable[Response]]


def _error(exc: AuthTokenError) -> JSONResponse:
    status, body = error_body(exc)
    return JSONResponse(body, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > _MAX_BODY:
        raise RequestTooLargeError("request body is too large")
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidRequestError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InvalidRequestError("the body must be a JSON object")
    return data


class StacksSignIn:
    """The HTTP face of a `StacksAuth` for Starlette and FastAPI (see the module doc)."""

    def __init__(self, config: AuthConfig | StacksAuth) -> None:
        self.core = config if isinstance(config, StacksAuth) else StacksAuth(config)
        self.config = self.core.config

    # --- reading the request -------------------------------------------------------------------

    def _credentials(self, conn: HTTPConnection) -> tuple[str | None, str | None]:
        return conn.cookies.get(self.config.cookie.name), bearer_token(
            conn.headers.get("authorization")
        )

    async def session_of(self, conn: HTTPConnection) -> Session | None:
        """The request's session (bearer token first, else cookie); an invalid bearer token
        raises, a missing or ended session is None."""
        cookie, bearer = self._credentials(conn)
        return await self.core.authenticate(cookie=cookie, bearer=bearer)

    async def current_user(self, request: Request) -> Session:
        """Dependency: the signed-in session, or a 401 ``not_signed_in``."""
        session = await self.session_of(request)
        if session is None:
            raise NotSignedInError("sign in first")
        return session

    async def optional_user(self, request: Request) -> Session | None:
        """Dependency: the signed-in session or None (an invalid bearer token is None too)."""
        try:
            return await self.session_of(request)
        except AuthTokenError:
            return None

    def _check_origin(self, request: Request) -> None:
        cookie, bearer = self._credentials(request)
        check_origin(
            self.config,
            request.headers.get("origin"),
            has_cookie=cookie is not None,
            has_bearer=bearer is not None,
        )

    # --- writing the response ------------------------------------------------------------------

    def _set_session(self, response: Response, result: SignIn) -> None:
        response.set_cookie(
            self.config.cookie.name,
            result.session.id,
            max_age=self.config.session_lifetime,
            **cookie_attributes(self.config),
        )

    def _clear_session(self, response: Response) -> None:
        response.delete_cookie(self.config.cookie.name, **cookie_attributes(self.config))

    @property
    def _login_path(self) -> str:
        return self.config.prefix + "/stacks"

    def _clear_login(self, response: Response) -> None:
        attrs = {**cookie_attributes(self.config), "path": self._login_path}
        response.delete_cookie(self.config.cookie.login_name, **attrs)

    # --- endpoints -----------------------------------------------------------------------------

    async def nonce(self, request: Request) -> Response:
        """``POST /siws/nonce``: ``{"walletAddress", "chainId"?}`` → ``{"nonce"}``."""
        try:
            self._check_origin(request)
            nonce = await self.core.issue_nonce(await _json_body(request))
        except AuthTokenError as exc:
            return _error(exc)
        return JSONResponse({"nonce": nonce}, headers={"cache-control": "no-store"})

    async def _verify(self, request: Request, *, must_be_signed_in: bool) -> Response:
        try:
            self._check_origin(request)
            data = await _json_body(request)
            current = await self.optional_user(request)
            if must_be_signed_in and current is None:
                raise NotSignedInError("sign in first to link another address")
            result = await self.core.verify(data, current)
        except AuthTokenError as exc:
            return _error(exc)
        response = JSONResponse(sign_in_json(result), headers={"cache-control": "no-store"})
        self._set_session(response, result)
        return response

    async def verify(self, request: Request) -> Response:
        """``POST /siws/verify``: the better-auth verify shape → token, user, session cookie.
        Signed in already, the address is linked to the same user."""
        return await self._verify(request, must_be_signed_in=False)

    async def link(self, request: Request) -> Response:
        """``POST /accounts/link``: as verify, but only for a signed-in user."""
        return await self._verify(request, must_be_signed_in=True)

    async def login(self, request: Request) -> Response:
        """``GET /stacks/login?next=/path``: to the authenticator, transit key kept here."""
        try:
            started = await self.core.begin_legacy_login(request.query_params.get("next"))
        except AuthTokenError as exc:
            return _error(exc)
        response = RedirectResponse(started.redirect_url, status_code=303)
        attrs = {**cookie_attributes(self.config), "path": self._login_path}
        response.set_cookie(
            self.config.cookie.login_name, started.login_id, max_age=started.max_age, **attrs
        )
        response.headers["cache-control"] = "no-store"
        return response

    async def callback(self, request: Request) -> Response:
        """``GET /stacks/callback?authResponse=…``: sign in, then on to the kept ``next``."""
        try:
            result = await self.core.complete_legacy_login(
                request.cookies.get(self.config.cookie.login_name),
                request.query_params.get("authResponse"),
                await self.optional_user(request),
            )
        except AuthTokenError as exc:
            response: Response = _error(exc)
        else:
            response = RedirectResponse(result.next_url, status_code=303)
            self._set_session(response, result)
        self._clear_login(response)
        response.headers["cache-control"] = "no-store"
        return response

    async def session(self, request: Request) -> Response:
        """``GET /session``: the signed-in user, or 401."""
        try:
            session = await self.current_user(request)
            accounts = await self.core.accounts(session)
        except AuthTokenError as exc:
            return _error(exc)
        return JSONResponse(session_json(session, accounts), headers={"cache-control": "no-store"})

    async def logout(self, request: Request) -> Response:
        """``POST /logout``: end the session server-side (cookie and bearer tokens)."""
        try:
            self._check_origin(request)
            ended = await self.core.logout(await self.optional_user(request))
        except AuthTokenError as exc:
            return _error(exc)
        response = JSONResponse({"success": True, "ended": ended})
        self._clear_session(response)
        return response

    async def accounts(self, request: Request) -> Response:
        """``GET /accounts``: the signed-in user with every linked account."""
        return await self.session(request)

    async def unlink(self, request: Request) -> Response:
        """``POST /accounts/unlink`` ``{"accountId"}``: the user without that account."""
        try:
            self._check_origin(request)
            session = await self.current_user(request)
            data = await _json_body(request)
            accounts = await self.core.unlink(session, data.get("accountId"))
        except AuthTokenError as exc:
            return _error(exc)
        return JSONResponse({"user": user_json(session, accounts)})

    # --- mounting ------------------------------------------------------------------------------

    def _endpoints(self) -> list[tuple[str, Handler, str]]:
        return [
            ("/siws/nonce", self.nonce, "POST"),
            ("/siws/verify", self.verify, "POST"),
            ("/stacks/login", self.login, "GET"),
            ("/stacks/callback", self.callback, "GET"),
            ("/session", self.session, "GET"),
            ("/logout", self.logout, "POST"),
            ("/accounts", self.accounts, "GET"),
            ("/accounts/link", self.link, "POST"),
            ("/accounts/unlink", self.unlink, "POST"),
        ]

    @property
    def routes(self) -> Mount:
        """The routes as one Starlette ``Mount`` at the prefix (plain Starlette apps)."""
        return Mount(
            self.config.prefix,
            routes=[Route(path, fn, methods=[method]) for path, fn, method in self._endpoints()],
        )

    @property
    def router(self) -> APIRouter:
        """The routes as a FastAPI ``APIRouter`` at the prefix."""
        from fastapi import APIRouter

        router = APIRouter(prefix=self.config.prefix, tags=["auth"])
        for path, fn, method in self._endpoints():
            router.add_api_route(path, fn, methods=[method], include_in_schema=True)
        return router

    def install(self, app: Starlette) -> None:
        """Mount the routes, answer `AuthTokenError` (e.g. from `current_user`) as
        ``{"error": code}``, and make `current_user`/`optional_user` find this instance."""
        app.state.authtokens = self
        app.add_exception_handler(AuthTokenError, _handle_error)
        include = getattr(app, "include_router", None)
        if include is not None:
            include(self.router)
        else:
            app.router.routes.append(self.routes)


async def _handle_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthTokenError)
    return _error(exc)


def _installed(conn: HTTPConnection) -> StacksSignIn:
    signin = getattr(conn.app.state, "authtokens", None)
    if not isinstance(signin, StacksSignIn):
        raise InvalidArgumentError("call StacksSignIn(...).install(app) first")
    return signin


async def current_user(request: Request) -> Session:
    """FastAPI dependency: the signed-in session of the installed `StacksSignIn`, or 401."""
    return await _installed(request).current_user(request)


async def optional_user(request: Request) -> Session | None:
    """FastAPI dependency: the signed-in session, or None."""
    return await _installed(request).optional_user(request)
