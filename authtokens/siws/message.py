"""Sign-In with Stacks messages: the model, `create_message` (byte for byte as the
reference) and the strict `parse_message`."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from ..addresses import (
    STACKS_MAINNET,
    STACKS_TESTNET,
    c32_normalize,
    c32check_encode,
    parse_stacks_address,
)
from ..claims import Timestamp, resolve_now, to_seconds
from ..errors import (
    InvalidAddressError,
    InvalidMessageFieldError,
    MalformedMessageError,
)

CHAIN_MAINNET = 1
CHAIN_TESTNET = 2147483648
DEFAULT_MAX_AGE = 600.0
MAX_MESSAGE_LENGTH = 64 * 1024
# Address versions of each chain: single-signature first, then multi-signature.
CHAIN_ADDRESS_VERSIONS = {CHAIN_MAINNET: (STACKS_MAINNET, 20), CHAIN_TESTNET: (STACKS_TESTNET, 21)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_C32_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

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
