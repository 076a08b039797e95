"""The authRequest: minted by the app with its transit key, verified by the wallet.

`make_auth_request` writes the stacks.js payload in its key order (extra parameters first, then
``jti iat exp iss public_keys domain_name manifest_uri redirect_uri version
do_not_include_profile supports_hub_url scopes``), with a CSPRNG ``jti`` and UTC expiry.

`verify_auth_request` does every check the reference does, strictly: the header's ``alg`` is
exactly ES256K (``none`` refused), one public key whose signature verifies, an issuer DID that is
that key's address, ``iat``/``exp`` with a leeway, manifest and redirect URIs on the origin of
``domain_name`` (full origin: scheme, IDNA host, port), well-formed scopes and claim types. The
first failure raises its own `InvalidTokenError` subclass; `check_auth_request` runs every check
and reports each outcome, for display.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from coincurve import PrivateKey

from . import jwt
from . import scopes as scope_lib
from .addresses import p2pkh_address
from .checks import Check, CheckRunner
from .claims import (
    DEFAULT_LEEWAY,
    Timestamp,
    VerifyPolicy,
    check_jti,
    check_signed_token,
    checked_origin,
    resolve_now,
    string_claim,
    to_seconds,
)
from .did import DID_PREFIX
from .errors import (
    InvalidArgumentError,
    InvalidClaimError,
    InvalidScopeError,
    ManifestOriginError,
    OriginMismatchError,
    RedirectOriginError,
)
from .keys import parse_private_key
from .origins import Origin, has_userinfo
from .replay import ReplayCache, consume

__all__ = [
    "PROTOCOL_VERSION",
    "AuthRequest",
    "check_auth_request",
    "make_auth_request",
    "verify_auth_request",
]

PROTOCOL_VERSION = "1.4.0"
DEFAULT_REQUEST_LIFETIME = 3600.0


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """A verified authRequest. ``payload`` is the raw claim set; ``token`` the exact token."""

    token: str
    payload: dict[str, Any]
    jti: str
    iat: float
    exp: float | None
    iss: str
    public_key: str
    domain_name: str
    origin: str
    manifest_uri: str
    redirect_uri: str
    version: str | None
    scopes: tuple[scope_lib.Scope, ...]
    do_not_include_profile: bool
    supports_hub_url: bool
    app_details: dict[str, Any] | None

    @property
    def transit_public_key(self) -> str:
        """The app's transit public key: the wallet encrypts the app key to it."""
        return self.public_key


# --- minting (app side) -------------------------------------------------------------------


