"""Refusals of the sign-in server, each with a short stable code and an HTTP status.

They extend the library's "reject this input" family, so one ``except InvalidTokenError`` in an
application covers them too::

    InvalidTokenError
    └── SignInError                  code                     HTTP
        ├── InvalidRequestError      "invalid_request"        400
        │   ├── UnsupportedSchemeError "unsupported_scheme"   400
        │   ├── UnsupportedMediaError  "unsupported_media_type" 415
        │   └── RequestTooLargeError   "too_large"            413
        ├── OriginNotAllowedError    "origin_not_allowed"     403
        ├── RateLimitedError         "rate_limited"           429
        ├── ChallengeExpiredError    "challenge_expired"      401  (unknown, expired or spent)
        ├── SignatureRejectedError   "invalid_signature"      401
        ├── ChallengePendingError    "challenge_pending"      409  (WebSocket only)
        └── NoChallengeError         "no_challenge"           409  (WebSocket only)

The message is for the server's log; clients only ever see the code.
"""

from __future__ import annotations

from ..errors import InvalidTokenError

__all__ = [
    "ChallengeExpiredError",
    "ChallengePendingError",
    "InvalidRequestError",
    "NoChallengeError",
    "OriginNotAllowedError",
    "RateLimitedError",
    "RequestTooLargeError",
    "SignInError",
    "SignatureRejectedError",
    "UnsupportedMediaError",
    "UnsupportedSchemeError",
]


class SignInError(InvalidTokenError):
    """A sign-in request is refused; ``status`` is the HTTP status to answer with."""

    code = "sign_in_refused"
    status = 400


class InvalidRequestError(SignInError):
    """The request is malformed: bad JSON, missing or ill-typed field, unparseable key."""

    code = "invalid_request"
    status = 400


class UnsupportedSchemeError(InvalidRequestError):
    """The signature scheme is unknown, disabled, or does not fit the key type."""

    code = "unsupported_scheme"


class UnsupportedMediaError(InvalidRequestError):
    """The request body is not declared as JSON."""

    code = "unsupported_media_type"
    status = 415


class RequestTooLargeError(InvalidRequestError):
    """The request body or frame exceeds the configured size cap."""

    code = "too_large"
    status = 413


class OriginNotAllowedError(SignInError):
    """The request carries an ``Origin`` that is not on the allowlist."""

    code = "origin_not_allowed"
    status = 403


class RateLimitedError(SignInError):
    """Too many requests from this address or for this key in the current window."""

    code = "rate_limited"
    status = 429


class ChallengeExpiredError(SignInError):
    """The challenge id is unknown, expired or already used (deliberately indistinguishable)."""

    code = "challenge_expired"
    status = 401


class SignatureRejectedError(SignInError):
    """The signature does not verify for the challenge's key and message."""

    code = "invalid_signature"
    status = 401


class ChallengePendingError(SignInError):
    """A challenge is already outstanding on this WebSocket connection."""

    code = "challenge_pending"
    status = 409


class NoChallengeError(SignInError):
    """A signature arrived on a WebSocket connection with no outstanding challenge."""

    code = "no_challenge"
    status = 409
