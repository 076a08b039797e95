"""The signature schemes, as one registry ``{name: Scheme(key types, verifier)}``, and the
tolerant decoding of signatures sent by clients.

Schemes (challenge-login.md §4.3), in `SCHEMES` order:

``ed25519-raw``
    PureEdDSA over the exact challenge bytes (the UTF-8 text); 64-byte signature.
``stacks-message``
    ECDSA secp256k1 over the ``stx_signMessage`` digest of the text; 65 bytes RSV or VRS, 64
    bytes r||s, or DER; high S accepted. The legacy prefix only when enabled.
``sip018``
    ECDSA over the SIP-018 digest of the structured login message; same encodings.
``jws-es256k``
    A compact ES256K JWS signed by the key, whose payload names the challenge ``nonce``, the
    server's ``aud`` and a current ``iat``/``exp``.
``libp2p-secp256k1``
    DER ECDSA over SHA-256 of the challenge bytes (go-libp2p/js-libp2p identities); off by
    default.

`verify_signature` looks the scheme up and runs its verifier. Every failure raises
`SignatureRejectedError` (or `InvalidRequestError` for a signature that cannot even be decoded);
nothing returns False.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, TypeGuard

from .. import ed25519
from .. import jwt as es256k_jws
from ..addresses import parse_stacks_address, stacks_address
from ..encoding import b64url_decode, hex_decode
from ..errors import (
    InvalidEncodingError,
    InvalidRequestError,
    InvalidTokenError,
    SignatureRejectedError,
    UnsupportedSchemeError,
)
from ..hashes import sha256
from ..keys import parse_public_key
from ..signatures import der_decode, recover_digest, verify_digest
from ..stacks_messages import hash_message, structured_data_hash
from .keys import ClientKey, KeyType
from .messages import SignedMessage

__all__ = [
    "ALL_SCHEMES",
    "DEFAULT_SCHEMES",
    "ED25519_SCHEMES",
    "SCHEMES",
    "SECP256K1_SCHEMES",
    "Expected",
    "Scheme",
    "check_scheme",
    "decode_signature",
    "default_scheme",
    "verify_ed25519",
    "verify_jws",
    "verify_secp256k1_digest",
    "verify_signature",
]

MAX_SIGNATURE_CHARS = 4096
_HEX = re.compile(r"(0x)?[0-9a-fA-F]*")


def default_scheme(key: ClientKey, *, libp2p: bool = False) -> str:
    """The scheme used when the client names none: by key type (libp2p secp256k1 keys sign
    the libp2p way; other secp256k1 keys are Stacks wallet keys)."""
    if key.key_type == "ed25519":
        return "ed25519-raw"
    return "libp2p-secp256k1" if libp2p else "stacks-message"


def decode_signature(value: Any, encoding: Any = None) -> bytes:
    """Signature bytes from Buffer-JSON ``{type:'Buffer', data:[…]}``, an int array, hex or
    base64url text. ``encoding`` (``"hex"``/``"base64url"``) forces the text reading; without it,
    text that is all hex digits with an even length is hex. `InvalidRequestError` otherwise.
    """
    if isinstance(value, dict):
        if value.get("type") != "Buffer" or set(value) != {"type", "data"}:
            raise InvalidRequestError("signature object must be {type:'Buffer', data:[...]}")
        value = value["data"]
    if isinstance(value, list):
        if not value or len(value) > 1024:
            raise InvalidRequestError("signature array has an impossible length")
        if not all(type(b) is int and 0 <= b <= 255 for b in value):
            raise InvalidRequestError("signature array must hold integers 0..255")
        return bytes(value)
    if not isinstance(value, str) or not value or len(value) > MAX_SIGNATURE_CHARS:
        raise InvalidRequestError("signature must be Buffer-JSON, an int array or a string")
    if encoding not in (None, "hex", "base64url"):
        raise InvalidRequestError("sigEncoding must be 'hex' or 'base64url'")
    try:
        if encoding == "hex" or (
            encoding is None and _HEX.fullmatch(value) and len(value) % 2 == 0
        ):
            return hex_decode(value, what="signature")
        return b64url_decode(value, what="signature")
    except InvalidEncodingError:
        raise InvalidRequestError("signature is neither valid hex nor base64url") from None


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Strict PureEdDSA verification (`authtokens.ed25519.verify_strict`: small-order and
    non-canonical keys and R refused, S < L); `SignatureRejectedError` on any failure."""
    try:
        ed25519.verify_strict(public_key, message, signature)
    except InvalidTokenError as exc:
        raise SignatureRejectedError(str(exc)) from None


