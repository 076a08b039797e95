"""ECDSA over secp256k1: deterministic signing, strict verification, strict DER.

Signatures travel as 64 raw bytes ``r || s`` (JOSE form). Verification accepts high S, as
every Stacks verifier must (jsontokens and wallets emit it), and refuses r or s outside
[1, n-1]. Signing uses the RFC 6979 nonce; ``low_s=False`` keeps the S that the plain RFC 6979
computation gives, which is what jsontokens writes.
"""

from __future__ import annotations

import hmac

from coincurve import PrivateKey, PublicKey

from .errors import AuthTokenError, InvalidSignatureError
from .keys import CURVE_ORDER, HALF_ORDER

__all__ = [
    "der_decode",
    "der_encode",
    "recover_digest",
    "rfc6979_nonce",
    "sign_digest",
    "sign_digest_recoverable",
    "verify_digest",
]


def rfc6979_nonce(secret: bytes, digest: bytes) -> bytes:
    """The first RFC 6979 (HMAC-SHA256) nonce for ``digest``, as noble-secp256k1 derives it."""
    h1 = (int.from_bytes(digest, "big") % CURVE_ORDER).to_bytes(32, "big")
    v = b"\x01" * 32
    k = b"\x00" * 32
    k = hmac.digest(k, v + b"\x00" + secret + h1, "sha256")
    v = hmac.digest(k, v, "sha256")
    k = hmac.digest(k, v + b"\x01" + secret + h1, "sha256")
    v = hmac.digest(k, v, "sha256")
    while True:
        v = hmac.digest(k, v, "sha256")
        if 0 < int.from_bytes(v, "big") < CURVE_ORDER:
            return v
        k = hmac.digest(k, v + b"\x00", "sha256")
        v = hmac.digest(k, v, "sha256")


def sign_digest(key: bytes | PrivateKey, digest: bytes, *, low_s: bool = True) -> bytes:
    """64-byte ``r || s`` over a 32-byte digest with the RFC 6979 nonce.

    ``key`` is a 32-byte secret (already validated) or a coincurve `PrivateKey`.
    """
    if not isinstance(key, PrivateKey):
        key = PrivateKey(key)
    recoverable: bytes = key.sign_recoverable(digest, hasher=None)
    if low_s:
        return recoverable[:64]
    # libsecp256k1 uses the same RFC 6979 nonce but always returns low S, flipping the recovery
    # id's parity bit when it negates S. Recomputing R = kG (constant time, in libsecp256k1)
    # tells whether it did, and so whether the raw S that jsontokens writes is n - s.
    nonce_point: bytes = PrivateKey(rfc6979_nonce(key.secret, digest)).public_key.format()
    r = recoverable[:32]
    if (int.from_bytes(nonce_point[1:], "big") % CURVE_ORDER).to_bytes(32, "big") != r:
        raise AuthTokenError("internal error: nonce derivation disagrees with libsecp256k1")
    if (recoverable[64] & 1) == (nonce_point[0] & 1):
        return recoverable[:64]
    s = CURVE_ORDER - int.from_bytes(recoverable[32:64], "big")
    return r + s.to_bytes(32, "big")


def _der_int(value: int) -> bytes:
    data = value.to_bytes((value.bit_length() + 8) // 8, "big")  # room for a sign bit
    return b"\x02" + bytes((len(data),)) + data


def _to_der(r: int, s: int) -> bytes:
    body = _der_int(r) + _der_int(s)
    return b"\x30" + bytes((len(body),)) + body


def der_encode(signature: bytes) -> bytes:
    """Strict DER of a 64-byte ``r || s`` signature."""
    if len(signature) != 64:
        raise InvalidSignatureError(f"signature must be 64 bytes, got {len(signature)}")
    return _to_der(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))


def der_decode(der: bytes) -> bytes:
    """64-byte ``r || s`` of a strict DER ECDSA signature.

    Refuses BER forms (long lengths, padding zeros), negative integers, trailing bytes and
    integers wider than 32 bytes, with `InvalidSignatureError`.
    """
    if len(der) < 8 or len(der) > 72 or der[0] != 0x30 or der[1] != len(der) - 2:
        raise InvalidSignatureError("signature is not a strict DER sequence")
    values = []
    pos = 2
    for _ in range(2):
        if pos + 2 > len(der) or der[pos] != 0x02:
            raise InvalidSignatureError("signature is not a strict DER sequence")
        size = der[pos + 1]
        start = pos + 2
        end = start + size
        if size == 0 or size > 33 or end > len(der):
            raise InvalidSignatureError("signature is not a strict DER sequence")
        body = der[start:end]
        if body[0] & 0x80:
            raise InvalidSignatureError("signature integer is negative")
        if size > 1 and body[0] == 0 and not body[1] & 0x80:
            raise InvalidSignatureError("signature integer has a superfluous leading zero")
        value = int.from_bytes(body, "big")
        if value.bit_length() > 256:
            raise InvalidSignatureError("signature integer is wider than 256 bits")
        values.append(value)
        pos = end
    if pos != len(der):
        raise InvalidSignatureError("signature has trailing bytes")
    return values[0].to_bytes(32, "big") + values[1].to_bytes(32, "big")


def verify_digest(digest: bytes, signature: bytes, public_key: PublicKey) -> None:
    """Verify a 64-byte ``r || s`` over a 32-byte digest; `InvalidSignatureError` on failure.

    High S is accepted (normalised before libsecp256k1 sees it); r or s outside [1, n-1] is
    refused.
    """
    if len(signature) != 64:
        raise InvalidSignatureError(f"signature must be 64 bytes, got {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
        raise InvalidSignatureError("signature r or s is out of range")
    if s > HALF_ORDER:
        s = CURVE_ORDER - s
    if not public_key.verify(_to_der(r, s), digest, hasher=None):
        raise InvalidSignatureError("signature does not verify")


def sign_digest_recoverable(key: bytes | PrivateKey, digest: bytes) -> bytes:
    """65-byte ``r || s || recovery id`` (low S, RFC 6979 nonce) over a 32-byte digest.

    This is the RSV form Stacks wallets return for ``stx_signMessage`` (stacks.js
    ``signMessageHashRsv``).
    """
    if not isinstance(key, PrivateKey):
        key = PrivateKey(key)
    out: bytes = key.sign_recoverable(digest, hasher=None)
    return out


def recover_digest(digest: bytes, signature: bytes, recovery_id: int) -> PublicKey:
    """The public key that made the 64-byte ``r || s`` over ``digest`` with ``recovery_id``.

    High S is accepted (S is negated and the recovery id's parity flipped, which names the same
    point). Raises `InvalidSignatureError` for r or s outside [1, n-1], a recovery id outside
    0..3, or a signature from which no point can be recovered.
    """
    if len(signature) != 64:
        raise InvalidSignatureError(f"signature must be 64 bytes, got {len(signature)}")
    if recovery_id not in (0, 1, 2, 3):
        raise InvalidSignatureError(f"recovery id must be 0..3, got {recovery_id}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
        raise InvalidSignatureError("signature r or s is out of range")
    if s > HALF_ORDER:  # libsecp256k1 wants low S; negating S flips the recovered point's parity
        s = CURVE_ORDER - s
        recovery_id ^= 1
    data = signature[:32] + s.to_bytes(32, "big") + bytes((recovery_id,))
    try:
        point: PublicKey = PublicKey.from_signature_and_message(data, digest, hasher=None)
    except (ValueError, TypeError):  # coincurve's way of saying "nothing to recover"
        raise InvalidSignatureError("no public key can be recovered from the signature") from None
    return point
