"""ES256K compact JWS exactly as jsontokens 4 writes it, verified strictly.

A token is ``b64url(header) "." b64url(payload) "." b64url(r || s)``: the header is
``{"typ":"JWT","alg":"ES256K"}``, both JSON segments are JS ``JSON.stringify`` bytes, the
signature is ECDSA over SHA-256 of the first two segments with an RFC 6979 nonce, as 64 raw
bytes (no DER).

jsontokens does not normalise S, so about half its tokens carry a high S. `sign` writes low-S by
default (what libsecp256k1 produces); ``low_s=False`` reproduces jsontokens' bytes exactly.
`verify` accepts both, as the reference does, and is otherwise strict where jsontokens is lax:
exactly three segments, strict base64url, header ``alg`` exactly ``ES256K``, r and s in
[1, n-1], payload a JSON object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from coincurve import PrivateKey, PublicKey

from . import jsjson
from .encoding import b64url_decode, b64url_encode
from .errors import (
    CriticalHeaderError,
    InvalidArgumentError,
    InvalidEncodingError,
    MalformedTokenError,
    TokenTooLargeError,
    UnsecuredTokenError,
    UnsupportedAlgorithmError,
)
from .keys import parse_private_key, parse_public_key
from .signatures import sign_digest, verify_digest

__all__ = [
    "ALGORITHM",
    "MAX_TOKEN_SIZE",
    "DecodedToken",
    "check_algorithm",
    "check_critical",
    "check_signature",
    "decode",
    "sign",
    "sign_with_key",
    "verify",
]

ALGORITHM = "ES256K"
#: Default cap on a token's length, checked before any decoding. Real authResponses carry a
#: profile and an association token and stay well under 16 KiB; this leaves ample room.
MAX_TOKEN_SIZE = 128 * 1024

_DEFAULT_HEADER: dict[str, Any] = {"typ": "JWT", "alg": ALGORITHM}
_DEFAULT_HEADER_B64 = b64url_encode(jsjson.dumps(_DEFAULT_HEADER))


@dataclass(frozen=True, slots=True)
class DecodedToken:
    """A token split into its parts. ``signing_input`` is the exact bytes that were signed."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signature: bytes
    signing_input: bytes


# --- signing ------------------------------------------------------------------------------


def _encode_header(header: dict[str, Any] | None) -> str:
    if header is None:
        return _DEFAULT_HEADER_B64
    if not isinstance(header, dict):
        raise InvalidArgumentError("header must be a dict")
    merged = {**_DEFAULT_HEADER, **header}  # jsontokens: defaults keep their position
    if merged["alg"] != ALGORITHM:
        raise InvalidArgumentError(f"only {ALGORITHM} is supported, got alg {merged['alg']!r}")
    return b64url_encode(jsjson.dumps(merged))


def sign(
    payload: dict[str, Any],
    private_key: str | bytes,
    *,
    header: dict[str, Any] | None = None,
    low_s: bool = True,
) -> str:
    """Sign ``payload`` as an ES256K compact JWS in jsontokens' layout.

    ``header`` is shallow-merged over ``{"typ":"JWT","alg":"ES256K"}``. With ``low_s=False``
    the token is byte-identical to jsontokens' for the same payload and key.

    Raises `InvalidKeyError` for a malformed key and `InvalidArgumentError` for a payload that
    is not a dict or holds values JSON cannot carry exactly (NaN, Infinity, ints beyond 2**53).
    """
    return sign_with_key(
        payload, PrivateKey(parse_private_key(private_key)), header=header, low_s=low_s
    )


def sign_with_key(
    payload: dict[str, Any],
    key: PrivateKey,
    *,
    header: dict[str, Any] | None = None,
    low_s: bool = True,
) -> str:
    """`sign` with an already-parsed coincurve key (lets callers reuse its public key)."""
    if not isinstance(payload, dict):
        raise InvalidArgumentError("payload must be a dict (a JSON object)")
    signing_input = (_encode_header(header) + "." + b64url_encode(jsjson.dumps(payload))).encode(
        "ascii"
    )
    signature = sign_digest(key, hashlib.sha256(signing_input).digest(), low_s=low_s)
    return signing_input.decode("ascii") + "." + b64url_encode(signature)