def _rs_candidates(signature: bytes, *, der: bool) -> list[tuple[bytes, int | None]]:
    """Possible (r||s, recovery id) readings of a secp256k1 signature, most likely first."""
    out: list[tuple[bytes, int | None]] = []
    if len(signature) == 65:
        v_last, v_first = signature[64], signature[0]
        out.append((signature[:64], _recid(v_last)))  # RSV (stacks.js)
        out.append((signature[1:], _recid(v_first)))  # VRS (deprecated stacks.js form)
    elif len(signature) == 64:
        out.append((signature, None))
    if der and signature[:1] == b"\x30":
        try:
            out.append((der_decode(signature), None))
        except InvalidTokenError:
            pass
    if not out:
        raise SignatureRejectedError(
            f"secp256k1 signature must be 64/65 bytes or DER, got {len(signature)} bytes"
        )
    return out


def _recid(v: int) -> int | None:
    if v in (0, 1, 2, 3):
        return v
    if v in (27, 28, 29, 30):
        return v - 27
    if v in (31, 32, 33, 34):  # compressed-key flavour (bitcoinjs message signing)
        return v - 31
    return None


def _recover(digest: bytes, rs: bytes, recid: int) -> bytes | None:
    """The compressed key `signatures.recover_digest` finds (high S accepted), or None."""
    try:
        point = recover_digest(digest, rs, recid)
    except InvalidTokenError:  # InvalidSignatureError: r/s out of range, nothing recoverable
        return None
    out: bytes = point.format(compressed=True)
    return out


def verify_secp256k1_digest(
    key: ClientKey, digests: Iterable[bytes], signature: bytes, *, der: bool = True
) -> bytes:
    """Verify ``signature`` over any of ``digests`` for ``key``; return the compressed key.

    With a known key, every reading of the signature (RSV, VRS, r||s, DER) is tried against it,
    which is harmless since only the key's owner can produce any of them. For a Stacks address
    given without its key, the key is recovered (65-byte forms, or both recovery ids of 64
    bytes) and must hash to the address. Raises `SignatureRejectedError`.
    """
    candidates = _rs_candidates(signature, der=der)
    digests = list(digests)
    if key.public_key:
        point = parse_public_key(key.public_key)
        for digest in digests:
            for rs, _ in candidates:
                try:
                    verify_digest(digest, rs, point)
                except InvalidTokenError:
                    continue
                return key.public_key
        raise SignatureRejectedError("secp256k1 signature does not verify")
    version, _ = parse_stacks_address(key.address)
    for digest in digests:
        for rs, recid in candidates:
            for rid in (recid,) if recid is not None else (0, 1):
                recovered = _recover(digest, rs, rid)
                if recovered is not None and stacks_address(recovered, version) == key.address:
                    return recovered
    raise SignatureRejectedError("no key recovered from the signature matches the address")


def stacks_message_digests(message: bytes, *, legacy: bool) -> list[bytes]:
    """The digests a Stacks plain-message signature may cover (legacy last, when enabled)."""
    digests = [hash_message(message)]
    if legacy:
        digests.append(hash_message(message, legacy=True))
    return digests


def libp2p_digest(message: bytes) -> bytes:
    """What a libp2p secp256k1 identity signs: SHA-256 of the bytes."""
    return sha256(message)


def _finite(value: Any) -> TypeGuard[float]:
    return type(value) in (int, float) and math.isfinite(value)


def verify_jws(
    key: ClientKey,
    token: Any,
    *,
    nonce: str,
    audience: str,
    now: float,
    not_after: float,
    leeway: float = 60.0,
) -> bytes:
    """Verify a client's ES256K compact JWS for this challenge; return the compressed key.

    The signature must verify for the key (recovered when only an address is known), and the
    payload must carry ``nonce`` equal to the challenge's, ``aud`` equal to ``audience``, a
    finite ``iat`` not in the future (beyond ``leeway``) and a finite ``exp`` that is still
    ahead. ``not_after`` (the challenge's expiry) caps how far ``iat`` may reach.
    """
    if not isinstance(token, str) or len(token) > MAX_SIGNATURE_CHARS:
        raise InvalidRequestError("jws-es256k signature must be a compact JWS string")
    try:
        decoded = es256k_jws.decode(token, max_size=MAX_SIGNATURE_CHARS)
        es256k_jws.check_algorithm(decoded.header)
        es256k_jws.check_critical(decoded.header)
    except InvalidTokenError:
        raise SignatureRejectedError("JWS is malformed or not ES256K") from None
    digest = sha256(decoded.signing_input)
    public_key = verify_secp256k1_digest(key, [digest], decoded.signature, der=False)
    payload = decoded.payload
    iat, exp = payload.get("iat"), payload.get("exp")
    if payload.get("nonce") != nonce or payload.get("aud") != audience:
        raise SignatureRejectedError("JWS payload does not name this challenge")
    if not (_finite(iat) and _finite(exp)):
        raise SignatureRejectedError("JWS iat and exp must be finite numbers")
    if iat > now + leeway or iat > not_after or exp <= now:
        raise SignatureRejectedError("JWS is not current")
    return public_key


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """What a signature is checked against besides the key and the message: the challenge's
    nonce and expiry, the server's URI (a JWS ``aud``), the time, and whether the legacy Stacks
    message prefix is accepted."""

    nonce: str
    audience: str
    now: float
    not_after: float
    legacy_prefix: bool = False


