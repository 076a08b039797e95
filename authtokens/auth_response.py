"""The authResponse: minted by the wallet with the identity key, verified by the app.

`make_auth_response` writes the stacks.js payload in its key order with the app private key
ECIES-encrypted to the request's transit key (and, unlike the reference, the
``appPrivateKeyFromWalletSalt`` too: stacks.js#1212). `make_auth_response_for_request` does what
a wallet does with a verified `AuthRequest` and an `Account`: derive the app key for the
request's origin, build the profile and the Gaia association token, and answer.

`verify_auth_response` checks the token itself (format, algorithm, key, issuer, times, claim
types); `authtokens.sign_in.decode_auth_response` builds the app's sign-in on it.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coincurve import PrivateKey

from . import jwt
from .addresses import p2pkh_address
from .auth_request import PROTOCOL_VERSION, AuthRequest
from .checks import Check, CheckRunner
from .claims import (
    DEFAULT_LEEWAY,
    Timestamp,
    VerifyPolicy,
    check_jti,
    check_signed_token,
    checked_origin,
    parse_version,
    resolve_now,
    to_seconds,
)
from .did import DID_PREFIX
from .ecies import wrap_private_key
from .errors import (
    InvalidArgumentError,
    InvalidClaimError,
    WrongTokenTypeError,
)
from .gaia import make_association_token
from .keys import get_public_key, normalize_private_key, parse_private_key, public_key_bytes
from .origins import has_userinfo
from .replay import ReplayCache, consume

if TYPE_CHECKING:
    from .wallet import Account

__all__ = [
    "DEFAULT_HUB_URL",
    "REQUEST_ONLY_CLAIMS",
    "AuthResponse",
    "check_auth_response",
    "check_response_shape",
    "make_auth_response",
    "make_auth_response_for_request",
    "verify_auth_response",
]

DEFAULT_HUB_URL = "https://hub.blockstack.org"
DEFAULT_RESPONSE_LIFETIME = 30 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class AuthResponse:
    """A verified authResponse (nothing decrypted). ``payload`` is the raw claim set."""

    token: str
    payload: dict[str, Any]
    jti: str
    iat: float
    exp: float | None
    iss: str
    public_key: str
    identity_address: str
    version: str | None
    private_key: str | None
    core_token: str | None
    profile: dict[str, Any] | None
    email: str | None
    profile_url: str | None
    hub_url: str | None
    blockstack_api_url: str | None
    association_token: str | None
    app_private_key_from_wallet_salt: str | None
    username: str | None


# --- minting (wallet side) ----------------------------------------------------------------


def make_auth_response(
    identity_private_key: str | bytes,
    *,
    app_private_key: str | None,
    transit_public_key: str | None,
    profile: Mapping[str, Any] | None = None,
    hub_url: str | None = None,
    association_token: str | None = None,
    expires_at: Timestamp | None = None,
    now: Timestamp | None = None,
    core_token: str | None = None,
    email: str | None = None,
    profile_url: str | None = None,
    blockstack_api_url: str | None = None,
    app_private_key_from_wallet_salt: str | None = None,
    allow_plaintext_key: bool = False,
    jti: str | None = None,
    low_s: bool = True,
) -> str:
    """Mint a signed authResponse (what stacks.js ``makeAuthResponse`` makes).

    The token is signed with the identity (data) key; ``iss`` is its DID. ``private_key`` is
    ``app_private_key`` encrypted to ``transit_public_key`` exactly as stacks.js does (hex of
    the ECIES cipher object's JSON); ``core_token`` and ``appPrivateKeyFromWalletSalt`` are
    encrypted the same way. ``app_private_key=None`` gives the short legacy payload with
    ``private_key: null`` (what hardware-wallet accounts send). Expiry defaults to 30 days.

    Sending the app key in clear (no transit key) requires ``allow_plaintext_key=True``.
    Raises `InvalidKeyError` for malformed keys and `InvalidArgumentError` otherwise.
    """
    key = PrivateKey(parse_private_key(identity_private_key))
    if transit_public_key is None:
        if not allow_plaintext_key and (
            app_private_key is not None or app_private_key_from_wallet_salt is not None
        ):
            raise InvalidArgumentError(
                "a transit_public_key is required; allow_plaintext_key=True sends the key in clear"
            )
    else:
        public_key_bytes(transit_public_key)  # validate once, before any encryption

    def protect(secret: str | None, *, normalise: bool) -> str | None:
        if secret is None:
            return None
        if not isinstance(secret, str):
            raise InvalidArgumentError("keys and tokens must be strings")
        value = normalize_private_key(secret) if normalise else secret
        return value if transit_public_key is None else wrap_private_key(transit_public_key, value)

    if profile is not None and not isinstance(profile, Mapping):
        raise InvalidArgumentError("profile must be a mapping")
    issued = resolve_now(now)
    expiry = issued + DEFAULT_RESPONSE_LIFETIME if expires_at is None else to_seconds(expires_at)
    iat, exp = math.floor(issued), math.floor(expiry)
    if exp <= iat:
        raise InvalidArgumentError("expires_at must be after now")
    public_key: bytes = key.public_key.format(compressed=True)
    payload: dict[str, Any] = {
        "jti": str(uuid.uuid4()) if jti is None else jti,
        "iat": iat,
        "exp": exp,
        "iss": DID_PREFIX + p2pkh_address(public_key),
        "private_key": protect(app_private_key, normalise=True),
        "public_keys": [public_key.hex()],
        "appPrivateKeyFromWalletSalt": protect(app_private_key_from_wallet_salt, normalise=True),
        "profile": {} if profile is None else dict(profile),
        "core_token": (
            protect(core_token, normalise=False) if app_private_key is not None else core_token
        ),
    }
    if app_private_key is not None:
        payload["email"] = email
        payload["profile_url"] = profile_url
        payload["hubUrl"] = hub_url
        payload["blockstackAPIUrl"] = blockstack_api_url
        payload["associationToken"] = association_token
        payload["version"] = PROTOCOL_VERSION
    return jwt.sign_with_key(payload, key, low_s=low_s)


def make_auth_response_for_request(
    request: AuthRequest,
    account: Account,
    *,
    profile: Mapping[str, Any] | None = None,
    hub_url: str = DEFAULT_HUB_URL,
    app_domain: str | None = None,
    now: Timestamp | None = None,
    expires_at: Timestamp | None = None,
    with_association_token: bool = True,
    app_private_key_from_wallet_salt: str | None = None,
) -> str:
    """Answer a verified `AuthRequest` as @stacks/wallet-sdk's ``makeAuthResponse`` does.

    The app key is ``account.app_private_key(app_domain)``, where ``app_domain`` defaults to the
    request's origin (scheme://host[:port], as wallets derive it; pass the exact string your
    wallet used historically if it differs). The profile gets the account's ``stxAddress``
    (testnet, mainnet) merged after ``profile``; the Gaia association token binds the app
    public key to the identity key. The response is encrypted to the request's transit key.
    """
    domain = request.origin if app_domain is None else app_domain
    app_key = account.app_private_key(domain)
    merged: dict[str, Any] = dict(profile or {})
    merged["stxAddress"] = {
        "testnet": account.stx_address(testnet=True),
        "mainnet": account.stx_address(testnet=False),
    }
    issued = resolve_now(now)
    association = (
        make_association_token(
            account.data_private_key,
            get_public_key(app_key),
            now=issued,
        )
        if with_association_token
        else None
    )
    return make_auth_response(
        account.data_private_key,
        app_private_key=app_key,
        transit_public_key=request.public_key,
        profile=merged,
        hub_url=hub_url,
        association_token=association,
        now=issued,
        expires_at=expires_at,
        app_private_key_from_wallet_salt=app_private_key_from_wallet_salt,
    )


# --- verification and decoding (app side) ------------------------------------------------

_OPTIONAL_STRINGS = (
    "private_key",
    "core_token",
    "email",
    "profile_url",
    "hubUrl",
    "blockstackAPIUrl",
    "associationToken",
    "appPrivateKeyFromWalletSalt",
    "version",
    "username",
)


#: Claims only an authRequest carries (spec §4.1, and Connect's extras of §4.2): a token with
#: any of them is a request, whoever signed it.
REQUEST_ONLY_CLAIMS = frozenset(
    {
        "domain_name",
        "manifest_uri",
        "redirect_uri",
        "scopes",
        "do_not_include_profile",
        "supports_hub_url",
        "appDetails",
        "sendToSignIn",
        "connectVersion",
    }
)


def check_response_shape(payload: dict[str, Any]) -> None:
    """A response must look like one: ``private_key`` present (a string, or null for accounts
    without app keys; every wallet writes it) and no claim only a request carries. Otherwise an
    authRequest, signed by the app's own transit key, would pass as a response from the user
    "did:btc-addr:<transit address>". Raises `WrongTokenTypeError`."""
    if "private_key" not in payload:
        raise WrongTokenTypeError("not an authResponse: the private_key claim is missing")
    found = sorted(REQUEST_ONLY_CLAIMS.intersection(payload))
    if found:
        raise WrongTokenTypeError(f"not an authResponse: it has request claims {found[:3]}")


def _check_claim_types(payload: dict[str, Any]) -> None:
    check_jti(payload)
    for name in _OPTIONAL_STRINGS:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidClaimError(f"{name} must be a string or null")
    profile = payload.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise InvalidClaimError("profile must be an object or null")
    hub = payload.get("hubUrl")
    if hub is not None:
        checked_origin(hub, "hubUrl", InvalidClaimError)
    for name in ("profile_url", "blockstackAPIUrl"):
        if isinstance(payload.get(name), str) and has_userinfo(payload[name]):
            raise InvalidClaimError(f"{name} must not have userinfo")
    parse_version(payload.get("version"))


def evaluate(
    token: str, *, now: Timestamp | None, policy: VerifyPolicy, collect: bool
) -> tuple[AuthResponse | None, float, CheckRunner]:
    """Run the checks of `verify_auth_response` under ``policy`` (``collect``: report every
    outcome instead of raising the first); return the response, the resolved time, the runner."""
    run = CheckRunner(collect)
    current = resolve_now(now)
    signed = check_signed_token(run, token, current, policy)
    if signed is None:
        return None, current, run
    payload = signed.decoded.payload
    run("token_type", check_response_shape, payload)
    run("claims", _check_claim_types, payload)
    key, address = signed.key, signed.address
    if not run.ok or key is None or address is None:
        return None, current, run
    exp = payload.get("exp") or None
    response = AuthResponse(
        token=token,
        payload=payload,
        jti=payload["jti"],
        iat=float(payload["iat"]),
        exp=None if exp is None else float(exp),
        iss=payload["iss"],
        public_key=key[0],
        identity_address=address,
        version=payload.get("version"),
        private_key=payload.get("private_key"),
        core_token=payload.get("core_token"),
        profile=payload.get("profile"),
        email=payload.get("email"),
        profile_url=payload.get("profile_url"),
        hub_url=payload.get("hubUrl"),
        blockstack_api_url=payload.get("blockstackAPIUrl"),
        association_token=payload.get("associationToken"),
        app_private_key_from_wallet_salt=payload.get("appPrivateKeyFromWalletSalt"),
        username=payload.get("username"),
    )
    return response, current, run


def verify_auth_response(
    token: str,
    *,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    require_exp: bool = True,
    max_lifetime: float | None = None,
    replay_cache: ReplayCache | None = None,
    max_size: int = jwt.MAX_TOKEN_SIZE,
) -> AuthResponse:
    """Verify an authResponse: format, ``alg`` exactly ES256K, no ``crit``, one public key, a
    strict issuer DID matching it, the signature, ``iat``/``exp`` (see `authtokens.claims`),
    the shape of a response (`check_response_shape`: an authRequest is refused) and claim types;
    then, with a ``replay_cache``, consume the ``jti``. Decrypts nothing (see
    `decode_auth_response`). Raises the `InvalidTokenError` subclass of the first failure.
    """
    policy = VerifyPolicy(
        leeway=leeway, require_exp=require_exp, max_lifetime=max_lifetime, max_size=max_size
    )
    response, current, _ = evaluate(token, now=now, policy=policy, collect=False)
    assert response is not None
    if replay_cache is not None:
        consume(replay_cache, response.payload, current, leeway)
    return response


def check_auth_response(
    token: str,
    *,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    require_exp: bool = True,
    max_lifetime: float | None = None,
    max_size: int = jwt.MAX_TOKEN_SIZE,
) -> tuple[AuthResponse | None, list[Check]]:
    """Run every check of `verify_auth_response` and report each outcome (no replay cache)."""
    policy = VerifyPolicy(
        leeway=leeway, require_exp=require_exp, max_lifetime=max_lifetime, max_size=max_size
    )
    response, _, run = evaluate(token, now=now, policy=policy, collect=True)
    return (response if run.ok else None), run.results
