"""The Gaia association token a wallet puts in the authResponse (spec §8.2).

An ES256K JWT signed by the identity key that lets the app's key write to the user's Gaia hub:
payload ``childToAssociate`` (the app public key), ``iss`` (the identity public key hex, not a
DID), ``exp`` and ``iat`` in float seconds as JS writes them (``nowMs / 1000``), and a 16-byte
random ``salt``.
"""

from __future__ import annotations

import secrets
from typing import Any

from coincurve import PrivateKey

from . import jwt
from .claims import Timestamp, resolve_now
from .errors import IssuerMismatchError
from .keys import parse_private_key, public_key_bytes

__all__ = ["ASSOCIATION_LIFETIME", "make_association_token", "verify_association_token"]

ASSOCIATION_LIFETIME = 365 * 24 * 3600.0


def _js_seconds(value: float) -> int | float:
    # JS divides milliseconds by 1000: whole seconds print as integers, others with 3 decimals.
    millis = round(value * 1000)
    return millis // 1000 if millis % 1000 == 0 else millis / 1000


def make_association_token(
    identity_private_key: str | bytes,
    app_public_key: str,
    *,
    now: Timestamp | None = None,
    lifetime: float = ASSOCIATION_LIFETIME,
    salt: str | None = None,
) -> str:
    """Sign a Gaia association token binding ``app_public_key`` to the identity key."""
    key = PrivateKey(parse_private_key(identity_private_key))
    child = public_key_bytes(app_public_key).hex()
    issued = resolve_now(now)
    payload: dict[str, Any] = {
        "childToAssociate": child,
        "iss": key.public_key.format(compressed=True).hex(),
        "exp": _js_seconds(issued + lifetime),
        "iat": _js_seconds(issued),
        "salt": secrets.token_hex(16) if salt is None else salt,
    }
    return jwt.sign_with_key(payload, key)


def verify_association_token(token: str, identity_public_key: str) -> jwt.DecodedToken:
    """Verify an association token's signature against the identity public key (hex), which
    must also be its ``iss``. Times are not checked here. Raises `InvalidTokenError`."""
    decoded = jwt.verify(token, identity_public_key)
    if decoded.payload.get("iss") != public_key_bytes(identity_public_key).hex():
        raise IssuerMismatchError("association token iss is not the identity public key")
    return decoded
