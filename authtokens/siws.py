"""Sign-In with Stacks: the message wallets sign for ``stx_signMessage`` sign-in (spec siws.md).

The message, byte for byte as ``createSiwsMessage`` (sign-in-with-stacks) writes it::

    {scheme://}{domain} wants you to sign in with your Stacks account:
    {address}

    {statement}                 <- only when there is one

    URI: {uri}
    Version: 1
    Chain ID: {chain id}
    Nonce: {nonce}
    Issued At: {ISO time}
    [Expiration Time: …] [Not Before: …] [Request ID: …] [Resources: and "- uri" lines]

`create_message` refuses what the reference refuses (`InvalidMessageFieldError`, a usage
error). `parse_message` is strict where the reference is lax: the whole text must follow the
grammar, anchored, in line order, with exact labels, strict RFC 3339 times, a canonical c32
address of the chain's network, and a chain ID we know (1 mainnet, 2147483648 testnet); anything
else is a `MalformedMessageError`. `verify_message` then checks every field against what the
backend expects and the signature against the message's address, raising one typed error per
failed check (codes: ``domain_mismatch``, ``uri_mismatch``, ``scheme_mismatch``,
``chain_mismatch``, ``address_mismatch``, ``nonce_mismatch``, ``issued_in_future``,
``too_old``, ``expired``, ``not_yet_valid``, ``public_key_mismatch``, ``bad_signature``,
``malformed_message``). With a nonce store (the `NonceStore` / `AsyncNonceStore` protocols
here, backends in `authtokens.stores`), `verify_with_store` / `averify_with_store` consume the
nonce atomically before the signature is checked.

Everything here is pure: time comes in as ``now`` (``None`` reads the wall clock once, at the
public boundary).
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from .addresses import (
    STACKS_MAINNET,
    STACKS_TESTNET,
    c32_normalize,
    c32check_encode,
    parse_stacks_address,
    stacks_address,
)
from .checks import Check, CheckRunner
from .claims import DEFAULT_LEEWAY, Timestamp, check_seconds, resolve_now, to_seconds
from .errors import (
    AddressMismatchError,
    ChainMismatchError,
    DomainMismatchError,
    ExpiredTokenError,
    InvalidAddressError,
    InvalidArgumentError,
    InvalidMessageFieldError,
    InvalidSignatureError,
    InvalidTokenError,
    IssuedInFutureError,
    MalformedMessageError,
    MessageTooOldError,
    NonceMismatchError,
    NonceUnknownError,
    NotYetValidError,
    PublicKeyMismatchError,
    SchemeMismatchError,
    UriMismatchError,
)
from .hashes import hash160 as hash160_of
from .keys import parse_public_key
from .stacks_messages import (
    hash_message,
    recover_candidates,
    signature_bytes,
    verify_digest_signature,
)

__all__ = [
    "CHAIN_ADDRESS_VERSIONS",
    "CHAIN_MAINNET",
    "CHAIN_TESTNET",
    "DEFAULT_MAX_AGE",
    "DEFAULT_NONCE_TTL",
    "MAX_MESSAGE_LENGTH",
    "AsyncNonceStore",
    "NonceStore",
    "SiwsMessage",
    "SiwsReport",
    "VerifiedSignIn",
    "account_id",
    "averify_with_store",
    "check_fields",
    "check_message",
    "check_nonce_row",
    "check_signature",
    "check_time_options",
    "create_message",
    "generate_nonce",
    "is_uri",
    "nonce_binding",
    "nonce_ttl",
    "parse_account_id",
    "parse_message",
    "verify_message",
    "verify_with_store",
    "wallet_check",
]

CHAIN_MAINNET = 1
CHAIN_TESTNET = 2147483648
DEFAULT_MAX_AGE = 600.0
MAX_MESSAGE_LENGTH = 64 * 1024
# Address versions of each chain: single-signature first, then multi-signature.
CHAIN_ADDRESS_VERSIONS = {CHAIN_MAINNET: (STACKS_MAINNET, 20), CHAIN_TESTNET: (STACKS_TESTNET, 21)}

# The reference's field rules (createSiwsMessage), anchored with fullmatch.
_DOMAIN = re.compile(r"([a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,}(:[0-9]{1,5})?")
_OCTET = r"(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(:[0-9]{{1,5}})?")
_LOCALHOST = re.compile(r"localhost(:[0-9]{1,5})?")
_NONCE = re.compile(r"[a-zA-Z0-9]{8,}")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+\-.]*")
# RFC 3986 characters, and the reference's (valid-url's) rules for percent escapes.
_URI_ILLEGAL = re.compile(r"[^a-z0-9:/?#\[\]@!$&'()*+,;=.\-_~%]", re.IGNORECASE)
_URI_BAD_ESCAPE = re.compile(r"%[^0-9a-f]|%[0-9a-f]([^0-9a-f]|$)", re.IGNORECASE)
_URI_SPLIT = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?")
_URI_SCHEME = re.compile(r"[a-z][a-z0-9+\-.]*")

_HEADER = "wants you to sign in with your Stacks account:"
_TIME = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_MESSAGE = re.compile(
    r"(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+\-.]*)://)?(?P<domain>[^\s/]+)"
    r" wants you to sign in with your Stacks account:\n"
    r"(?P<address>S[0-9A-Z]{20,45})\n"
    r"\n"
    r"(?:(?P<statement>[^\n]+)\n)?"
    r"\n"
    r"URI: (?P<uri>[^\n]+)\n"
    r"Version: (?P<version>1)\n"
    r"Chain ID: (?P<chain_id>[1-9][0-9]{0,9})\n"
    r"Nonce: (?P<nonce>[a-zA-Z0-9]{8,})\n"
    rf"Issued At: (?P<issued_at>{_TIME})"
    rf"(?:\nExpiration Time: (?P<expiration_time>{_TIME}))?"
    rf"(?:\nNot Before: (?P<not_before>{_TIME}))?"
    r"(?:\nRequest ID: (?P<request_id>[^\n]+))?"
    r"(?:\nResources:(?P<resources>(?:\n- [^\n]+)*))?"
)
_JS_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_TIME_PARTS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:Z|([+-])([0-9]{2}):([0-9]{2}))"
)


def _is_domain(value: str) -> bool:
    return bool(_DOMAIN.fullmatch(value) or _IPV4.fullmatch(value) or _LOCALHOST.fullmatch(value))


def is_uri(value: str) -> bool:
    """True for what the reference accepts as an RFC 3986 URI (its ``isUri``)."""
    if not isinstance(value, str) or _URI_ILLEGAL.search(value) or _URI_BAD_ESCAPE.search(value):
        return False
    parts = _URI_SPLIT.match(value)
    assert parts is not None  # every group is optional: it always matches
    scheme, authority, path = parts.group(1), parts.group(2), parts.group(3)
    if not scheme:
        return False
    if authority:
        if path and not path.startswith("/"):
            return False
    elif path.startswith("//"):
        return False
    return bool(_URI_SCHEME.fullmatch(scheme.lower()))


@dataclass(frozen=True, slots=True)
class SiwsMessage:
    """A parsed Sign-In with Stacks message (times aware UTC; absent optionals ``None``)."""

    domain: str
    address: str
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime
    statement: str | None = None
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] | None = None
    scheme: str | None = None


@dataclass(frozen=True, slots=True)
class VerifiedSignIn:
    """What a successful `verify_message` proves."""

    message: SiwsMessage
    address: str
    public_key: str  # compressed, 66 hex
    account_id: str  # CAIP-10: stacks:<chain id>:<address>
    chain_id: int


# --- time -----------------------------------------------------------------------------------------


def _to_datetime(value: Timestamp, what: str) -> datetime:
    # JS dates have millisecond precision: floor to the millisecond as Date(ms) does.
    if isinstance(value, datetime):
        to_seconds(value, what)  # refuses naive datetimes
        delta = value.astimezone(UTC) - _EPOCH
        ms = (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
    elif type(value) is int:
        ms = value * 1000
    else:
        ms = math.floor(to_seconds(value, what) * 1000)
    if not 0 <= ms < 253402300800000:  # toISOString's plain four-digit years
        raise InvalidMessageFieldError(f"{what} must lie between 1970 and 9999")
    return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=(ms % 1000) * 1000)


def _iso(value: datetime) -> str:
    """JS ``Date.toISOString()``: UTC, milliseconds, ``Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _parse_time(text: str, what: str) -> datetime:
    if _JS_ISO.fullmatch(text):  # toISOString's form, what wallets sign: the C parser suffices
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise MalformedMessageError(f"{what} is not a valid date and time") from None
    m = _TIME_PARTS.fullmatch(text)
    if m is None:
        raise MalformedMessageError(f"{what} is not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction = (m.group(7) or "").ljust(6, "0")[:6]
    try:
        tz = UTC
        if m.group(8):
            oh, om = int(m.group(9)), int(m.group(10))
            if oh > 23 or om > 59:
                raise ValueError("offset out of range")
            delta = timedelta(hours=oh, minutes=om)
            tz = timezone(delta if m.group(8) == "+" else -delta)
        when = datetime(year, month, day, hour, minute, second, int(fraction), tzinfo=tz)
        when = when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise MalformedMessageError(f"{what} is not a valid date and time") from None
    return when


# --- create ---------------------------------------------------------------------------------------


def create_message(
    *,
    domain: str,
    address: str,
    uri: str,
    nonce: str,
    chain_id: int = CHAIN_MAINNET,
    issued_at: Timestamp | None = None,
    statement: str | None = None,
    expiration_time: Timestamp | None = None,
    not_before: Timestamp | None = None,
    request_id: str | None = None,
    resources: Iterable[str] | None = None,
    scheme: str | None = None,
    version: str = "1",
) -> str:
    """The text ``createSiwsMessage`` writes for these fields, byte for byte.

    Times are aware `datetime`s or Unix seconds, written as JS ``toISOString`` does
    (milliseconds, ``Z``); ``issued_at=None`` is now. Empty ``statement``, ``request_id`` and
    ``scheme`` count as absent, and an empty ``resources`` list writes a bare ``Resources:``
    line, as in the reference. Raises `InvalidMessageFieldError` for what the reference
    refuses: a chain ID outside 1..2**32-1, a domain that is not a host name with a TLD, an
    IPv4 address or localhost (each with an optional port), a nonce outside
    ``[a-zA-Z0-9]{8,}``, a URI or resource the reference's RFC 3986 check refuses, a version
    other than ``"1"``, a malformed scheme, a statement containing a newline, and an invalid
    address (one that does not carry a 20-byte hash). Where this is stricter than the
    reference: a ``request_id`` with a newline (which would forge a line) is refused, and the
    scheme pattern is RFC 3986's (the reference's character class also lets ``,`` through). A
    non-canonical address spelling (lower case, ``O``/``I``/``L``) is written canonically; the
    reference copies it as given.
    """
    if type(chain_id) is not int or not 1 <= chain_id <= 0xFFFFFFFF:
        raise InvalidMessageFieldError("chain_id must be an integer in 1..4294967295")
    if not isinstance(domain, str) or not _is_domain(domain):
        raise InvalidMessageFieldError("domain must be a host name, an IPv4 address or localhost")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise InvalidMessageFieldError("nonce must be at least 8 ASCII letters or digits")
    if not is_uri(uri):
        raise InvalidMessageFieldError("uri must be an RFC 3986 URI")
    if version != "1":
        raise InvalidMessageFieldError("version must be '1'")
    if scheme is not None and not isinstance(scheme, str):
        raise InvalidMessageFieldError("scheme must be a string")
    if scheme and not _SCHEME.fullmatch(scheme):
        raise InvalidMessageFieldError("scheme must be an RFC 3986 URI scheme")
    if statement is not None and (not isinstance(statement, str) or "\n" in statement):
        raise InvalidMessageFieldError("statement must be a string without newlines")
    if request_id is not None and (not isinstance(request_id, str) or "\n" in request_id):
        raise InvalidMessageFieldError("request_id must be a string without newlines")
    try:
        version_byte, hash160 = parse_stacks_address(address)
    except InvalidAddressError as exc:
        raise InvalidMessageFieldError(f"address is invalid: {exc.message}") from None
    when = _to_datetime(resolve_now(None) if issued_at is None else issued_at, "issued_at")
    lines = [
        f"{scheme + '://' if scheme else ''}{domain} {_HEADER}",
        c32check_encode(version_byte, hash160),
        "",
    ]
    if statement:
        lines.append(statement)
    lines += [
        "",
        f"URI: {uri}",
        f"Version: {version}",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {_iso(when)}",
    ]
    if expiration_time is not None:
        lines.append(f"Expiration Time: {_iso(_to_datetime(expiration_time, 'expiration_time'))}")
    if not_before is not None:
        lines.append(f"Not Before: {_iso(_to_datetime(not_before, 'not_before'))}")
    if request_id:
        lines.append(f"Request ID: {request_id}")
    if resources is not None:
        if isinstance(resources, str):
            raise InvalidMessageFieldError("resources must be a list of URIs, not a string")
        lines.append("Resources:")
        for resource in resources:
            if not is_uri(resource):
                raise InvalidMessageFieldError("every resource must be an RFC 3986 URI")
            lines.append(f"- {resource}")
    return "\n".join(lines)


# --- parse ----------------------------------------------------------------------------------------


def parse_message(text: str) -> SiwsMessage:
    """Parse a Sign-In with Stacks message strictly (spec siws.md §4.2).

    The whole text must follow the grammar, anchored, in line order, with exact labels, the
    version ``1``, RFC 3339 times, a canonical c32 address of the chain's network and a known
    chain ID (1 or 2147483648); the domain, URI, resources and nonce must be what
    `create_message` accepts. Raises `MalformedMessageError` (code ``malformed_message``)
    otherwise, and never anything else.
    """
    return _parse(text)[0]


def _parse(text: str) -> tuple[SiwsMessage, bytes]:
    """`parse_message`, and the HASH160 the address carries (so verifying needs no encode)."""
    if not isinstance(text, str):
        raise MalformedMessageError(f"message must be a string, got {type(text).__name__}")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise MalformedMessageError(f"message is longer than {MAX_MESSAGE_LENGTH} characters")
    m = _MESSAGE.fullmatch(text)
    if m is None:
        raise MalformedMessageError("message does not follow the Sign-In with Stacks format")
    domain = m.group("domain")
    if not _is_domain(domain):
        raise MalformedMessageError("domain is not a host name, an IPv4 address or localhost")
    chain_id = int(m.group("chain_id"))
    versions = CHAIN_ADDRESS_VERSIONS.get(chain_id)
    if versions is None:
        raise MalformedMessageError(f"chain ID {chain_id} is not a known Stacks chain")
    address = m.group("address")
    if c32_normalize(address) != address:
        raise MalformedMessageError("address is not in canonical c32 spelling")
    try:
        version, hash160 = parse_stacks_address(address)
    except InvalidAddressError:
        raise MalformedMessageError("address is not a valid Stacks address") from None
    if version not in versions:
        raise MalformedMessageError(f"address is not an address of chain {chain_id}")
    uri = m.group("uri")
    if not is_uri(uri):
        raise MalformedMessageError("URI is not an RFC 3986 URI")
    resources = None
    if m.group("resources") is not None:
        resources = tuple(m.group("resources").split("\n- ")[1:])
        if not all(is_uri(r) for r in resources):
            raise MalformedMessageError("a resource is not an RFC 3986 URI")
    expiration, not_before = m.group("expiration_time"), m.group("not_before")
    message = SiwsMessage(
        domain=domain,
        address=address,
        uri=uri,
        version=m.group("version"),
        chain_id=chain_id,
        nonce=m.group("nonce"),
        issued_at=_parse_time(m.group("issued_at"), "Issued At"),
        statement=m.group("statement"),
        expiration_time=_parse_time(expiration, "Expiration Time") if expiration else None,
        not_before=_parse_time(not_before, "Not Before") if not_before else None,
        request_id=m.group("request_id"),
        resources=resources,
        scheme=m.group("scheme"),
    )
    return message, hash160


# --- verify ---------------------------------------------------------------------------------------


def _authority(uri: str) -> str | None:
    parts = _URI_SPLIT.match(uri)
    return parts.group(2) if parts else None


def check_time_options(leeway: object, max_age: object) -> None:
    """``leeway`` finite seconds ≥ 0 and ``max_age`` the same or None (`InvalidArgumentError`:
    a NaN or infinite one would switch the time checks off)."""
    check_seconds(leeway, "leeway")
    check_seconds(max_age, "max_age", optional=True)


def _check_domain(message: SiwsMessage, domain: str) -> None:
    if message.domain.lower() != domain.lower():
        raise DomainMismatchError(f"message is for domain {message.domain!r}, expected {domain!r}")


def _check_scheme(message: SiwsMessage, scheme: str) -> None:
    if (message.scheme or "").lower() != scheme.lower():
        raise SchemeMismatchError(f"message scheme is {message.scheme!r}, expected {scheme!r}")


def _check_uri(message: SiwsMessage, uri: str | None, domain: str) -> None:
    if uri is not None:
        if message.uri != uri:
            raise UriMismatchError(f"message URI is {message.uri!r}, expected {uri!r}")
    elif (_authority(message.uri) or "").lower() != domain.lower():
        raise UriMismatchError(f"message URI {message.uri!r} is not on domain {domain!r}")


def _check_chain(message: SiwsMessage, chain_id: int) -> None:
    if message.chain_id != chain_id:
        raise ChainMismatchError(f"message is for chain {message.chain_id}, expected {chain_id}")


def _check_address(message: SiwsMessage, address: str) -> None:
    try:
        expected = c32check_encode(*parse_stacks_address(address))
    except InvalidAddressError:
        raise AddressMismatchError("the claimed address is not a valid Stacks address") from None
    if expected != message.address:
        raise AddressMismatchError("message address is not the claimed address")


def _check_nonce(message: SiwsMessage, nonce: str) -> None:
    if not hmac.compare_digest(message.nonce.encode(), nonce.encode()):
        raise NonceMismatchError("message nonce is not the expected one")


def _check_issued_at(
    message: SiwsMessage, now: float, leeway: float, max_age: float | None
) -> None:
    issued = message.issued_at.timestamp()
    if issued > now + leeway:
        raise IssuedInFutureError(f"Issued At lies {issued - now:.0f} s in the future")
    if max_age is not None and now - issued > max_age + leeway:
        raise MessageTooOldError(f"message was issued {now - issued:.0f} s ago")


def _check_expiration(message: SiwsMessage, now: float, leeway: float) -> None:
    if message.expiration_time is not None and now >= message.expiration_time.timestamp() + leeway:
        raise ExpiredTokenError("the message's Expiration Time has passed")


def _check_not_before(message: SiwsMessage, now: float, leeway: float) -> None:
    if message.not_before is not None and now + leeway < message.not_before.timestamp():
        raise NotYetValidError("the message's Not Before time has not come yet")


def check_fields(
    message: SiwsMessage,
    *,
    domain: str,
    nonce: str | None,
    uri: str | None = None,
    scheme: str | None = None,
    chain_id: int | None = None,
    address: str | None = None,
    now: float,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
) -> None:
    """Check a parsed message against the backend's expectations (spec §4.3); ``now`` in Unix
    seconds. ``nonce=None`` skips the nonce comparison (a nonce store has consumed it)."""
    check_time_options(leeway, max_age)
    if not isinstance(domain, str) or not domain:
        raise InvalidArgumentError("domain (the expected one) is required")
    _check_domain(message, domain)
    if scheme is not None:
        _check_scheme(message, scheme)
    _check_uri(message, uri, domain)
    if chain_id is not None:
        _check_chain(message, chain_id)
    if address is not None:
        _check_address(message, address)
    if nonce is not None:
        _check_nonce(message, nonce)
    _check_issued_at(message, now, leeway, max_age)
    _check_expiration(message, now, leeway)
    _check_not_before(message, now, leeway)


@dataclass(frozen=True, slots=True)
class SiwsReport:
    """Every check of a message, passed or failed (`check_message`)."""

    message: SiwsMessage | None  # None when the text does not parse
    checks: tuple[Check, ...]
    public_key: str | None  # the signer's key, when the signature check passed
    account_id: str | None  # CAIP-10 id of the message's address, when it parses

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks)