def make_auth_request(
    transit_private_key: str | bytes,
    *,
    app_domain: str,
    redirect_uri: str | None = None,
    manifest_uri: str | None = None,
    scopes: Iterable[scope_lib.Scope | str] = ("store_write",),
    expires_at: Timestamp | None = None,
    extra: Mapping[str, Any] | None = None,
    app_details: Mapping[str, Any] | None = None,
    now: Timestamp | None = None,
    allow_unknown_scopes: bool = False,
    jti: str | None = None,
    low_s: bool = True,
) -> str:
    """Mint a signed authRequest token (what ``makeAuthRequestToken`` makes).

    Defaults: redirect ``app_domain + "/"`` and manifest ``app_domain + "/manifest.json"`` (a
    trailing ``/`` on ``app_domain`` is dropped first), scopes ``["store_write"]``, expiry one
    hour after ``now``. ``app_details`` (``{"name", "icon"}``) is written as the ``appDetails``
    extra parameter wallets display. ``jti`` and ``low_s=False`` exist to reproduce reference
    tokens; leave them alone otherwise.

    Refuses (with `InvalidArgumentError`) what `verify_auth_request` would refuse: an
    ``app_domain`` that is not an http(s) URL, redirect or manifest URIs on another origin,
    unknown or malformed scopes (unless ``allow_unknown_scopes``), an expiry not after ``now``.
    Raises `InvalidKeyError` for a malformed transit key.
    """
    key = PrivateKey(parse_private_key(transit_private_key))
    if not isinstance(app_domain, str):
        raise InvalidArgumentError("app_domain must be a string such as 'https://app.example.com'")
    domain_name = app_domain[:-1] if app_domain.endswith("/") else app_domain
    redirect = domain_name + "/" if redirect_uri is None else redirect_uri
    manifest = domain_name + "/manifest.json" if manifest_uri is None else manifest_uri
    origin = checked_origin(domain_name, "app_domain", InvalidArgumentError)
    checked_origin(redirect, "redirect_uri", InvalidArgumentError, on=origin)
    checked_origin(manifest, "manifest_uri", InvalidArgumentError, on=origin)
    try:
        scope_values = [
            str(s) for s in scope_lib.parse_scopes(list(scopes), allow_unknown=allow_unknown_scopes)
        ]
    except InvalidScopeError as exc:
        raise InvalidArgumentError(str(exc)) from None

    issued = resolve_now(now)
    expiry = issued + DEFAULT_REQUEST_LIFETIME if expires_at is None else to_seconds(expires_at)
    iat, exp = math.floor(issued), math.floor(expiry)
    if exp <= iat:
        raise InvalidArgumentError("expires_at must be after now")

    payload: dict[str, Any] = {}
    if app_details is not None:
        payload["appDetails"] = dict(app_details)
    if extra is not None:
        for name, value in extra.items():
            if name in payload:
                raise InvalidArgumentError(f"extra parameter {name!r} given twice")
            payload[name] = value
    public_key: bytes = key.public_key.format(compressed=True)
    # Fixed keys: an extra parameter of the same name keeps its place and takes this value.
    payload["jti"] = str(uuid.uuid4()) if jti is None else jti
    payload["iat"] = iat
    payload["exp"] = exp
    payload["iss"] = DID_PREFIX + p2pkh_address(public_key)
    payload["public_keys"] = [public_key.hex()]
    payload["domain_name"] = domain_name
    payload["manifest_uri"] = manifest
    payload["redirect_uri"] = redirect
    payload["version"] = PROTOCOL_VERSION
    payload["do_not_include_profile"] = True
    payload["supports_hub_url"] = True
    payload["scopes"] = scope_values
    return jwt.sign_with_key(payload, key, low_s=low_s)


# --- verification (wallet side) -----------------------------------------------------------


def _check_claim_types(payload: dict[str, Any]) -> None:
    check_jti(payload)
    for name in ("do_not_include_profile", "supports_hub_url"):
        if name in payload and not isinstance(payload[name], bool):
            raise InvalidClaimError(f"{name} must be a boolean")
    version = payload.get("version")
    if version is not None and not isinstance(version, str):
        raise InvalidClaimError("version must be a string")
    details = payload.get("appDetails")
    if details is not None and (
        not isinstance(details, dict)
        or not all(isinstance(details.get(k, ""), str) for k in ("name", "icon"))
    ):
        raise InvalidClaimError("appDetails must be an object with string name and icon")
    if details is not None and has_userinfo(details.get("icon", "")):
        raise InvalidClaimError("appDetails.icon must not have userinfo")


def _check_domain(payload: dict[str, Any]) -> Origin:
    return checked_origin(string_claim(payload, "domain_name"), "domain_name", InvalidClaimError)


def _check_uri(
    payload: dict[str, Any], name: str, origin: Origin, error: type[OriginMismatchError]
) -> None:
    uri = payload.get(name)
    if not isinstance(uri, str):
        raise InvalidClaimError(f"{name} must be a string")
    checked_origin(uri, name, error, on=origin)


