"""Carrying tokens in URLs: the authenticator link, the wallet's redirect, the app's callback.

The legacy web flow (spec §4.3, §8.3) moves both tokens in query parameters: the app sends the
user to ``<authenticator>?authRequest=<token>``, the wallet answers by redirecting to
``<redirect_uri>?authResponse=<token>``. The reference builds these URLs by string
concatenation (``?`` appended even when a query exists) or a regular expression; here the query
is edited parameter by parameter: other parameters and the fragment are kept byte for byte, any
earlier copy of the token's parameter is replaced, and the token is percent-encoded (a no-op
for real tokens, whose base64url and ``.`` are URL-safe).

Reading is strict: exactly one non-empty value, or `MalformedTokenError`. Nothing here verifies
the token; pass it to `verify_auth_request` / `decode_auth_response`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

from .errors import InvalidArgumentError, MalformedTokenError
from .origins import strict_origin_of

__all__ = [
    "AUTH_REQUEST_PARAM",
    "AUTH_RESPONSE_PARAM",
    "auth_request_from_url",
    "auth_request_url",
    "auth_response_from_url",
    "redirect_with_auth_response",
]

AUTH_REQUEST_PARAM = "authRequest"
AUTH_RESPONSE_PARAM = "authResponse"
_MAX_URL = 256 * 1024
_LEGACY_SCHEME_PREFIX = "blockstack:"
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def _param_name(segment: str) -> str:
    return unquote(segment.partition("=")[0].replace("+", " "))


def _with_param(url: str, name: str, token: str, what: str, *, fold_case: bool) -> str:
    if not isinstance(url, str):
        raise InvalidArgumentError(f"{what} must be a string, got {type(url).__name__}")
    if not isinstance(token, str) or not token:
        raise InvalidArgumentError("token must be a non-empty string")
    strict_origin_of(url)  # http(s) with a host, nothing ambiguous; InvalidArgumentError otherwise
    parts = urlsplit(url)

    def same(segment: str) -> bool:
        found = _param_name(segment)
        return found.lower() == name.lower() if fold_case else found == name

    kept = [s for s in parts.query.split("&") if s and not same(s)]
    kept.append(f"{name}={quote(token, safe='')}")
    return urlunsplit(parts._replace(query="&".join(kept)))


def auth_request_url(authenticator_url: str, token: str) -> str:
    """The link that sends the user to a web authenticator: ``authenticator_url?authRequest=…``.

    ``authenticator_url`` must be an http(s) URL; its other query parameters and fragment are
    kept, an existing ``authRequest`` parameter is replaced. Raises `InvalidArgumentError` for a
    non-http(s) or malformed URL, or an empty token.
    """
    return _with_param(
        authenticator_url, AUTH_REQUEST_PARAM, token, "authenticator_url", fold_case=False
    )


def redirect_with_auth_response(redirect_uri: str, token: str) -> str:
    """Where a wallet sends the user back: ``redirect_uri`` with ``authResponse=<token>``.

    Use the ``redirect_uri`` of a *verified* `AuthRequest` (verification guarantees it is on the
    app's origin). Other parameters and the fragment are kept; an existing ``authResponse``
    parameter is replaced, matching the name case-insensitively as the reference does. Raises
    `InvalidArgumentError` for a non-http(s) or malformed URI, or an empty token.
    """
    return _with_param(redirect_uri, AUTH_RESPONSE_PARAM, token, "redirect_uri", fold_case=True)


def _query_of(url_or_query: str) -> str:
    if not isinstance(url_or_query, str):
        raise InvalidArgumentError(
            f"url_or_query must be a string, got {type(url_or_query).__name__}"
        )
    if len(url_or_query) > _MAX_URL:
        raise MalformedTokenError(f"URL is longer than {_MAX_URL} characters")
    text = url_or_query.strip()
    if "?" in text:
        text = text.split("?", 1)[1]
    elif _ABSOLUTE_URL.match(text):
        return ""  # a URL without a query
    return text.split("#", 1)[0]


def _single_value(url_or_query: str, name: str) -> str:
    query = _query_of(url_or_query)
    values = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == name]
    if not values:
        raise MalformedTokenError(f"no {name} parameter in the URL")
    if len(values) > 1:
        raise MalformedTokenError(f"{name} is given {len(values)} times in the URL")
    if not values[0]:
        raise MalformedTokenError(f"{name} is empty")
    return values[0]


def auth_response_from_url(url_or_query: str) -> str:
    """The ``authResponse`` token from a callback URL, a ``?query`` or a bare query string.

    The parameter name is matched exactly (as ``URLSearchParams.get`` does) and must occur once
    with a non-empty value; otherwise `MalformedTokenError` (a rejected input: a backend answers
    it with a 400). The token is returned percent-decoded and unverified.
    """
    return _single_value(url_or_query, AUTH_RESPONSE_PARAM)


def auth_request_from_url(url_or_query: str) -> str:
    """The ``authRequest`` token from an authenticator URL, a ``?query`` or a bare query.

    Same rules as `auth_response_from_url`; a ``blockstack:`` prefix (the legacy custom-protocol
    form) is removed, as the reference's ``getAuthRequestFromURL`` does.
    """
    token = _single_value(url_or_query, AUTH_REQUEST_PARAM)
    if token.startswith(_LEGACY_SCHEME_PREFIX):
        token = token[len(_LEGACY_SCHEME_PREFIX) :]
    if not token:
        raise MalformedTokenError(f"{AUTH_REQUEST_PARAM} is empty")
    return token