def check_message(
    text: str,
    signature: str,
    *,
    domain: str,
    nonce: str | None = None,
    uri: str | None = None,
    scheme: str | None = None,
    chain_id: int | None = None,
    address: str | None = None,
    public_key: str | None = None,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
    legacy_prefix: bool = False,
) -> SiwsReport:
    """`verify_message`'s checks, all run and reported instead of stopping at the first failure
    (for tools and logs; a backend uses `verify_message` or `verify_with_store`).

    Checks, in order, by name: ``message`` (it parses; nothing else runs when it does not),
    ``domain``, ``scheme`` (when given), ``uri``, ``chain_id`` (when given), ``address`` (when
    given), ``nonce`` (when given: without one nothing says the message is fresh), ``issued_at``,
    ``expiration_time``, ``not_before``, ``signature`` (with ``public_key`` when given). Each
    failed check carries its error and code. Raises only for the caller's own arguments.
    """
    if not isinstance(domain, str) or not domain:
        raise InvalidArgumentError("domain (the expected one) is required")
    check_time_options(leeway, max_age)
    now_s = resolve_now(now)
    run = CheckRunner(collect=True)
    parsed = run("message", _parse, text)
    if parsed is None:
        return SiwsReport(None, tuple(run.results), None, None)
    message, hash160 = parsed
    run("domain", _check_domain, message, domain)
    if scheme is not None:
        run("scheme", _check_scheme, message, scheme)
    run("uri", _check_uri, message, uri, domain)
    if chain_id is not None:
        run("chain_id", _check_chain, message, chain_id)
    if address is not None:
        run("address", _check_address, message, address)
    if nonce is not None:
        run("nonce", _check_nonce, message, nonce)
    run("issued_at", _check_issued_at, message, now_s, leeway, max_age)
    run("expiration_time", _check_expiration, message, now_s, leeway)
    run("not_before", _check_not_before, message, now_s, leeway)
    key = run(
        "signature",
        check_signature,
        text,
        message,
        signature,
        public_key=public_key,
        legacy_prefix=legacy_prefix,
        hash160=hash160,
    )
    account = f"stacks:{message.chain_id}:{message.address}"  # both validated by the parse
    return SiwsReport(message, tuple(run.results), key, account)