#: A verifier: (key, message, signature as sent, its ``sigEncoding``, expected) -> the
#: compressed (or Ed25519) public key that signed.
Verifier = Callable[[ClientKey, SignedMessage, Any, Any, Expected], bytes]


@dataclass(frozen=True, slots=True)
class Scheme:
    """A signature scheme: the key types it fits, its verifier, and whether a Stacks address
    without its public key can use it (the key is then recovered from the signature)."""

    key_types: tuple[KeyType, ...]
    verify: Verifier
    address_only: bool = False


def _ed25519_raw(key: ClientKey, msg: SignedMessage, sig: Any, enc: Any, _: Expected) -> bytes:
    verify_ed25519(key.public_key, msg.signed, decode_signature(sig, enc))
    return key.public_key


def _stacks_message(key: ClientKey, msg: SignedMessage, sig: Any, enc: Any, x: Expected) -> bytes:
    digests = stacks_message_digests(msg.signed, legacy=x.legacy_prefix)
    return verify_secp256k1_digest(key, digests, decode_signature(sig, enc))


def _sip018(key: ClientKey, msg: SignedMessage, sig: Any, enc: Any, _: Expected) -> bytes:
    signature = decode_signature(sig, enc)
    assert msg.domain_cv is not None
    assert msg.message_cv is not None
    digest = structured_data_hash(msg.domain_cv, msg.message_cv)
    return verify_secp256k1_digest(key, [digest], signature)


def _jws_es256k(key: ClientKey, _: SignedMessage, sig: Any, __: Any, x: Expected) -> bytes:
    return verify_jws(
        key, sig, nonce=x.nonce, audience=x.audience, now=x.now, not_after=x.not_after
    )


def _libp2p(key: ClientKey, msg: SignedMessage, sig: Any, enc: Any, _: Expected) -> bytes:
    signature = decode_signature(sig, enc)
    return verify_secp256k1_digest(key, [libp2p_digest(msg.signed)], signature)


SCHEMES: Final[Mapping[str, Scheme]] = MappingProxyType(
    {
        "ed25519-raw": Scheme(("ed25519",), _ed25519_raw),
        "stacks-message": Scheme(("secp256k1",), _stacks_message, address_only=True),
        "sip018": Scheme(("secp256k1",), _sip018, address_only=True),
        "jws-es256k": Scheme(("secp256k1",), _jws_es256k, address_only=True),
        "libp2p-secp256k1": Scheme(("secp256k1",), _libp2p),
    }
)
ALL_SCHEMES: Final = tuple(SCHEMES)
ED25519_SCHEMES: Final = tuple(n for n, s in SCHEMES.items() if "ed25519" in s.key_types)
SECP256K1_SCHEMES: Final = tuple(n for n, s in SCHEMES.items() if "secp256k1" in s.key_types)
DEFAULT_SCHEMES: Final = ("ed25519-raw", "stacks-message", "sip018", "jws-es256k")


def check_scheme(scheme: Any, key: ClientKey, enabled: Iterable[str]) -> str:
    """``scheme`` if it is enabled and fits the key type; `UnsupportedSchemeError` otherwise."""
    if not isinstance(scheme, str) or scheme not in enabled or scheme not in SCHEMES:
        raise UnsupportedSchemeError("signature scheme is unknown or disabled")
    entry = SCHEMES[scheme]
    if key.key_type not in entry.key_types:
        raise UnsupportedSchemeError(f"scheme {scheme} does not fit a {key.key_type} key")
    if not key.public_key and not entry.address_only:
        raise UnsupportedSchemeError(f"scheme {scheme} needs the public key, not an address")
    return scheme


def verify_signature(
    scheme: str,
    key: ClientKey,
    message: SignedMessage,
    signature: Any,
    *,
    encoding: Any = None,
    expected: Expected,
) -> bytes:
    """Verify ``signature`` (as the client sent it) over ``message`` under ``scheme``; return
    the public key that signed. Raises `SignatureRejectedError` or `InvalidRequestError`."""
    entry = SCHEMES.get(scheme)
    if entry is None:
        raise SignatureRejectedError(f"scheme {scheme} is not verifiable")
    return entry.verify(key, message, signature, encoding, expected)
