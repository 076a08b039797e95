"""Sign-In with Stacks verification: each field against what the backend expects, the
signature against the message's address, and the check a wallet runs before it signs."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from ..addresses import (
    c32check_encode,
    parse_stacks_address,
    stacks_address,
)
from ..checks import Check, CheckRunner
from ..claims import DEFAULT_LEEWAY, Timestamp, check_seconds, resolve_now
from ..errors import (
    AddressMismatchError,
    ChainMismatchError,
    DomainMismatchError,
    ExpiredTokenError,
    InvalidAddressError,
    InvalidArgumentError,
    InvalidSignatureError,
    InvalidTokenError,
    IssuedInFutureError,
    MalformedMessageError,
    MessageTooOldError,
    NonceMismatchError,
    NotYetValidError,
    PublicKeyMismatchError,
    SchemeMismatchError,
    UriMismatchError,
)
from ..hashes import hash160 as hash160_of
from ..keys import parse_public_key
from ..stacks_messages import (
    hash_message,
    recover_candidates,
    signature_bytes,
    verify_digest_signature,
)
from .message import (
    _C32_ALPHABET,
    _URI_SPLIT,
    DEFAULT_MAX_AGE,
    SiwsMessage,
    VerifiedSignIn,
    _parse,
    parse_message,
)

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
    fields_unchecked(
        message,
        domain=domain,
        nonce=nonce,
        uri=uri,
        scheme=scheme,
        chain_id=chain_id,
        address=address,
        now=now,
        leeway=leeway,
        max_age=max_age,
    )


def fields_unchecked(
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
    """`check_fields` for callers that have already validated ``leeway`` and ``max_age`` with
    `check_time_options` (the verifiers do, before anything else, so they do it once)."""
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
    expected = Expected(
        domain=domain,
        nonce=nonce,
        uri=uri,
        scheme=scheme,
        chain_id=chain_id,
        address=address,
        public_key=public_key,
        leeway=leeway,
        max_age=max_age,
        legacy_prefix=legacy_prefix,
    )
    return verify_parsed(text, message, hash160, signature, expected, now_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """What the backend expects of a message: the verifiers' keyword arguments, gathered once
    (``nonce=None``: a nonce store has already taken it)."""

    domain: str
    nonce: str | None
    uri: str | None
    scheme: str | None
    chain_id: int | None
    address: str | None
    public_key: str | None
    leeway: float
    max_age: float | None
    legacy_prefix: bool


def verify_parsed(
    text: str,
    message: SiwsMessage,
    hash160: bytes,
    signature: str,
    expected: Expected,
    now: float,
) -> VerifiedSignIn:
    """The verifiers' common end: every field check, then the signature (``leeway`` and
    ``max_age`` already validated by the caller)."""
    fields_unchecked(
        message,
        domain=expected.domain,
        nonce=expected.nonce,
        uri=expected.uri,
        scheme=expected.scheme,
        chain_id=expected.chain_id,
        address=expected.address,
        now=now,
        leeway=expected.leeway,
        max_age=expected.max_age,
    )
    key = check_signature(
        text,
        message,
        signature,
        public_key=expected.public_key,
        legacy_prefix=expected.legacy_prefix,
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