def check_signature(
    text: str,
    message: SiwsMessage,
    signature: str,
    *,
    public_key: str | None = None,
    legacy_prefix: bool = False,
    hash160: bytes | None = None,
) -> str:
    """Check that ``signature`` over ``text`` is by the message's address; the compressed key.

    ``hash160`` is the address's hash when the caller has decoded it already. Raises
    `PublicKeyMismatchError` when ``public_key`` is not the address's key, and
    `InvalidSignatureError` when the signature is not by that address.
    """
    if hash160 is None:
        hash160 = parse_stacks_address(message.address)[1]
    digests = [hash_message(text)]
    if legacy_prefix:
        digests.append(hash_message(text, legacy=True))
    if public_key is not None:
        version = _C32_ALPHABET.index(message.address[1])  # validated by parse_message
        parse_public_key(public_key)
        if stacks_address(public_key, version) != message.address:
            raise PublicKeyMismatchError("the public key does not belong to the message address")
        try:
            return verify_digest_signature(
                digests, signature, public_key=public_key, address=message.address, version=version
            )
        except PublicKeyMismatchError:
            raise InvalidSignatureError(
                "the signature was not made by the message's address"
            ) from None
    # The address is compared as its HASH160: one recovery and one hash, no c32 encoding.
    raw = signature_bytes(signature)
    for digest in digests:
        for key in recover_candidates(digest, raw):
            compressed: bytes = key.format(compressed=True)
            if hash160_of(compressed) == hash160:
                return compressed.hex()
    raise InvalidSignatureError("the signature was not made by the message's address")


