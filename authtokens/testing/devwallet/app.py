"""The dev authenticator's ASGI app (Starlette): pages, the provider script, JSON-RPC.

=================================  ===============================================================
``GET /``                          accounts, mode, how to use it
``GET /auth?authRequest=…``        legacy consent page (or, with auto-approve, the redirect);
                                   a request failing verification: every check, in words (400)
``POST /auth/answer``              the consent form: Approve → ``redirect_uri?authResponse=…``,
                                   Deny → ``redirect_uri`` with no response (303)
``GET|POST /inspect``              the token inspector (``token`` query or form field)
``GET /provider.js``               the SIP-030 provider script for dapp pages
``POST /rpc``                      ``{"jsonrpc","id","method","params"}`` from the provider:
                                   ``{"status":"done","response"}`` or
                                   ``{"status":"pending","request": id}``
``GET /rpc/requests/{id}``         the same status object, polled by the provider
``POST /rpc/requests/{id}/cancel`` the popup was closed: answer "User rejected request"
``GET|POST /rpc/consent/{id}``     the consent popup and its form
``GET /healthz``                   ``{"status": "ok"}``
=================================  ===============================================================

The JSON-RPC endpoints answer CORS for the allowed dapp origins (loopback origins on any port,
plus ``allowed_origins``). Forms carry a per-process CSRF token, and a present ``Origin`` on a
form post must be this server's own, so another site cannot approve anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ... import __version__, jwt
from ...auth_request import AuthRequest, check_auth_request, verify_auth_request
from ...auth_response import check_auth_response
from ...checks import Check
from ...errors import InvalidArgumentError, InvalidTokenError, ManifestError
from ...manifest import app_display, fetch_manifest_async
from ...origins import origin_of
from ...scopes import describe_scope

# transport.py becomes urls.py in the layout work.
from ...urls import auth_request_from_url, auth_response_from_url
from ..wallet import TEST_MNEMONIC, TestWallet
from . import pages
from .rpc import Pending, RequestBook, describe

__all__ = ["DEFAULT_ACCOUNTS", "ManifestLoader", "create_app"]

ManifestLoader = Callable[[AuthRequest], Awaitable[dict[str, Any]]]
DEFAULT_ACCOUNTS = 3
_MAX_BODY = 256 * 1024
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})
_NO_STORE = {"cache-control": "no-store"}
# Pages: no framing (a consent page under another site's clicks), no Referer to other sites
# (the page URL carries the authRequest, and the app's icon is loaded from elsewhere; not
# "no-referrer", which would make browsers send "Origin: null" on our own form posts), no
# script but the popup's window.close().
_CLOSE_HASH = base64.b64encode(hashlib.sha256(pages.CLOSE_SCRIPT.encode()).digest()).decode()
_PAGE_HEADERS = {
    **_NO_STORE,
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    f"img-src http: https: data:; script-src 'sha256-{_CLOSE_HASH}'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
}
_ICON = (
    "data:image/svg+xml;base64,"
    "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAzMiI+PHJlY3Qgd2lk"
    "dGg9IjMyIiBoZWlnaHQ9IjMyIiByeD0iNiIgZmlsbD0iI2M3NzcwMCIvPjx0ZXh0IHg9IjE2IiB5PSIyMiIgZm9udC1z"
    "aXplPSIxNiIgdGV4dC1hbmNob3I9Im1pZGRsZSIgZmlsbD0iI2ZmZiI+REVWPC90ZXh0Pjwvc3ZnPg=="
)


def _kind(payload: dict[str, Any]) -> str:
    if any(name in payload for name in ("domain_name", "redirect_uri", "manifest_uri")):
        return "authRequest"
    if any(name in payload for name in ("private_key", "profile", "core_token")):
        return "authResponse"
    return "token"


class _DevWallet:
    def __init__(
        self,
        wallet: TestWallet,
        *,
        auto_approve: bool,
        auto_account: int,
        accounts: int,
        allowed_origins: Iterable[str],
        manifest_loader: ManifestLoader | None,
        clock: Callable[[], float],
    ) -> None:
        if not 1 <= accounts <= 100:
            raise InvalidArgumentError("accounts must be in 1 .. 100")
        if not 0 <= auto_account < accounts:
            raise InvalidArgumentError("the auto-approve account must be one of the accounts")
        self.wallet = wallet
        self.auto_approve = auto_approve
        self.auto_account = auto_account
        self.test_mnemonic = wallet.mnemonic == TEST_MNEMONIC
        self.allowed = frozenset(str(origin_of(o)) for o in allowed_origins)
        self.manifest_loader = manifest_loader
        self.clock = clock
        self.csrf = secrets.token_urlsafe(24)
        self.book = RequestBook(wallet, clock=clock)
        self.choices = [
            pages.AccountChoice(i, wallet.stx_address(i), wallet.account(i).identity_address)
            for i in range(accounts)
        ]

    # --- helpers ------------------------------------------------------------------------

    def html(self, text: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(text, status, headers=_PAGE_HEADERS)

    def message(self, title: str, text: str, status: int) -> HTMLResponse:
        return self.html(pages.message_page(title, text, test_mnemonic=self.test_mnemonic), status)

    def origin_allowed(self, origin: str | None) -> bool:
        if origin is None:
            return True
        try:
            parsed = origin_of(origin)
        except InvalidArgumentError:
            return False
        return parsed.host in _LOOPBACK or str(parsed) in self.allowed

    def cors(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None:
            return dict(_NO_STORE)
        return {
            **_NO_STORE,
            "access-control-allow-origin": origin,
            "access-control-allow-methods": "GET, POST",
            "access-control-allow-headers": "content-type",
            "access-control-allow-private-network": "true",
            "vary": "Origin",
        }

    async def form(self, request: Request) -> dict[str, str] | None:
        """The urlencoded form, if the post is our own (Origin and CSRF token)."""
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin is not None and origin != own:
            return None
        body = await request.body()
        if len(body) > _MAX_BODY:
            return None
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not hmac.compare_digest(fields.get("csrf", ""), self.csrf):
            return None
        return fields

    def account_of(self, fields: dict[str, str]) -> int | None:
        text = fields.get("account", "0")
        if not text.isdigit() or int(text) >= len(self.choices):
            return None
        return int(text)

    def failed(self, token: str, checks: list[Check]) -> HTMLResponse:
        try:
            payload: dict[str, Any] | None = jwt.decode(token).payload
        except InvalidTokenError:
            payload = None
        page = pages.failed_checks_page(
            checks=checks, payload=payload, test_mnemonic=self.test_mnemonic
        )
        return self.html(page, 400)

    # --- pages --------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}"
        return self.html(
            pages.index_page(
                accounts=self.choices,
                base_url=base,
                auto_approve=self.auto_approve,
                test_mnemonic=self.test_mnemonic,
            )
        )

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    # --- legacy authRequest -------------------------------------------------------------

    async def auth(self, request: Request) -> Response:
        try:
            token = auth_request_from_url(request.url.query)
        except InvalidTokenError as exc:
            return self.failed("", [Check("format", exc)])
        verified, checks = check_auth_request(token, now=self.clock())
        if verified is None or not all(c.passed for c in checks):
            return self.failed(token, checks)
        if self.auto_approve:
            answer = self.wallet.answer_auth_request(token, self.auto_account, now=self.clock())
            return RedirectResponse(answer.redirect_url, 303, headers=_NO_STORE)
        manifest, note = None, None
        details = verified.app_details or {}
        if self.manifest_loader is not None and not (details.get("name") and details.get("icon")):
            try:
                manifest = await self.manifest_loader(verified)
            except ManifestError as exc:
                note = f"The app manifest could not be loaded ({exc.code}: {exc.message})."
        name, icon = app_display(verified, manifest)
        page = pages.consent_page(
            token=token,
            origin=verified.origin,
            app_name=name,
            app_icon=icon,
            scopes=[(str(s), describe_scope(s)) for s in verified.scopes],
            accounts=self.choices,
            csrf=self.csrf,
            manifest_note=note,
            test_mnemonic=self.test_mnemonic,
        )
        return self.html(page)

    async def auth_answer(self, request: Request) -> Response:
        fields = await self.form(request)
        if fields is None:
            return self.message("Refused", "This form did not come from the dev wallet.", 403)
        token = fields.get("authRequest", "")
        try:
            verified = verify_auth_request(token, now=self.clock())
        except InvalidTokenError:
            return self.failed(token, check_auth_request(token, now=self.clock())[1])
        account = self.account_of(fields)
        if account is None:
            return self.message("Refused", "Unknown account.", 400)
        if fields.get("decision") == "approve":
            answer = self.wallet.answer_auth_request(token, account, now=self.clock())
            return RedirectResponse(answer.redirect_url, 303, headers=_NO_STORE)
        # Deny: back to the app with no response, as wallets do.
        return RedirectResponse(verified.redirect_uri, 303, headers=_NO_STORE)

    # --- token inspector ----------------------------------------------------------------

    async def inspect(self, request: Request) -> Response:
        if request.method == "POST":
            body = await request.body()
            if len(body) > _MAX_BODY:
                return self.message("Too large", "The token is too large.", 413)
            parsed = parse_qs(body.decode("utf-8", "replace"))
            text = parsed.get("token", [""])[0]
        else:
            text = request.query_params.get("token", "")
        text = text.strip()
        now = self.clock()
        header = payload = kind = error = None
        checks: list[Check] = []
        if text:
            try:
                token = text
                if "authResponse=" in text:
                    token = auth_response_from_url(text)
                elif "authRequest=" in text:
                    token = auth_request_from_url(text)
                decoded = jwt.decode(token)
                header, payload = decoded.header, decoded.payload
                kind = _kind(payload)
                if kind == "authRequest":
                    checks = check_auth_request(token, now=now)[1]
                elif kind == "authResponse":
                    checks = check_auth_response(token, now=now)[1]
            except InvalidTokenError as exc:
                error = f"Not a readable token: {exc.code}: {exc.message}"
        page = pages.inspector_page(
            token=text,
            kind=kind,
            header=header,
            payload=payload,
            checks=checks,
            error=error,
            now=now,
            test_mnemonic=self.test_mnemonic,
        )
        return self.html(page)

    # --- SIP-030 ------------------------------------------------------------------------

    async def provider_js(self, request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}"
        config = {
            "base": base,
            "autoApprove": self.auto_approve,
            "id": "AuthtokensDevWallet",
            "name": "authtokens dev wallet",
            "icon": _ICON,
            "version": __version__,
            "methods": [
                "getAddresses",
                "stx_getAddresses",
                "stx_signMessage",
                "stx_signStructuredMessage",
            ],
        }
        source = resources.files(__package__).joinpath("provider.js").read_text("utf-8")
        # json.dumps of str values cannot close the script; "</" is escaped for inline use.
        literal = json.dumps(config).replace("</", "<\\/")
        script = source.replace("/*CONFIG*/ {}", literal, 1)
        return Response(script, media_type="text/javascript", headers=_NO_STORE)

    def _status(self, pending: Pending) -> dict[str, Any]:
        if pending.response is None:
            return {"status": "pending", "request": pending.id}
        return {"status": "done", "request": pending.id, "response": pending.response}

    async def rpc(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if not self.origin_allowed(origin):
            return JSONResponse({"error": "origin_not_allowed"}, 403, headers=_NO_STORE)
        headers = self.cors(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
        body = await request.body()
        if len(body) > _MAX_BODY:
            return JSONResponse({"error": "too_large"}, 413, headers=headers)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        answer, pending = self.book.submit(
            parsed,
            origin or "(no origin: not a browser)",
            auto_approve=self.auto_approve,
            account=self.auto_account,
        )
        if pending is not None:
            return JSONResponse(self._status(pending), headers=headers)
        return JSONResponse({"status": "done", "response": answer}, headers=headers)

    async def rpc_request(self, request: Request) -> Response:
        origin = request.headers.get("origin")
        if not self.origin_allowed(origin):
            return JSONResponse({"error": "origin_not_allowed"}, 403, headers=_NO_STORE)
        headers = self.cors(request)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
        pending = self.book.get(request.path_params["request_id"])
        if pending is None or (origin is not None and origin != pending.origin):
            return JSONResponse({"error": "unknown_request"}, 404, headers=headers)
        if request.url.path.endswith("/cancel"):
            self.book.decide(pending, approve=False, account=0)
        return JSONResponse(self._status(pending), headers=headers)

    async def rpc_wait(self, request: Request) -> Response:
        return self.message("Wallet request", "Waiting for the request…", 200)

    async def rpc_consent(self, request: Request) -> Response:
        pending = self.book.get(request.path_params["request_id"])
        if pending is None:
            return self.message("Unknown request", "No such request (or it expired).", 404)
        if request.method == "POST":
            fields = await self.form(request)
            if fields is None:
                return self.message("Refused", "This form did not come from the dev wallet.", 403)
            account = self.account_of(fields)
            if account is None:
                return self.message("Refused", "Unknown account.", 400)
            approve = fields.get("decision") == "approve"
            response = self.book.decide(pending, approve=approve, account=account)
            text = "Denied." if "error" in response and not approve else "Done."
            if approve and "error" in response:
                text = "The wallet could not answer: " + response["error"]["message"]
            return self.html(pages.done_page(text, test_mnemonic=self.test_mnemonic))
        if pending.response is not None:
            return self.message("Already answered", "This request was already answered.", 409)
        details, warnings = describe(
            pending, self.wallet, accounts=len(self.choices), now=self.clock()
        )
        page = pages.rpc_consent_page(
            request_id=pending.id,
            origin=pending.origin,
            method=pending.method,
            details=details,
            warnings=warnings,
            accounts=self.choices,
            csrf=self.csrf,
            test_mnemonic=self.test_mnemonic,
        )
        return self.html(page)


def create_app(
    wallet: TestWallet,
    *,
    auto_approve: bool = False,
    auto_account: int = 0,
    accounts: int = DEFAULT_ACCOUNTS,
    allowed_origins: Iterable[str] = (),
    manifest_loader: ManifestLoader | None = fetch_manifest_async,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The dev authenticator for ``wallet`` (see the module docstring for the endpoints).

    ``auto_approve`` answers every valid request at once with account ``auto_account``
    (test mode); otherwise each asks for consent. ``accounts`` is how many accounts the picker
    offers. Dapp origins allowed to call the JSON-RPC endpoints: loopback hosts on any port
    plus ``allowed_origins``. ``manifest_loader`` fetches the app manifest for the consent page
    when the request's ``appDetails`` lack a name or icon (None: never fetch). ``clock`` gives
    the time used to verify requests. Raises `InvalidArgumentError` for bad options.
    """
    dev = _DevWallet(
        wallet,
        auto_approve=auto_approve,
        auto_account=auto_account,
        accounts=accounts,
        allowed_origins=allowed_origins,
        manifest_loader=manifest_loader,
        clock=clock,
    )
    routes = [
        Route("/", dev.index),
        Route("/healthz", dev.health),
        Route("/auth", dev.auth),
        Route("/auth/answer", dev.auth_answer, methods=["POST"]),
        Route("/inspect", dev.inspect, methods=["GET", "POST"]),
        Route("/provider.js", dev.provider_js),
        Route("/rpc", dev.rpc, methods=["POST", "OPTIONS"]),
        Route("/rpc/wait", dev.rpc_wait),
        Route("/rpc/requests/{request_id}", dev.rpc_request, methods=["GET", "OPTIONS"]),
        Route("/rpc/requests/{request_id}/cancel", dev.rpc_request, methods=["POST", "OPTIONS"]),
        Route("/rpc/consent/{request_id}", dev.rpc_consent, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes)
