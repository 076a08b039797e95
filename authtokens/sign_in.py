"""The app's side of sign-in: an authResponse in, a verified `UserData` out.

`decode_auth_response` verifies the response (`authtokens.auth_response`), optionally binds it
to the request it answers, gates the protocol version, and decrypts ``private_key`` (and
``core_token``, ``appPrivateKeyFromWalletSalt``) with the transit key. Where the reference's
``handlePendingSignIn`` is lax it is strict here: no silent fallback to a plaintext
``private_key``, a ``core_token`` that fails to decrypt is an error, versions compare as numbers
(the reference believes 2.0.0 < 1.1.0), and the profile is never fetched from ``profile_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coincurve import PrivateKey

from . import jwt
from .auth_request import AuthRequest
from .auth_response import DEFAULT_HUB_URL, AuthResponse, evaluate
from .claims import DEFAULT_LEEWAY, Timestamp, VerifyPolicy, parse_version
from .ecies import unwrap_private_key
from .encoding import is_hex
from .errors import (
    InvalidClaimError,
    InvalidKeyError,
    PlaintextKeyError,
    RequestMismatchError,
    UnboundResponseError,
    UnsupportedVersionError,
)
from .keys import normalize_private_key, parse_private_key, public_key_bytes
from .replay import ReplayCache, consume

__all__ = ["DEFAULT_HUB_URL", "UserData", "decode_auth_response"]

_V1_1 = (1, 1, 0)
_V1_2 = (1, 2, 0)
_V1_3 = (1, 3, 0)


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
    response: AuthResponse,
    request: AuthRequest,
    transit_public: bytes,
    leeway: float,
    allow_unbound: bool,
) -> None:
    if response.private_key is None and not allow_unbound:
        # Only an encrypted private_key ties a response to this request's transit key: a
        # null one (hardware-wallet accounts) could have been minted for any app.
        raise UnboundResponseError(
            "the response has private_key null, so nothing binds it to this request "
            "(allow_unbound_response=True accepts it; see SECURITY.md)"
        )
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
    allow_unbound_response: bool = False,
    require_exp: bool = True,
    max_lifetime: float | None = None,
    default_hub_url: str = DEFAULT_HUB_URL,
    max_size: int = jwt.MAX_TOKEN_SIZE,
) -> UserData:
    """The app's side of sign-in: verify the response, then decrypt what it carries.

    Order: parse the transit key (a malformed one is the caller's `InvalidKeyError`); verify as
    `verify_auth_response`; with ``request``, check the response belongs to it (the transit key
    is the request's, it was not issued before the request, an echoed ``state`` matches:
    `RequestMismatchError`; and it carries an encrypted ``private_key``: a ``private_key: null``
    response raises `UnboundResponseError` unless ``allow_unbound_response=True``, since
    nothing in it ties it to this app, see SECURITY.md); gate the version; decrypt
    ``private_key``, ``core_token`` and ``appPrivateKeyFromWalletSalt``; finally, with a
    ``replay_cache``, consume the ``jti``.

    Versions compare as numbers. An explicit version below 1.1.0 raises
    `UnsupportedVersionError` unless ``allow_legacy_version``. A plaintext ``private_key``
    raises `PlaintextKeyError` unless ``allow_plaintext_key`` (the reference silently accepts
    it). Any field that fails to decrypt raises one `DecryptionError`. A response with
    ``private_key: null`` (hardware-wallet accounts) gives ``app_private_key=None``: accepted
    without a ``request`` (as before), and with one only when ``allow_unbound_response``.
    ``appPrivateKeyFromWalletSalt`` is decrypted when encrypted and accepted in clear, since
    every reference wallet sends it so. The hub URL falls back to ``default_hub_url`` below
    version 1.2.0, and the association token is kept from 1.3.0 on, as stacks.js does.
    """
    transit_secret = parse_private_key(transit_private_key)
    policy = VerifyPolicy(
        leeway=leeway, require_exp=require_exp, max_lifetime=max_lifetime, max_size=max_size
    )
    response, current, _ = evaluate(token, now=now, policy=policy, collect=False)
    assert response is not None  # collect=False raises on the first failure
    if request is not None:
        transit_public = PrivateKey(transit_secret).public_key.format(compressed=True)
        _bind(response, request, transit_public, leeway, allow_unbound_response)
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
        consume(replay_cache, response.payload, current, leeway)
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