def verified(message: SiwsMessage, public_key: str) -> VerifiedSignIn:
    return VerifiedSignIn(
        message=message,
        address=message.address,
        public_key=public_key,
        account_id=f"stacks:{message.chain_id}:{message.address}",  # both validated by parse
        chain_id=message.chain_id,
    )


def verify_message(
    text: str,
    signature: str,
    *,
    domain: str,
    nonce: str,
    uri: str | None = None,
    scheme: str | None = None,
    chain_id: int | None = None,
    address: str | None = None,
    public_key: str | None = None,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
    legacy_prefix: bool = False,
) -> VerifiedSignIn:
    """Verify a signed Sign-In with Stacks message (spec siws.md §4) and say who signed it.

    In order: the text parses strictly (`parse_message`); its domain equals ``domain``; its
    scheme equals ``scheme`` when given; its URI equals ``uri``, or, when ``uri`` is None, its
    authority equals ``domain``; its chain is ``chain_id`` when given (else any known chain);
    its address is ``address`` (the wallet's claimed address) when given; its nonce is
    ``nonce``; ``Issued At`` is not beyond ``now + leeway`` nor older than ``max_age`` (None:
    no cap); ``Expiration Time`` and ``Not Before`` hold with the leeway; ``public_key``, when
    sent, belongs to the address; and the RSV (or VRS, high-S accepted) signature recovers to
    the message's address, with the legacy prefix only when ``legacy_prefix=True``.

    Each failure raises its own `InvalidTokenError` subclass with a stable ``code``. Use a
    nonce store and `verify_with_store` to consume the nonce atomically instead of comparing it.
    """
    if not isinstance(nonce, str) or not nonce:
        raise InvalidArgumentError("nonce (the expected one) is required")
    check_time_options(leeway, max_age)
    now_s = resolve_now(now)
    message, hash160 = _parse(text)
    check_fields(
        message,
        domain=domain,
        nonce=nonce,
        uri=uri,
        scheme=scheme,
        chain_id=chain_id,
        address=address,
        now=now_s,
        leeway=leeway,
        max_age=max_age,
    )
    key = check_signature(
        text,
        message,
        signature,
        public_key=public_key,
        legacy_prefix=legacy_prefix,
        hash160=hash160,
    )
    return verified(message, key)


