"""The public keys a client may sign in with, parsed strictly, and their canonical ids.

Accepted forms (challenge-login.md §4.2):

=====================================  ==========  ===========================================
input                                  key         canonical id (the session token's ``sub``)
=====================================  ==========  ===========================================
libp2p string ``bbaarei…`` (59 chars)  Ed25519     ``ed25519:<the libp2p string>``
64 hex / 43 base64url characters       Ed25519     ``ed25519:<libp2p string of the key>``
JWK ``{"kty":"OKP","crv":"Ed25519"}``  Ed25519     as above
libp2p string ``bbabbei…`` (61 chars)  secp256k1   ``secp256k1:<compressed hex>``
66 hex starting ``02``/``03``          secp256k1   as above
JWK ``{"kty":"EC","crv":"secp256k1"}`` secp256k1   as above
Stacks address (+ optional key)        secp256k1   ``stx:<address>``
=====================================  ==========  ===========================================

A libp2p key string is multibase base32 (``'b'``, lowercase, unpadded) of the libp2p-crypto
``PublicKey`` protobuf ``{1: KeyType, 2: Data}``. Uncompressed secp256k1 keys, other libp2p key
types and anything else are refused with `InvalidRequestError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from .. import ed25519
from ..addresses import (
    STACKS_MAINNET,
    STACKS_TESTNET,
    c32check_encode,
    parse_stacks_address,
    stacks_address,
)
from ..encoding import b64url_decode, multibase_b32_decode, multibase_b32_encode
from ..errors import InvalidAddressError, InvalidEncodingError, InvalidKeyError, InvalidRequestError
from ..keys import parse_public_key

__all__ = [
    "ClientKey",
    "KeyType",
    "libp2p_decode",
    "libp2p_encode",
    "parse_client_key",
]

KeyType = Literal["ed25519", "secp256k1"]

_LIBP2P_ED25519 = 1
_LIBP2P_SECP256K1 = 2
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_HEX66 = re.compile(r"0[23][0-9a-fA-F]{64}")
_B64URL43 = re.compile(r"[A-Za-z0-9_-]{43}")
_MAX_KEY_CHARS = 200


@dataclass(frozen=True, slots=True)
class ClientKey:
    """A parsed client key.

    ``public_key`` is the raw key (32 bytes Ed25519, 33 bytes compressed secp256k1; empty for a
    Stacks address given without its key, to be recovered from the signature). ``display`` is
    what the challenge text shows (the libp2p string, or the Stacks address). ``address`` is
    set when the client identified itself by a Stacks address.
    """

    key_type: KeyType
    public_key: bytes
    key_id: str
    display: str
    address: str = ""

    @property
    def pubkey_string(self) -> str:
        """The bare key string Textile-style clients compare (libp2p string or hex)."""
        if self.key_type == "ed25519":
            return libp2p_encode(_LIBP2P_ED25519, self.public_key)
        return self.public_key.hex()


def libp2p_encode(key_type: int, data: bytes) -> str:
    """Multibase base32 of the libp2p ``PublicKey`` protobuf (``08 <type> 12 <len> <data>``)."""
    return multibase_b32_encode(bytes((0x08, key_type, 0x12, len(data))) + data)


def libp2p_decode(text: str) -> tuple[int, bytes]:
    """``(key type, key bytes)`` of a libp2p public-key string, strictly (canonical only)."""
    if len(text) > _MAX_KEY_CHARS:
        raise InvalidRequestError("libp2p key is too long")
    try:
        proto = multibase_b32_decode(text, what="libp2p key")
    except InvalidEncodingError as exc:
        raise InvalidRequestError(str(exc)) from None
    if len(proto) < 4 or proto[0] != 0x08 or proto[2] != 0x12 or proto[3] != len(proto) - 4:
        raise InvalidRequestError("libp2p key is not a PublicKey protobuf")
    # multibase_b32_decode refused non-canonical text, so one key has exactly one string.
    return proto[1], proto[4:]


def _check_ed25519_public_key(raw: bytes) -> None:
    # Small-order keys let a fixed signature verify for every message (issue 11 item 3).
    try:
        ed25519.check_public_key(raw)
    except InvalidKeyError as exc:
        raise InvalidRequestError(str(exc)) from None


def _ed25519(raw: bytes) -> ClientKey:
    if len(raw) != 32:
        raise InvalidRequestError(f"Ed25519 key must be 32 bytes, got {len(raw)}")
    _check_ed25519_public_key(raw)
    text = libp2p_encode(_LIBP2P_ED25519, raw)
    return ClientKey("ed25519", raw, "ed25519:" + text, text)


def _secp256k1(raw: bytes, network: int) -> ClientKey:
    if len(raw) != 33:
        raise InvalidRequestError("secp256k1 key must be 33 bytes (compressed)")
    try:
        compressed: bytes = parse_public_key(raw).format(compressed=True)
    except InvalidKeyError:
        raise InvalidRequestError("secp256k1 key is not a valid compressed point") from None
    return ClientKey(
        "secp256k1",
        compressed,
        "secp256k1:" + compressed.hex(),
        stacks_address(compressed, network),
    )


def _from_address(address: str, public_key: Any) -> ClientKey:
    # c32check reads lower case, O and I/L too: one account, one spelling (the canonical one)
    # in the key id and the challenge text. Empty and other non-20-byte payloads are refused.
    try:
        version, hash160 = parse_stacks_address(address)
    except InvalidAddressError:
        raise InvalidRequestError("Stacks address is malformed") from None
    address = c32check_encode(version, hash160)  # canonical_stacks_address, parsed once
    if version not in (STACKS_MAINNET, STACKS_TESTNET):
        raise InvalidRequestError("only single-signature Stacks addresses can sign in")
    raw = b""
    if public_key is not None:
        if not isinstance(public_key, str) or not _HEX66.fullmatch(public_key):
            raise InvalidRequestError("publicKey must be 66 hex characters")
        key = _secp256k1(bytes.fromhex(public_key), version)
        if key.display != address:
            raise InvalidRequestError("publicKey does not belong to the Stacks address")
        raw = key.public_key
    return ClientKey("secp256k1", raw, "stx:" + address, address, address)


def _from_jwk(jwk: dict[str, Any], network: int) -> ClientKey:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    try:
        if kty == "OKP" and crv == "Ed25519" and isinstance(jwk.get("x"), str):
            return _ed25519(b64url_decode(jwk["x"], what="JWK x"))
        if kty == "EC" and crv == "secp256k1":
            x, y = jwk.get("x"), jwk.get("y")
            if isinstance(x, str) and isinstance(y, str):
                xb, yb = b64url_decode(x, what="JWK x"), b64url_decode(y, what="JWK y")
                if len(xb) == 32 and len(yb) == 32:
                    key = _secp256k1(bytes((2 + (yb[-1] & 1),)) + xb, network)
                    full: bytes = parse_public_key(key.public_key).format(compressed=False)
                    if full[33:] != yb:
                        raise InvalidRequestError("JWK point is not on secp256k1")
                    return key
    except InvalidEncodingError:
        raise InvalidRequestError("JWK coordinates are not base64url") from None
    raise InvalidRequestError("JWK must be an Ed25519 OKP key or a secp256k1 EC key")


def parse_client_key(
    pubkey: Any, *, address: Any = None, network: int = STACKS_MAINNET
) -> ClientKey:
    """Parse what a client sent as its key (see the module table); `InvalidRequestError` else.

    ``address`` is an optional Stacks address; with it, ``pubkey`` may be None (the key is
    then recovered from the signature) or must be the address's 66-hex key. ``network`` is the
    Stacks address version used to display bare secp256k1 keys.
    """
    if address is not None:
        if not isinstance(address, str) or len(address) > _MAX_KEY_CHARS:
            raise InvalidRequestError("address must be a Stacks address string")
        return _from_address(address, pubkey)
    if isinstance(pubkey, dict):
        return _from_jwk(pubkey, network)
    if not isinstance(pubkey, str) or not pubkey or len(pubkey) > _MAX_KEY_CHARS:
        raise InvalidRequestError("pubkey must be a non-empty key string")
    if _HEX66.fullmatch(pubkey):
        return _secp256k1(bytes.fromhex(pubkey), network)
    if _HEX64.fullmatch(pubkey):
        return _ed25519(bytes.fromhex(pubkey))
    if _B64URL43.fullmatch(pubkey):
        try:
            return _ed25519(b64url_decode(pubkey, what="Ed25519 key"))
        except InvalidEncodingError:
            raise InvalidRequestError("Ed25519 key is not canonical base64url") from None
    if pubkey.startswith("b"):
        key_type, data = libp2p_decode(pubkey)
        if key_type == _LIBP2P_ED25519:
            return _ed25519(data)
        if key_type == _LIBP2P_SECP256K1:
            return _secp256k1(data, network)
        raise InvalidRequestError(f"libp2p key type {key_type} is not supported")
    if pubkey[:2] in ("SP", "ST"):
        return _from_address(pubkey, None)
    raise InvalidRequestError("pubkey is not a recognised key form")
