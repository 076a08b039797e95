"""Strict Ed25519: refuse small-order and non-canonical points before OpenSSL verifies.

OpenSSL's Ed25519 verification (RFC 8032 cofactorless equation ``[S]B = R + [k]A``) accepts a
public key of small order: with ``A`` the identity, the fixed signature ``R = B, S = 1`` verifies
for every message, so anyone can "prove" possession of such a key. This module adds the checks
libsodium's ``crypto_sign_verify_detached`` makes on top of RFC 8032:

- ``A`` and ``R`` must be canonical encodings: ``y < p``, and no sign bit on a point whose ``x`` is
  0 (``y = ±1``);
- ``A`` and ``R`` must not be one of the eight points of small order (the torsion subgroup; its
  canonical encodings are exactly the eight in `SMALL_ORDER_POINTS`);
- ``S < L`` (OpenSSL checks it too; checked here so the rule does not depend on the backend).

Pure functions over bytes, no I/O.
"""

from __future__ import annotations

from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import InvalidKeyError, InvalidSignatureError

__all__ = ["SMALL_ORDER_POINTS", "check_public_key", "verify_strict"]

_P: Final = 2**255 - 19
_L: Final = 2**252 + 27742317777372353535851937790883648493

# The canonical encodings of the eight points of order 1, 2, 4 and 8.
SMALL_ORDER_POINTS: Final = frozenset(
    bytes.fromhex(h)
    for h in (
        "0100000000000000000000000000000000000000000000000000000000000000",  # order 1
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
        "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
        "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    )
)


def _point_problem(encoding: bytes) -> str | None:
    """Why ``encoding`` is not an acceptable point (None when it passes)."""
    if len(encoding) != 32:
        return f"must be 32 bytes, got {len(encoding)}"
    y = int.from_bytes(encoding, "little") & ((1 << 255) - 1)
    if y >= _P:
        return "is not canonical (y >= p)"
    if encoding[31] & 0x80 and y in (1, _P - 1):
        return "is not canonical (sign bit on x = 0)"
    if encoding in SMALL_ORDER_POINTS:
        return "is a point of small order"
    return None


def check_public_key(public_key: bytes) -> bytes:
    """Return ``public_key`` if it is a canonical Ed25519 point outside the small-order subgroup.

    Raises `InvalidKeyError` otherwise (wrong length, ``y >= p``, negative zero, one of the eight
    small-order points, or not a point OpenSSL can load).
    """
    problem = _point_problem(public_key)
    if problem is not None:
        raise InvalidKeyError(f"Ed25519 public key {problem}")
    try:
        Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise InvalidKeyError("Ed25519 public key is invalid") from None
    return public_key


def verify_strict(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Verify a PureEdDSA ``signature`` with the checks in the module doc.

    Raises `InvalidSignatureError` for a bad key, a malformed or non-canonical signature, or one
    that does not verify.
    """
    if len(signature) != 64:
        raise InvalidSignatureError(f"Ed25519 signature must be 64 bytes, got {len(signature)}")
    try:
        check_public_key(public_key)
    except InvalidKeyError as exc:
        raise InvalidSignatureError(str(exc)) from None
    problem = _point_problem(signature[:32])
    if problem is not None:
        raise InvalidSignatureError(f"Ed25519 signature R {problem}")
    if int.from_bytes(signature[32:], "little") >= _L:
        raise InvalidSignatureError("Ed25519 signature S is not below the group order")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise InvalidSignatureError("Ed25519 signature does not verify") from None