# --- for wallets ----------------------------------------------------------------------------------


def wallet_check(
    text: str,
    *,
    origin: str,
    address: str,
    chain_id: int,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
) -> list[InvalidTokenError]:
    """What a wallet should check before it signs ``text`` for the site at ``origin``.

    EIP-4361's wallet rule, for Stacks: the message must parse strictly; its ``domain`` must be
    the requesting origin's host (and port); its scheme, when written, must be the origin's,
    and without one the origin must be ``https`` (or a loopback ``http``); its chain must be the
    wallet's ``chain_id`` and its address the account's ``address``; ``Issued At`` must not lie
    in the future nor be older than ``max_age``, and the message must not have expired.
    Returns every failed check as an error with its code (empty: safe to sign); never raises
    for the message (a malformed ``origin`` or ``address`` is the wallet's bug and raises).
    """
    check_time_options(leeway, max_age)
    parts = _URI_SPLIT.match(origin) if isinstance(origin, str) else None
    scheme = (parts.group(1) or "").lower() if parts else ""
    authority = (parts.group(2) or "").lower() if parts else ""
    if not scheme or not authority:
        raise InvalidArgumentError("origin must look like https://host[:port]")
    expected_address = c32check_encode(*parse_stacks_address(address))
    try:
        message = parse_message(text)
    except MalformedMessageError as exc:
        return [exc]
    failures: list[InvalidTokenError] = []
    if message.domain.lower() != authority:
        failures.append(
            DomainMismatchError(f"message is for {message.domain!r}, the request from {origin!r}")
        )
    host = authority.rsplit(":", 1)[0]
    if message.scheme is not None:
        if message.scheme.lower() != scheme:
            failures.append(SchemeMismatchError(f"message scheme is {message.scheme!r}"))
    elif scheme != "https" and not (scheme == "http" and host in ("localhost", "127.0.0.1")):
        failures.append(SchemeMismatchError("without a scheme the origin must be https"))
    if message.chain_id != chain_id:
        failures.append(ChainMismatchError(f"message is for chain {message.chain_id}"))
    if message.address != expected_address:
        failures.append(AddressMismatchError("message names another account"))
    now_s = resolve_now(now)
    issued = message.issued_at.timestamp()
    if issued > now_s + leeway:
        failures.append(IssuedInFutureError("Issued At lies in the future"))
    elif max_age is not None and now_s - issued > max_age + leeway:
        failures.append(MessageTooOldError("message was issued too long ago"))
    expires = message.expiration_time
    if expires is not None and now_s >= expires.timestamp() + leeway:
        failures.append(ExpiredTokenError("the message's Expiration Time has passed"))
    return failures


