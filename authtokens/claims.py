"""Claim checks shared by authRequest and authResponse verification.

Every check here is pure: time comes in as ``now`` (Unix seconds, already resolved by
`resolve_now`), nothing reads the clock or the network. Each failure raises its own
`InvalidTokenError` subclass with a stable ``code``.

Time policy (see api.md "Defaults and policies"): ``iat`` and ``exp`` must be finite numbers
(int or float, not bool, not strings); a missing or zero ``exp`` is refused unless
``require_exp=False`` restores the reference's "never expires" reading; ``leeway`` (default 60 s)
tolerates clock skew on both; ``max_lifetime`` (off by default) caps ``exp - iat``. These and
the size cap travel together as one frozen `VerifyPolicy`; the public verifiers take its fields
as keyword arguments and build one.

`checked_origin` is the one place that decides which error family a bad URL belongs to: the
caller names the family (a claim error for a token's value, `InvalidArgumentError` for an
argument, a `ManifestError` for the network step) instead of re-mapping at each call site.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from coincurve import PublicKey

from . import jwt
from .addresses import base58check_decode, p2pkh_address
from .checks import CheckRunner
from .did import did_address
from .errors import (
    AuthTokenError,
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidAddressError,
    InvalidArgumentError,
    InvalidClaimError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidPublicKeysError,
    IssuerMismatchError,
    LifetimeTooLongError,
    MissingClaimError,
    UnsupportedVersionError,
)
from .jwt import DecodedToken
from .keys import parse_public_key
from .origins import Origin, strict_origin_of

__all__ = [
    "DEFAULT_LEEWAY",
    "DEFAULT_POLICY",
    "MAX_JTI_LENGTH",
    "SignedToken",
    "Timestamp",
    "VerifyPolicy",
    "check_issuer",
    "check_jti",
    "check_seconds",
    "check_signed_token",
    "check_times",
    "checked_origin",
    "issuer_address",
    "parse_version",
    "resolve_now",
    "single_public_key",
    "string_claim",
    "to_seconds",
]

DEFAULT_LEEWAY = 60.0
Timestamp = int | float | datetime
MAX_JTI_LENGTH = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyPolicy:
    """How a token is verified: one frozen object threaded through the checks (argon2-cffi's
    ``Parameters`` shape) instead of the same options re-declared in every signature.

    ``leeway`` (seconds of clock skew on ``iat``/``exp``), ``require_exp`` (False reads a
    missing or zero ``exp`` as "never expires", as the reference does), ``max_lifetime`` (cap
    on ``exp - iat``; None: off), ``max_size`` (token characters) and ``allow_unknown_scopes``
    (authRequests only).
    """

    leeway: float = DEFAULT_LEEWAY
    require_exp: bool = True
    max_lifetime: float | None = None
    max_size: int = jwt.MAX_TOKEN_SIZE
    allow_unknown_scopes: bool = False

    def __post_init__(self) -> None:
        # A NaN leeway makes every time comparison False, so nothing ever expires; inf and
        # negative values are no better. Refused here, once, for every verifier.
        check_seconds(self.leeway, "leeway")
        check_seconds(self.max_lifetime, "max_lifetime", optional=True)
        if isinstance(self.max_size, bool) or not isinstance(self.max_size, int):
            raise InvalidArgumentError("max_size must be an int (characters)")
        if self.max_size < 1:
            raise InvalidArgumentError("max_size must be positive")


def check_seconds(value: object, name: str, *, optional: bool = False) -> float | None:
    """A duration option given by the caller (a leeway, a lifetime, an age, a retention):
    a finite, non-negative int or float (not a bool), or None when ``optional``. Returns it as a
    float; raises `InvalidArgumentError` (a usage error) otherwise, since NaN or infinity would
    silently switch the check it tunes off."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentError(f"{name} must be a number of seconds")
    if not math.isfinite(value) or value < 0:
        raise InvalidArgumentError(f"{name} must be finite and not negative, got {value!r}")
    return float(value)


DEFAULT_POLICY = VerifyPolicy()


