"""secp256k1 keys at the API boundary: parse once, strictly, and hand out hex.

Private keys are 64 hex characters (a 66-character form ending in ``01``, which the JS
ecosystem calls "compressed", is accepted and normalised). Public keys are returned compressed
(33 bytes, 66 hex); uncompressed 65-byte keys are accepted on input. Hybrid encodings
(``06``/``07``), x-only keys and points not on the curve are refused.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from coincurve import PrivateKey, PublicKey

from .encoding import hex_decode
from .errors import InvalidEncodingError, InvalidKeyError

__all__ = [
    "CURVE_ORDER",
    "generate_transit_key",
    "get_public_key",
    "normalize_private_key",
    "parse_private_key",
    "parse_public_key",
    "public_key_bytes",
    "random_scalar",
]

CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_ORDER = CURVE_ORDER // 2


def parse_private_key(private_key: str | bytes) -> bytes:
    """The 32-byte scalar of a private key given as hex (64, or 66 ending in ``01``) or bytes.

    Raises `InvalidKeyError` for anything else, including 0 and values >= the curve order.
    """
    if isinstance(private_key, bytes | bytearray):
        secret = bytes(private_key)
        if len(secret) == 33 and secret[32] == 1:
            secret = secret[:32]
        if len(secret) != 32:
            raise InvalidKeyError(f"private key must be 32 bytes, got {len(secret)}")
    elif isinstance(private_key, str):
        text = private_key[2:] if private_key[:2] in ("0x", "0X") else private_key
        if len(text) == 66 and text[64:] == "01":
            text = text[:64]
        if len(text) != 64:
            raise InvalidKeyError(
                f"private key must be 64 hex characters (or 66 ending in 01), got {len(text)}"
            )
        try:
            secret = hex_decode(text, what="private key")
        except InvalidEncodingError:
            raise InvalidKeyError("private key is not valid hex") from None
    else:
        raise InvalidKeyError(f"private key must be a hex string, got {type(private_key).__name__}")
    if not 0 < int.from_bytes(secret, "big") < CURVE_ORDER:
        raise InvalidKeyError("private key is out of range for secp256k1")
    return secret


def normalize_private_key(private_key: str | bytes) -> str:
    """A private key as 64 lowercase hex characters (see `parse_private_key`)."""
    return parse_private_key(private_key).hex()


@lru_cache(maxsize=4096)
def _public_key_from_bytes(data: bytes) -> PublicKey:
    if len(data) == 33:
        if data[0] not in (2, 3):
            raise InvalidKeyError("compressed public key must start with 02 or 03")
    elif len(data) == 65:
        if data[0] != 4:
            raise InvalidKeyError("uncompressed public key must start with 04")
    else:
        raise InvalidKeyError(
            f"public key must be 33 bytes (compressed) or 65 bytes (uncompressed), got {len(data)}"
        )
    try:
        return PublicKey(data)
    except ValueError:
        raise InvalidKeyError("public key is not a point on secp256k1") from None


def parse_public_key(public_key: str | bytes) -> PublicKey:
    """Parse a public key (66- or 130-hex, or 33/65 bytes) into a curve point.

    Raises `InvalidKeyError` for other lengths, hybrid or x-only encodings and off-curve points.
    Parsed keys are cached: verifying many tokens from one key parses it once.
    """
    if isinstance(public_key, str):
        if len(public_key) not in (66, 130):
            raise InvalidKeyError(
                "public key must be 66 hex characters (compressed) or 130 (uncompressed), "
                f"got {len(public_key)}"
            )
        try:
            data = hex_decode(public_key, what="public key")
        except InvalidEncodingError:
            raise InvalidKeyError("public key is not valid hex") from None
    elif isinstance(public_key, bytes | bytearray):
        data = bytes(public_key)
    else:
        raise InvalidKeyError(f"public key must be a hex string, got {type(public_key).__name__}")
    return _public_key_from_bytes(data)


def public_key_bytes(public_key: str | bytes) -> bytes:
    """The compressed 33-byte form of a public key (validated)."""
    point: PublicKey = parse_public_key(public_key)
    out: bytes = point.format(compressed=True)
    return out


def get_public_key(private_key: str | bytes) -> str:
    """The compressed public key (66 lowercase hex) of a private key."""
    out: bytes = PrivateKey(parse_private_key(private_key)).public_key.format(compressed=True)
    return out.hex()


def random_scalar() -> bytes:
    """A uniformly random secp256k1 private key (32 bytes in [1, n)) from the OS CSPRNG.

    Rejection sampling: the chance of a retry is about 2**-128."""
    while True:
        secret = secrets.token_bytes(32)
        if 0 < int.from_bytes(secret, "big") < CURVE_ORDER:
            return secret


def generate_transit_key() -> str:
    """A new secp256k1 private key from the OS CSPRNG, as 64 lowercase hex characters."""
    return random_scalar().hex()