# --- nonces and account ids -----------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_C32_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def generate_nonce(length: int = 22) -> str:
    """An alphanumeric nonce from the OS CSPRNG (22 characters: 130 bits; at least 17)."""
    if type(length) is not int or length < 17:  # 62**17 > 2**101
        raise InvalidArgumentError("a nonce needs at least 17 characters (96 bits)")
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def account_id(address: str, chain_id: int) -> str:
    """The CAIP-10 account id ``stacks:<chain id>:<address>`` (address canonicalised).

    Raises `InvalidAddressError` for a malformed address or one of another network, and
    `InvalidArgumentError` for an unknown chain.
    """
    versions = CHAIN_ADDRESS_VERSIONS.get(chain_id) if type(chain_id) is int else None
    if versions is None:
        raise InvalidArgumentError(f"unknown Stacks chain ID {chain_id!r}")
    version, hash160 = parse_stacks_address(address)
    if version not in versions:
        raise InvalidAddressError(f"address is not an address of chain {chain_id}")
    return f"stacks:{chain_id}:{c32check_encode(version, hash160)}"


def parse_account_id(value: str) -> tuple[int, str]:
    """``(chain_id, address)`` of a CAIP-10 Stacks account id; `InvalidAddressError` otherwise."""
    if not isinstance(value, str):
        raise InvalidAddressError("account id must be a string")
    namespace, _, rest = value.partition(":")
    chain, _, address = rest.partition(":")
    if namespace != "stacks" or not chain.isascii() or not chain.isdigit() or chain[0] == "0":
        raise InvalidAddressError("account id must look like stacks:<chain id>:<address>")
    chain_id = int(chain)
    try:
        canonical = account_id(address, chain_id)
    except InvalidArgumentError:
        raise InvalidAddressError(f"unknown Stacks chain ID {chain_id}") from None
    if canonical != value:
        raise InvalidAddressError("account id is not in canonical form")
    return chain_id, address