def to_seconds(value: Timestamp, what: str = "time") -> float:
    """Unix seconds from an int, a float or an aware `datetime` (naive ones are refused)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgumentError(f"{what} must be an aware datetime (naive given)")
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentError(f"{what} must be Unix seconds or an aware datetime")
    if not math.isfinite(value):
        raise InvalidArgumentError(f"{what} must be finite")
    return float(value)


def resolve_now(now: Timestamp | None) -> float:
    """``now`` as Unix seconds; `None` means the wall clock (the only place it is read)."""
    return time.time() if now is None else to_seconds(now, "now")


def string_claim(payload: dict[str, Any], name: str, *, max_length: int = 4096) -> str:
    """A required claim that must be a non-empty string of valid Unicode (JSON escapes can
    spell lone surrogates, which break UTF-8 storage such as a replay cache); raises
    `InvalidClaimError` otherwise."""
    value = payload.get(name)
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise InvalidClaimError(f"{name} must be a non-empty string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidClaimError(f"{name} contains a lone surrogate (not valid Unicode)") from None
    return value


def check_jti(payload: dict[str, Any]) -> str:
    """The token id: a non-empty Unicode string of at most `MAX_JTI_LENGTH` characters."""
    return string_claim(payload, "jti", max_length=MAX_JTI_LENGTH)


def _numeric_claim(payload: dict[str, Any], name: str) -> float | None:
    if name not in payload or payload[name] is None:
        return None
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidClaimError(f"{name} must be a number, got {type(value).__name__}")
    # Far-future values are legal (wallets set them; `max_lifetime` caps them when wanted).
    if not math.isfinite(value) or value < 0:
        raise InvalidClaimError(f"{name} must be a finite, non-negative number")
    return float(value)


def check_times(
    payload: dict[str, Any],
    now: float,
    *,
    leeway: float = DEFAULT_LEEWAY,
    require_exp: bool = True,
    max_lifetime: float | None = None,
) -> None:
    """Check ``iat`` and ``exp`` against ``now`` (see the module docstring for the policy).

    Raises `MissingClaimError`, `InvalidClaimError` (wrong type or impossible value),
    `ExpiredTokenError`, `ImmatureTokenError` (``iat`` beyond ``now + leeway``) or
    `LifetimeTooLongError`.
    """
    iat = _numeric_claim(payload, "iat")
    exp = _numeric_claim(payload, "exp")
    if iat is None:
        raise MissingClaimError("iat is required")
    if exp is None or exp == 0:
        if require_exp:
            raise MissingClaimError("exp is required (a missing or zero exp never expires)")
        exp = None
    if iat > now + leeway:
        raise ImmatureTokenError(f"iat lies {iat - now:.0f} s in the future")
    if exp is not None:
        if exp < iat:
            raise InvalidClaimError("exp is before iat")
        if now > exp + leeway:
            raise ExpiredTokenError(f"token expired {now - exp:.0f} s ago")
        if max_lifetime is not None and exp - iat > max_lifetime:
            raise LifetimeTooLongError(
                f"token lifetime {exp - iat:.0f} s exceeds the maximum {max_lifetime:.0f} s"
            )
    elif max_lifetime is not None:
        raise LifetimeTooLongError("token never expires but a maximum lifetime is set")


def single_public_key(payload: dict[str, Any]) -> tuple[str, PublicKey]:
    """The one public key of ``public_keys`` (hex as given, parsed point).

    Raises `InvalidPublicKeysError` unless ``public_keys`` is a list of exactly one valid
    compressed or uncompressed secp256k1 key.
    """
    keys = payload.get("public_keys")
    if not isinstance(keys, list) or len(keys) != 1:
        raise InvalidPublicKeysError("public_keys must be a list of exactly one key")
    key = keys[0]
    if not isinstance(key, str):
        raise InvalidPublicKeysError("public_keys[0] must be a hex string")
    try:
        return key, parse_public_key(key)
    except InvalidKeyError as exc:
        raise InvalidPublicKeysError(f"public_keys[0] is invalid: {exc}") from None


def issuer_address(payload: dict[str, Any]) -> str:
    """The address inside ``iss``: `InvalidIssuerError` unless ``iss`` is a string
    ``did:btc-addr:`` followed by 26 to 35 base58 characters (`did.did_address`). The checksum
    and version are established by `check_issuer`, which compares the address with the key's."""
    try:
        return did_address(payload.get("iss"))
    except InvalidAddressError as exc:
        raise InvalidIssuerError(f"iss {exc}") from None