# --- decoding and verifying ---------------------------------------------------------------


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        value = jsjson.loads(b64url_decode(segment, what=what))
    except InvalidEncodingError as exc:
        raise MalformedTokenError(f"token {what} is malformed: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedTokenError(f"token {what} must be a JSON object")
    return value


def decode(token: str, *, max_size: int = MAX_TOKEN_SIZE) -> DecodedToken:
    """Split and parse a compact token without verifying it.

    Requires a str of at most ``max_size`` characters with exactly three segments, strict
    base64url, JSON-object header and payload (strict JSON: no duplicate keys, no NaN). The
    signature segment may be empty (unsecured tokens decode; `verify` refuses them). Raises
    `MalformedTokenError` (or `TokenTooLargeError`) otherwise.
    """
    if not isinstance(token, str):
        raise MalformedTokenError(f"token must be a str, got {type(token).__name__}")
    if len(token) > max_size:
        raise TokenTooLargeError(f"token is {len(token)} characters, more than {max_size}")
    if token.count(".") != 2:
        raise MalformedTokenError("token must have exactly three dot-separated segments")
    header_b64, payload_b64, signature_b64 = token.split(".")
    # Nearly every token carries jsontokens' fixed header: skip decoding it (a fresh dict, so
    # callers may mutate theirs).
    if header_b64 == _DEFAULT_HEADER_B64:
        header: dict[str, Any] = {"typ": "JWT", "alg": ALGORITHM}
    else:
        header = _json_object(header_b64, "header")
    payload = _json_object(payload_b64, "payload")
    try:
        signature = b64url_decode(signature_b64, what="signature")
    except InvalidEncodingError as exc:
        raise MalformedTokenError(f"token signature is malformed: {exc}") from None
    signing_input = token[: len(header_b64) + 1 + len(payload_b64)].encode("ascii")
    return DecodedToken(header, payload, signature, signing_input)


def check_algorithm(header: dict[str, Any]) -> None:
    """Require ``alg`` to be exactly ``ES256K``; `UnsecuredTokenError` for ``none``."""
    alg = header.get("alg")
    if alg == ALGORITHM:
        return
    if isinstance(alg, str) and alg.lower() == "none":
        raise UnsecuredTokenError("token is unsigned (alg none)")
    raise UnsupportedAlgorithmError(f"token alg must be {ALGORITHM}, got {alg!r}")


#: The ``crit`` extensions this verifier understands (RFC 7515 §4.1.11): none.
UNDERSTOOD_CRITICAL: frozenset[str] = frozenset()


def check_critical(header: dict[str, Any]) -> None:
    """Refuse a header whose ``crit`` names an extension we do not understand (RFC 7515
    §4.1.11); we understand none, so any ``crit`` is refused, and so is a malformed one (not a
    non-empty list of distinct strings, ``crit: []`` included). `CriticalHeaderError`."""
    if "crit" not in header:
        return
    crit = header["crit"]
    if (
        not isinstance(crit, list)
        or not crit
        or not all(isinstance(name, str) and name for name in crit)
        or len(set(crit)) != len(crit)
    ):
        raise CriticalHeaderError("header crit must be a non-empty list of extension names")
    unknown = sorted(set(crit) - UNDERSTOOD_CRITICAL)
    if unknown:
        raise CriticalHeaderError(f"header crit names extensions not understood: {unknown[:4]}")


def check_signature(signing_input: bytes, signature: bytes, public_key: PublicKey) -> None:
    """Verify the raw r || s signature over the JWS signing input (see `verify_digest`)."""
    verify_digest(hashlib.sha256(signing_input).digest(), signature, public_key)


def verify(token: str, public_key: str | bytes, *, max_size: int = MAX_TOKEN_SIZE) -> DecodedToken:
    """Decode ``token`` and verify its ES256K signature with ``public_key``.

    Raises `InvalidKeyError` when ``public_key`` itself is malformed (a caller error), and an
    `InvalidTokenError` subclass when the token is rejected: `MalformedTokenError`,
    `UnsupportedAlgorithmError` / `UnsecuredTokenError`, `CriticalHeaderError` (any ``crit``),
    `InvalidSignatureError`. Claims such
    as ``exp`` are not checked here. Never returns a falsy value.
    """
    point = parse_public_key(public_key)
    decoded = decode(token, max_size=max_size)
    check_algorithm(decoded.header)
    check_critical(decoded.header)
    check_signature(decoded.signing_input, decoded.signature, point)
    return decoded