# --- nonce stores ---------------------------------------------------------------------------------

DEFAULT_NONCE_TTL = 300.0


def nonce_binding(address: str, chain_id: int) -> str:
    """What a nonce is bound to: ``"<chain id>:<canonical address>"``.

    Raises `InvalidArgumentError` for an unknown chain and `InvalidAddressError` for a
    malformed address or one of another network (the caller's arguments: usage errors).
    """
    if type(chain_id) is not int or chain_id not in CHAIN_ADDRESS_VERSIONS:
        raise InvalidArgumentError(f"unknown Stacks chain ID {chain_id!r}")
    version, hash160 = parse_stacks_address(address)
    if version not in CHAIN_ADDRESS_VERSIONS[chain_id]:
        raise InvalidAddressError(f"address is not an address of chain {chain_id}")
    return f"{chain_id}:{c32check_encode(version, hash160)}"


def nonce_ttl(ttl: float) -> float:
    """``ttl`` as float seconds in (0, 86400]; `InvalidArgumentError` otherwise."""
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 0 < ttl <= 86400:
        raise InvalidArgumentError("ttl must be a number of seconds in (0, 86400]")
    return float(ttl)


def check_nonce_row(row: tuple[str, float] | None, binding: str, now: float) -> None:
    """Judge what a store's atomic take returned: ``(binding, expires_at)`` or None.

    Raises `NonceUnknownError` (code ``nonce_unknown``) when nothing was taken, the nonce
    expired, or it was issued for another account or chain.
    """
    if row is None:
        raise NonceUnknownError("the nonce was not issued here, or has been used")
    bound, expires_at = row
    if expires_at <= now:
        raise NonceUnknownError("the nonce has expired")
    if not hmac.compare_digest(bound.encode(), binding.encode()):
        raise NonceUnknownError("the nonce was issued for another account or chain")