def check_issuer(address: str, key_hex: str) -> None:
    """`IssuerMismatchError` unless ``address`` is the P2PKH address of the key as given.

    The key is hashed in the form it appears in the token (compressed or uncompressed), as the
    reference does. An address that is not a valid version-0 base58check P2PKH address at all
    raises `InvalidIssuerError` instead.
    """
    if p2pkh_address(bytes.fromhex(key_hex)) == address:
        return
    try:
        version, payload_hash = base58check_decode(address)
    except InvalidAddressError as exc:
        raise InvalidIssuerError(f"iss address is invalid: {exc}") from None
    if version != 0 or len(payload_hash) != 20:
        raise InvalidIssuerError("iss address must be a mainnet P2PKH address")
    raise IssuerMismatchError("iss does not match the address of public_keys[0]")


@lru_cache(maxsize=256)
def _version_tuple(value: str) -> tuple[int, int, int]:
    if not 0 < len(value) <= 32:
        raise UnsupportedVersionError("version must be a string such as '1.4.0'")
    parts = value.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() and p.isascii() for p in parts):
        raise UnsupportedVersionError(f"version {value!r} is not MAJOR.MINOR.PATCH")
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    return numbers[0], numbers[1], numbers[2]


def parse_version(value: Any) -> tuple[int, int, int] | None:
    """A protocol ``version`` as a (major, minor, patch) tuple; None when absent.

    ``"1.1"`` reads as 1.1.0. Anything that is not 1–3 dot-separated decimal numbers raises
    `UnsupportedVersionError` (the reference's ``isLaterVersion`` reads ``"abc"`` as later
    than everything and ``"2.0.0"`` as earlier than ``"1.1.0"``; we do neither).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise UnsupportedVersionError("version must be a string such as '1.4.0'")
    return _version_tuple(value)


@dataclass(frozen=True, slots=True)
class SignedToken:
    """What the common checks found: the decoded token, its public key (hex as given, and the
    parsed point) and its issuer address, each None when its check failed."""

    decoded: DecodedToken
    key: tuple[str, PublicKey] | None
    address: str | None


def check_signed_token(
    run: CheckRunner, token: str, now: float, policy: VerifyPolicy
) -> SignedToken | None:
    """The checks every auth token gets, in order: format, ``alg``, ``crit``, ``public_keys``,
    issuer format, signature, issuer, times. Raises the first failure when ``run`` is not
    collecting; when it is, returns None only if the token could not even be parsed."""
    decoded = run("format", jwt.decode, token, max_size=policy.max_size)
    if decoded is None:
        return None
    payload = decoded.payload
    run("algorithm", jwt.check_algorithm, decoded.header)
    run("critical", jwt.check_critical, decoded.header)
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
        now,
        leeway=policy.leeway,
        require_exp=policy.require_exp,
        max_lifetime=policy.max_lifetime,
    )
    return SignedToken(decoded, key, address)


def checked_origin(
    url: str, what: str, error: type[AuthTokenError], *, on: Origin | None = None
) -> Origin:
    """The origin of ``url`` (`origins.strict_origin_of`), with ``on``: that it is ``on``.

    A URL that has no http(s) origin raises ``error("<what>: <why>")`` and one on another
    origin ``error("<what> '<url>' is not on the origin <on>")``: the caller names the family
    once, here, and the claim is named once in the message.
    """
    try:
        origin = strict_origin_of(url)
    except InvalidArgumentError as exc:
        raise error(f"{what}: {exc}") from None
    if on is not None and origin != on:
        raise error(f"{what} {url!r} is not on the origin {on}")
    return origin
