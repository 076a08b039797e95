"""Hex and base64url, strict at the boundary.

Hex input accepts upper case and a ``0x`` prefix (what the JS ecosystem passes around) and
nothing else: no whitespace, no odd lengths. Base64url input accepts only the URL-safe alphabet,
no padding, and canonical trailing bits, so one byte string has exactly one encoding.
"""

from __future__ import annotations

import base64
import binascii

from .errors import InvalidEncodingError

__all__ = [
    "b64url_decode",
    "b64url_encode",
    "hex_decode",
    "hex_encode",
    "multibase_b32_decode",
    "multibase_b32_encode",
]

_HEXDIGITS = frozenset("0123456789abcdefABCDEF")
_B64URL_INDEX = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}
# One pass maps the URL-safe alphabet to the standard one and turns "+", "/" and "=" (not
# base64url) into "!", which the strict decoder then refuses.
_TO_STD = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING = (b"", None, b"==", b"=")


def hex_encode(data: bytes) -> str:
    """Lowercase hex of ``data``."""
    return data.hex()


def hex_decode(
    value: str, *, length: int | None = None, what: str = "hex value", allow_prefix: bool = True
) -> bytes:
    """Decode hex (either case; an optional ``0x`` unless ``allow_prefix=False``); raise
    `InvalidEncodingError` otherwise.

    With ``length``, the result must be exactly that many bytes.
    """
    if not isinstance(value, str):
        raise InvalidEncodingError(f"{what} must be a hex string, got {type(value).__name__}")
    if allow_prefix and value[:2] in ("0x", "0X"):
        value = value[2:]
    # bytes.fromhex skips whitespace, so the length check below is what rejects it.
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise InvalidEncodingError(f"{what} is not valid hex") from None
    if len(data) * 2 != len(value):
        raise InvalidEncodingError(f"{what} is not valid hex")
    if length is not None and len(data) != length:
        raise InvalidEncodingError(
            f"{what} must be {length} bytes ({2 * length} hex characters), got {len(data)} bytes"
        )
    return data


def is_hex(value: str) -> bool:
    """True when ``value`` is a non-empty even-length string of hex digits (no prefix)."""
    return bool(value) and len(value) % 2 == 0 and _HEXDIGITS.issuperset(value)


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as jsontokens writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(value: str, *, what: str = "base64url value") -> bytes:
    """Decode unpadded base64url strictly; raise `InvalidEncodingError` otherwise.

    Rejects characters outside ``A-Z a-z 0-9 - _`` (including ``=``, ``+``, ``/`` and
    whitespace), impossible lengths, and non-zero trailing bits.
    """
    if not isinstance(value, str):
        raise InvalidEncodingError(f"{what} must be a string, got {type(value).__name__}")
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidEncodingError(
            f"{what} contains characters outside the base64url alphabet"
        ) from None
    pad = _PADDING[len(raw) % 4]
    if pad is None:
        raise InvalidEncodingError(f"{what} has an impossible length ({len(raw)})")
    try:
        data = binascii.a2b_base64(raw.translate(_TO_STD) + pad, strict_mode=True)
    except binascii.Error:
        raise InvalidEncodingError(
            f"{what} contains characters outside the base64url alphabet"
        ) from None
    if pad:
        # The last character carries 2 (pad "==") or 4 (pad "=") unused bits; they must be zero
        # or several strings would decode to the same bytes.
        mask = 0x0F if len(pad) == 2 else 0x03
        if _B64URL_INDEX[value[-1]] & mask:
            raise InvalidEncodingError(f"{what} has non-canonical trailing bits")
    return data


def multibase_b32_encode(data: bytes) -> str:
    """Multibase base32: ``"b"`` + lowercase RFC 4648 base32, unpadded (libp2p keys, Textile)."""
    return "b" + base64.b32encode(data).decode("ascii").rstrip("=").lower()


def multibase_b32_decode(value: str, *, what: str = "multibase value") -> bytes:
    """Decode `multibase_b32_encode` output strictly: the ``b`` prefix, the lowercase alphabet,
    no padding, canonical trailing bits. Raises `InvalidEncodingError` otherwise."""
    if not isinstance(value, str) or not value.startswith("b") or len(value) < 2:
        raise InvalidEncodingError(f"{what} must be multibase base32 (a 'b' prefix)")
    body = value[1:]
    if not body.isascii() or body != body.lower() or "=" in body:
        raise InvalidEncodingError(f"{what} is not lowercase unpadded base32")
    try:
        data = base64.b32decode(body.upper() + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise InvalidEncodingError(f"{what} is not valid base32") from None
    if multibase_b32_encode(data) != value:
        raise InvalidEncodingError(f"{what} is not in canonical form")
    return data
