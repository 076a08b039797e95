"""The HTTP pieces every framework adapter shares: the Origin rule, bearer headers, the error
body, cookie attributes and the JSON shapes of users and sessions.

The Origin rule: a state-changing request must carry an ``Origin`` on the allowed list. The one
exception is a request that authenticates with ``Authorization: Bearer`` and carries no session
cookie: browsers never attach a bearer token on their own, so it cannot be a cross-site forgery.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..errors import (
    AuthTokenError,
    InternalError,
    InvalidTokenError,
    OriginNotAllowedError,
    ReplayCacheFullError,
    SignInError,
    StoreUnavailableError,
)
from ..origins import strict_origin_of
from ..stores import LinkedAccount
from .config import AuthConfig
from .core import Session, SignIn

__all__ = [
    "bearer_token",
    "check_origin",
    "cookie_attributes",
    "error_body",
    "iso",
    "session_json",
    "sign_in_json",
    "user_json",
]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_origin(
    config: AuthConfig, origin: str | None, *, has_cookie: bool, has_bearer: bool
) -> None:
    """Raise `OriginNotAllowedError` unless the request may change state (see the module doc)."""
    if origin is None and has_bearer and not has_cookie:
        return
    if origin is None or origin == "null":
        raise OriginNotAllowedError("a state-changing request must carry an allowed Origin")
    try:
        parsed = strict_origin_of(origin)
    except AuthTokenError:
        raise OriginNotAllowedError("the request's Origin is malformed") from None
    if parsed not in config.origins:
        raise OriginNotAllowedError(f"origin {origin!r} is not allowed")


def error_body(exc: AuthTokenError) -> tuple[int, dict[str, str]]:
    """The status and ``{"error": code}`` body for a refusal. Sign-in refusals carry their own
    status, other rejected input (a bad signature, an expired message or token) is a 401, and a
    usage error caused by request data is a 400. A full replay cache, a failing store or an
    internal fault is the server's condition, not the client's: 503, so clients retry instead
    of giving up."""
    if isinstance(exc, SignInError):
        return exc.status, {"error": exc.code}
    if isinstance(exc, ReplayCacheFullError | StoreUnavailableError | InternalError):
        return 503, {"error": exc.code}
    if isinstance(exc, InvalidTokenError):
        return 401, {"error": exc.code}
    return 400, {"error": exc.code}


def cookie_attributes(config: AuthConfig) -> dict[str, Any]:
    """Attributes of the session cookie, in the keyword names Starlette and Django share."""
    return {
        "httponly": True,
        "secure": config.cookie_secure,
        "samesite": config.cookie.samesite,
        "path": config.cookie.path,
        "domain": config.cookie.domain,
    }


def iso(seconds: float) -> str:
    """Unix seconds as ISO 8601 UTC with milliseconds (as JS ``toISOString``)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _account_json(account: LinkedAccount) -> dict[str, Any]:
    return {
        "accountId": account.account_id,
        "address": account.address,
        "chainId": account.chain_id,
        "method": account.method,
        "firstSeen": iso(account.first_seen),
        "lastSeen": iso(account.last_seen),
    }


def user_json(session: Session, accounts: tuple[LinkedAccount, ...]) -> dict[str, Any]:
    """The user as the endpoints show it: the address and CAIP-10 id (or legacy DID) this
    session signed in with, the sign-in method, and every linked account."""
    user: dict[str, Any] = {
        "id": session.user_id,
        "address": session.address,
        "accountId": session.account_id,
        "chainId": session.chain_id,
        "method": session.method,
        "accounts": [_account_json(a) for a in accounts],
    }
    if session.did is not None:
        user["identityAddress"] = session.identity_address
        user["did"] = session.did
        # Claimed by the wallet in the signed profile, not proven by the STX key's signature.
        user["stxAddress"] = session.stx_address
    return user


def session_json(session: Session, accounts: tuple[LinkedAccount, ...]) -> dict[str, Any]:
    """``GET {prefix}/session``: the user plus the session's method and expiry."""
    return {
        "user": user_json(session, accounts),
        "session": {
            "method": session.method,
            "createdAt": iso(session.created_at),
            "expiresAt": iso(session.expires_at),
        },
    }


def sign_in_json(result: SignIn) -> dict[str, Any]:
    """The verify answer in the better-auth shape: ``{"token", "success": true, "user"}``."""
    return {
        "token": result.token,
        "success": True,
        "user": user_json(result.session, result.accounts),
        "linked": result.linked,
        "expiresAt": iso(result.session.expires_at),
    }
