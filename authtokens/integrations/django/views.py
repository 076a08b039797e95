"""The endpoints (the FastAPI integration's, on Django): JSON in and out, ``{"error": code}``
refusals. POSTs pass Django's CSRF check unless they carry only a bearer token (no session
cookie), and need an allowed ``Origin`` (`authtokens.integrations.http.check_origin`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import logout as django_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.http import require_GET, require_POST

from ...errors import AuthTokenError, InvalidRequestError, NotSignedInError, RequestTooLargeError
from ..http import bearer_token, check_origin, error_body, session_json, sign_in_json, user_json
from .models import SignInEvent
from .service import client_ip, linked_accounts, service

_MAX_BODY = 64 * 1024
View = Callable[[HttpRequest], HttpResponse]


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return JsonResponse({"error": "csrf_failed"}, status=403)


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    check = _CsrfCheck(lambda _: HttpResponse())
    check.process_request(request)
    result: HttpResponse | None = check.process_view(request, None, (), {})
    return result


def _bearer(request: HttpRequest) -> str | None:
    return bearer_token(request.headers.get("authorization"))


def _error(request: HttpRequest, exc: AuthTokenError) -> JsonResponse:
    status, body = error_body(exc)
    # Refused sign-in attempts go to the audit trail; a signed-out page asking for the
    # session (401 not_signed_in) is not an attempt.
    if request.method == "POST" or request.path.endswith("/stacks/callback"):
        SignInEvent.objects.create(event="refused", code=exc.code, ip=client_ip(request))
    return JsonResponse(body, status=status)


def api(view: View) -> View:
    """JSON errors; for POST the CSRF check (cookie requests) and the Origin rule."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            if request.method == "POST":
                has_cookie = settings.SESSION_COOKIE_NAME in request.COOKIES
                bearer_only = _bearer(request) is not None and not has_cookie
                if not bearer_only:
                    refused = _csrf_refusal(request)
                    if refused is not None:
                        return refused
                check_origin(
                    service().config,
                    request.headers.get("origin"),
                    has_cookie=has_cookie,
                    has_bearer=_bearer(request) is not None,
                )
            response = view(request)
        except AuthTokenError as exc:
            return _error(request, exc)
        response["Cache-Control"] = "no-store"
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # checked above, bearer aside
    return wrapper


def _json(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > _MAX_BODY:
        raise RequestTooLargeError("request body is too large")
    try:
        data = json.loads(request.body)
    except ValueError:
        raise InvalidRequestError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InvalidRequestError("the body must be a JSON object")
    return data


def _signed_in(request: HttpRequest) -> tuple[Any, Any]:
    found = service().session_of(request, _bearer(request))
    if found is None:
        raise NotSignedInError("sign in first")
    return found


@require_POST
@api
def nonce(request: HttpRequest) -> HttpResponse:
    """``POST siws/nonce``: ``{"walletAddress", "chainId"?}`` → ``{"nonce"}``."""
    return JsonResponse({"nonce": service().issue_nonce(_json(request))})


@require_POST
@api
def verify(request: HttpRequest) -> HttpResponse:
    """``POST siws/verify``: better-auth shape → token, user; Django login (session cookie)."""
    return JsonResponse(sign_in_json(service().verify(request, _json(request), link_only=False)))


@require_POST
@api
def link(request: HttpRequest) -> HttpResponse:
    """``POST accounts/link``: as verify, only for a signed-in user."""
    return JsonResponse(sign_in_json(service().verify(request, _json(request), link_only=True)))


@require_GET
@api
def login(request: HttpRequest) -> HttpResponse:
    """``GET stacks/login?next=``: to the authenticator; the transit key stays in the session."""
    return HttpResponseRedirect(service().begin_legacy_login(request), status=303)


@require_GET
@api
def callback(request: HttpRequest) -> HttpResponse:
    """``GET stacks/callback?authResponse=``: sign in, then on to ``next``."""
    signed = service().complete_legacy_login(request)
    return HttpResponseRedirect(signed.next_url, status=303)


@require_GET
@api
def session(request: HttpRequest) -> HttpResponse:
    """``GET session``: the signed-in user, or 401."""
    user, current = _signed_in(request)
    return JsonResponse(session_json(current, linked_accounts(user)))


@require_GET
@api
def accounts(request: HttpRequest) -> HttpResponse:
    """``GET accounts``: as ``session``."""
    user, current = _signed_in(request)
    return JsonResponse(session_json(current, linked_accounts(user)))


@require_POST
@api
def unlink(request: HttpRequest) -> HttpResponse:
    """``POST accounts/unlink`` ``{"accountId"}``."""
    user, current = _signed_in(request)
    left = service().unlink(user, _json(request).get("accountId"))
    return JsonResponse({"user": user_json(current, left)})


@require_POST
@api
def logout(request: HttpRequest) -> HttpResponse:
    """``POST logout``: delete the session (cookie and bearer tokens end with it)."""
    bearer = _bearer(request)
    found = None
    try:
        found = service().session_of(request, bearer)
    except AuthTokenError:
        found = None
    if found is not None:
        user, current = found
        SignInEvent.objects.create(
            event="logout", user=user, account_id=current.account_id, ip=client_ip(request)
        )
        if bearer is not None:
            service().end_session(current.id)
    django_logout(request)
    return JsonResponse({"success": True, "ended": found is not None})