def _evaluate(
    token: str,
    *,
    now: Timestamp | None,
    policy: VerifyPolicy,
    replay_cache: ReplayCache | None,
    collect: bool,
) -> tuple[AuthRequest | None, list[Check]]:
    run = CheckRunner(collect)
    current = resolve_now(now)
    signed = check_signed_token(run, token, current, policy)
    if signed is None:
        return None, run.results
    payload = signed.decoded.payload
    run("claims", _check_claim_types, payload)
    origin = run("domain_name", _check_domain, payload)
    if origin is not None:
        run("manifest_uri", _check_uri, payload, "manifest_uri", origin, ManifestOriginError)
        run("redirect_uri", _check_uri, payload, "redirect_uri", origin, RedirectOriginError)
    scopes = run(
        "scopes",
        scope_lib.parse_scopes,
        payload.get("scopes"),
        allow_unknown=policy.allow_unknown_scopes,
    )
    key = signed.key
    if not run.ok or key is None or origin is None or scopes is None:
        return None, run.results
    exp = payload.get("exp") or None
    if replay_cache is not None:
        run("replay", consume, replay_cache, payload, current, policy.leeway)
        if not run.ok:
            return None, run.results
    request = AuthRequest(
        token=token,
        payload=payload,
        jti=payload["jti"],
        iat=float(payload["iat"]),
        exp=None if exp is None else float(exp),
        iss=payload["iss"],
        public_key=key[0],
        domain_name=payload["domain_name"],
        origin=str(origin),
        manifest_uri=payload["manifest_uri"],
        redirect_uri=payload["redirect_uri"],
        version=payload.get("version"),
        scopes=scopes,
        do_not_include_profile=payload.get("do_not_include_profile", False),
        supports_hub_url=payload.get("supports_hub_url", False),
        app_details=payload.get("appDetails"),
    )
    return request, run.results


def verify_auth_request(
    token: str,
    *,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    require_exp: bool = True,
    max_lifetime: float | None = None,
    allow_unknown_scopes: bool = False,
    replay_cache: ReplayCache | None = None,
    max_size: int = jwt.MAX_TOKEN_SIZE,
) -> AuthRequest:
    """Verify an authRequest as a wallet must before answering it.

    Checks, in order: format (size cap, three segments, strict base64url and JSON), ``alg``
    exactly ES256K, ``public_keys`` holds exactly one valid key, ``iss`` is a strict
    ``did:btc-addr:`` DID, the signature, the issuer matches the key, ``iat``/``exp`` (see
    `authtokens.claims`), claim types, ``domain_name`` is an http(s) origin, manifest and
    redirect URIs on that origin, scopes known and well formed; then, with a ``replay_cache``,
    consumes the ``jti``. Never touches the network (see `authtokens.manifest`).

    Returns the typed `AuthRequest`; raises the `InvalidTokenError` subclass of the first
    failed check (each has a ``code``). `check_auth_request` reports all of them at once.
    """
    policy = VerifyPolicy(
        leeway=leeway,
        require_exp=require_exp,
        max_lifetime=max_lifetime,
        max_size=max_size,
        allow_unknown_scopes=allow_unknown_scopes,
    )
    request, _ = _evaluate(token, now=now, policy=policy, replay_cache=replay_cache, collect=False)
    assert request is not None  # collect=False raises on the first failure
    return request


def check_auth_request(
    token: str,
    *,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    require_exp: bool = True,
    max_lifetime: float | None = None,
    allow_unknown_scopes: bool = False,
    max_size: int = jwt.MAX_TOKEN_SIZE,
) -> tuple[AuthRequest | None, list[Check]]:
    """Run every check of `verify_auth_request` and report each outcome.

    Returns the request (None if any check failed) and the list of `Check` results in check
    order; checks whose inputs failed to parse are left out. Never consumes a ``jti``.
    """
    policy = VerifyPolicy(
        leeway=leeway,
        require_exp=require_exp,
        max_lifetime=max_lifetime,
        max_size=max_size,
        allow_unknown_scopes=allow_unknown_scopes,
    )
    return _evaluate(token, now=now, policy=policy, replay_cache=None, collect=True)