@runtime_checkable
class NonceStore(Protocol):
    """Issues nonces bound to an account and takes each back exactly once.

    Backends: `authtokens.stores.memory.MemoryNonceStore`,
    `authtokens.stores.sqlite.SQLiteNonceStore`, `authtokens.stores.redis.RedisNonceStore`.
    ``now`` (Unix seconds or aware datetime) overrides the store's clock for one call.
    """

    def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str:
        """A fresh nonce for ``(address, chain_id)``, valid ``ttl`` seconds."""
        ...

    def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None:
        """Take ``nonce`` atomically; `NonceUnknownError` unless it was issued for this
        account and chain, is unexpired and was not taken before. It is gone afterwards."""
        ...


@runtime_checkable
class AsyncNonceStore(Protocol):
    """The async twin of `NonceStore` (``Async…NonceStore`` in each `authtokens.stores`
    backend)."""

    async def issue(
        self,
        address: str,
        chain_id: int,
        *,
        ttl: float = DEFAULT_NONCE_TTL,
        now: Timestamp | None = None,
    ) -> str: ...

    async def consume(
        self, nonce: str, address: str, chain_id: int, *, now: Timestamp | None = None
    ) -> None: ...


def verify_with_store(
    store: NonceStore,
    text: str,
    signature: str,
    *,
    domain: str,
    uri: str | None = None,
    scheme: str | None = None,
    chain_id: int | None = None,
    address: str | None = None,
    public_key: str | None = None,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
    legacy_prefix: bool = False,
) -> VerifiedSignIn:
    """`verify_message`, with the nonce taken from ``store`` instead of compared.

    Order (spec siws.md §4): parse strictly; consume the message's nonce for the message's
    address and chain (`NonceUnknownError`, code ``nonce_unknown``, when it was not issued for
    them, expired or was used: of concurrent attempts exactly one gets past this); then every
    field check and the signature. The nonce is spent whatever the later checks say.
    """
    check_time_options(leeway, max_age)  # before the nonce is spent
    now_s = resolve_now(now)
    message, hash160 = _parse(text)
    store.consume(message.nonce, message.address, message.chain_id, now=now_s)
    return _finish(
        text, message, hash160, signature, domain, uri, scheme, chain_id, address, public_key,
        now_s, leeway, max_age, legacy_prefix,
    )  # fmt: skip


async def averify_with_store(
    store: AsyncNonceStore,
    text: str,
    signature: str,
    *,
    domain: str,
    uri: str | None = None,
    scheme: str | None = None,
    chain_id: int | None = None,
    address: str | None = None,
    public_key: str | None = None,
    now: Timestamp | None = None,
    leeway: float = DEFAULT_LEEWAY,
    max_age: float | None = DEFAULT_MAX_AGE,
    legacy_prefix: bool = False,
) -> VerifiedSignIn:
    """The async twin of `verify_with_store` (the signature check is CPU-bound and runs inline:
    it takes well under a millisecond)."""
    check_time_options(leeway, max_age)  # before the nonce is spent
    now_s = resolve_now(now)
    message, hash160 = _parse(text)
    await store.consume(message.nonce, message.address, message.chain_id, now=now_s)
    return _finish(
        text, message, hash160, signature, domain, uri, scheme, chain_id, address, public_key,
        now_s, leeway, max_age, legacy_prefix,
    )  # fmt: skip


def _finish(
    text: str,
    message: SiwsMessage,
    hash160: bytes,
    signature: str,
    domain: str,
    uri: str | None,
    scheme: str | None,
    chain_id: int | None,
    address: str | None,
    public_key: str | None,
    now: float,
    leeway: float,
    max_age: float | None,
    legacy_prefix: bool,
) -> VerifiedSignIn:
    check_fields(
        message,
        domain=domain,
        nonce=None,
        uri=uri,
        scheme=scheme,
        chain_id=chain_id,
        address=address,
        now=now,
        leeway=leeway,
        max_age=max_age,
    )
    key = check_signature(
        text,
        message,
        signature,
        public_key=public_key,
        legacy_prefix=legacy_prefix,
        hash160=hash160,
    )
    return verified(message, key)
