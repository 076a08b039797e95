"""The authResponse: minted by the wallet with the identity key, decoded by the app.

`make_auth_response` writes the stacks.js payload in its key order with the app private key
ECIES-encrypted to the request's transit key (and, unlike the reference, the
``appPrivateKeyFromWalletSalt`` too: stacks.js#1212). `make_auth_response_for_request` does what
a wallet does with a verified `AuthRequest` and an `Account`: derive the app key for the
request's origin, build the profile, the Gaia association token, and answer.

`verify_auth_response` checks the token; `decode_auth_response` is the app's side of sign-in:
verify, optionally bind to the request, then decrypt ``private_key`` (and ``core_token``) with
the transit key. Where the reference is lax it is strict here: no silent fallback to a plaintext
``private_key``, a ``core_token`` that fails to decrypt is an error, and versions compare as
numbers (the reference believes 2.0.0 < 1.1.0).
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
from .auth_request import PROTOCOL_VERSION, AuthRequest, _is_unicode
from .checks import Check, CheckRunner
from .claims import (
    DEFAULT_LEEWAY,
    Timestamp,
    check_issuer,
    check_times,
    issuer_address,
    parse_version,
    resolve_now,
    single_public_key,
    to_seconds,
)
from .did import DID_PREFIX
from .ecies import unwrap_private_key, wrap_private_key
from .encoding import is_hex
from .errors import (
    InvalidArgumentError,
    InvalidClaimError,
    InvalidKeyError,
    PlaintextKeyError,
    ReplayedTokenError,
    RequestMismatchError,
    UnsupportedVersionError,
)
from .gaia import make_association_token
from .keys import normalize_private_key, parse_private_key, public_key_bytes
from .origins import strict_origin_of
from .replay import ReplayCache, replay_key

if TYPE_CHECKING:
    from .wallet import Account

__all__ = [
    "DEFAULT_HUB_URL",
    "AuthResponse",
    "UserData",
    "check_auth_response",
    "decode_auth_response",
    "make_auth_response",
    "make_auth_response_for_request",
    "verify_auth_response",
]

DEFAULT_HUB_URL = "https://hub.blockstack.org"
DEFAULT_RESPONSE_LIFETIME = 30 * 24 * 3600.0
_NO_EXPIRY_RETENTION = 365 * 24 * 3600.0
_V1_1 = (1, 1, 0)
_V1_2 = (1, 2, 0)
_V1_3 = (1, 3, 0)


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


@dataclass(frozen=True, slots=True)
class UserData:
    """What the app keeps after sign-in (the fields of stacks.js ``UserData``).

    ``app_private_key`` is None for accounts that cannot derive app keys (hardware wallets).
    """

    app_private_key: str | None
    core_session_token: str | None
    hub_url: str
    decentralized_id: str
    identity_address: str
    profile: dict[str, Any] | None
    email: str | None
    gaia_association_token: str | None
    app_private_key_from_wallet_salt: str | None
    auth_response_token: str
    core_node: str | None
    profile_url: str | None
    response: AuthResponse


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
            PrivateKey(bytes.fromhex(app_key)).public_key.format(compressed=True).hex(),
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


def _check_claim_types(payload: dict[str, Any]) -> None:
    jti = payload.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise InvalidClaimError("jti must be a non-empty string")
    if not _is_unicode(jti):
        raise InvalidClaimError("jti contains a lone surrogate (not valid Unicode)")
    for name in _OPTIONAL_STRINGS:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidClaimError(f"{name} must be a string or null")
    profile = payload.get("profile")
    if profile is not None and not isinstance(profile, dict):
        raise InvalidClaimError("profile must be an object or null")
    hub = payload.get("hubUrl")
    if hub is not None:
        try:
            strict_origin_of(hub)
        except InvalidArgumentError:
            raise InvalidClaimError("hubUrl must be an http(s) URL") from None
    parse_version(payload.get("version"))


def _consume(cache: ReplayCache, payload: dict[str, Any], now: float, leeway: float) -> None:
    exp = payload.get("exp") or None
    until = now + _NO_EXPIRY_RETENTION if exp is None else exp + leeway
    if cache.seen(replay_key(payload["iss"], payload["jti"]), until):
        raise ReplayedTokenError("this token has been used before")


def _evaluate(
    token: str,
    *,
    now: Timestamp | None,
    leeway: float,
    require_exp: bool,
    max_lifetime: float | None,
    max_size: int,
    collect: bool,
) -> tuple[AuthResponse | None, float, CheckRunner]:
    run = CheckRunner(collect)
    current = resolve_now(now)
    decoded = run("format", jwt.decode, token, max_size=max_size)
    if decoded is None:
        return None, current, run
    payload = decoded.payload
    run("algorithm", jwt.check_algorithm, decoded.header)
    key = run("public_keys", single_public_key, payload)
    address = run("issuer_format", issuer_address, payload)
    if key is not None:
        run("signature", jwt.check_signature, decoded.signing_input, decoded.signature, key[1])
        if address is not None:
            run("issuer", check_issuer, address, key[0])
    run(
        "times",
        check_times,
        payload,
        current,
        leeway=leeway,
        require_exp=require_exp,
        max_lifetime=max_lifetime,
    )
    run("claims", _check_claim_types, payload)
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
    """Verify an authResponse: format, ``alg`` exactly ES256K, one public key, a strict issuer
    DID matching it, the signature, ``iat``/``exp`` (see `authtokens.claims`) and claim types;
    then, with a ``replay_cache``, consume the ``jti``. Decrypts nothing (see
    `decode_auth_response`). Raises the `InvalidTokenError` subclass of the first failure.
    """
    response, current, _ = _evaluate(
        token,
        now=now,
        leeway=leeway,
        require_exp=require_exp,
        max_lifetime=max_lifetime,
        max_size=max_size,
        collect=False,
    )
    assert response is not None
    if replay_cache is not None:
        _consume(replay_cache, response.payload, current, leeway)
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
    response, _, run = _evaluate(
        token,
        now=now,
        leeway=leeway,
        require_exp=require_exp,
        max_lifetime=max_lifetime,
        max_size=max_size,
        collect=True,
    )
    return (response if run.ok else None), run.results


def _looks_plaintext(value: str) -> bool:
    return len(value) == 64 and is_hex(value)


def _secret_field(
    value: str | None, transit_secret: bytes, *, allow_plaintext: bool, what: str
) -> str | None:
    if value is None:
        return None
    if _looks_plaintext(value):
        if not allow_plaintext:
            raise PlaintextKeyError(f"{what} is not encrypted to the transit key")
        return value
    return unwrap_private_key(transit_secret, value)


def _bind(
    response: AuthResponse, request: AuthRequest, transit_public: bytes, leeway: float
) -> None:
    if public_key_bytes(request.public_key) != transit_public:
        raise RequestMismatchError("the transit key is not the one this request was made with")
    if response.iat + leeway < request.iat:
        raise RequestMismatchError("the response was issued before the request")
    state = request.payload.get("state")
    echoed = response.payload.get("state")
    if state is not None and echoed is not None and state != echoed:
        raise RequestMismatchError("the response's state does not match the request's")


def decode_auth_response(
    token: str,
    transit_private_key: str | bytes,
    *,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    request: AuthRequest | None = None,
    replay_cache: ReplayCache | None = None,
    allow_plaintext_key: bool = False,
    allow_legacy_version: bool = False,
    require_exp: bool = True,
    max_lifetime: float | None = None,
    default_hub_url: str = DEFAULT_HUB_URL,
    max_size: int = jwt.MAX_TOKEN_SIZE,
) -> UserData:
    """The app's side of sign-in: verify the response, then decrypt what it carries.

    Order: parse the transit key (a malformed one is the caller's `InvalidKeyError`); verify as
    `verify_auth_response`; with ``request``, check the response belongs to it (the transit key
    is the request's, it was not issued before the request, an echoed ``state`` matches:
    `RequestMismatchError`); gate the version; decrypt ``private_key``, ``core_token`` and
    ``appPrivateKeyFromWalletSalt``; finally, with a ``replay_cache``, consume the ``jti``.

    Versions compare as numbers. An explicit version below 1.1.0 raises
    `UnsupportedVersionError` unless ``allow_legacy_version``. A plaintext ``private_key``
    raises `PlaintextKeyError` unless ``allow_plaintext_key`` (the reference silently accepts
    it). Any field that fails to decrypt raises one `DecryptionError`. A response with
    ``private_key: null`` (hardware-wallet accounts) gives ``app_private_key=None``.
    ``appPrivateKeyFromWalletSalt`` is decrypted when encrypted and accepted in clear, since
    every reference wallet sends it so. The hub URL falls back to ``default_hub_url`` below
    version 1.2.0, and the association token is kept from 1.3.0 on, as stacks.js does.
    """
    transit_secret = parse_private_key(transit_private_key)
    response, current, _ = _evaluate(
        token,
        now=now,
        leeway=leeway,
        require_exp=require_exp,
        max_lifetime=max_lifetime,
        max_size=max_size,
        collect=False,
    )
    assert response is not None
    if request is not None:
        transit_public = PrivateKey(transit_secret).public_key.format(compressed=True)
        _bind(response, request, transit_public, leeway)
    version = parse_version(response.version)
    legacy = version is not None and version < _V1_1
    if legacy and not allow_legacy_version:
        raise UnsupportedVersionError(f"protocol version {response.version} is below 1.1.0")
    app_key = _secret_field(
        response.private_key,
        transit_secret,
        allow_plaintext=allow_plaintext_key,
        what="private_key",
    )
    if app_key is not None:
        app_key = _decrypted_key(app_key, "private_key")
    core = response.core_token
    # A response whose app key travelled in clear (accepted above only by explicit consent)
    # has its core token in clear too; otherwise it must decrypt.
    encrypted = response.private_key is None or not _looks_plaintext(response.private_key)
    if core is not None and not legacy and encrypted:
        core = unwrap_private_key(transit_secret, core)
    salt_key = response.app_private_key_from_wallet_salt
    if salt_key is not None:
        # Every reference wallet sends this one in clear (stacks.js#1212), so clear is accepted.
        salt_key = _secret_field(
            salt_key, transit_secret, allow_plaintext=True, what="appPrivateKeyFromWalletSalt"
        )
        if salt_key is not None:
            salt_key = _decrypted_key(salt_key, "appPrivateKeyFromWalletSalt")
    hub = (
        response.hub_url if version is not None and version >= _V1_2 and response.hub_url else None
    )
    association = response.association_token if version is not None and version >= _V1_3 else None
    if replay_cache is not None:
        _consume(replay_cache, response.payload, current, leeway)
    return UserData(
        app_private_key=app_key,
        core_session_token=core,
        hub_url=hub or default_hub_url,
        decentralized_id=response.iss,
        identity_address=response.identity_address,
        profile=response.profile,
        email=response.email,
        gaia_association_token=association,
        app_private_key_from_wallet_salt=salt_key,
        auth_response_token=token,
        core_node=response.blockstack_api_url,
        profile_url=response.profile_url,
        response=response,
    )


def _decrypted_key(value: str, what: str) -> str:
    """A decrypted app key must be a valid secp256k1 private key."""
    try:
        return normalize_private_key(value)
    except InvalidKeyError:
        raise InvalidClaimError(f"{what} does not hold a valid private key") from None
