"""Sign-In with Stacks nonces and account ids: `generate_nonce`, CAIP-10 ids, the nonce-store
protocols and the verifiers that take the nonce before any other check."""

from __future__ import annotations

import hmac
import secrets
from typing import Protocol, runtime_checkable

from ..addresses import (
    c32check_encode,
    parse_stacks_address,
)
from ..claims import DEFAULT_LEEWAY, Timestamp, resolve_now
from ..errors import (
    InvalidAddressError,
    InvalidArgumentError,
    NonceUnknownError,
)
from .message import (
    CHAIN_ADDRESS_VERSIONS,
    DEFAULT_MAX_AGE,
    VerifiedSignIn,
    _parse,
)
from .verify import Expected, check_time_options, verify_parsed

# --- nonces and account ids -----------------------------------------------------------------------

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
    expected = Expected(
        domain=domain,
        nonce=None,
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
    expected = Expected(
        domain=domain,
        nonce=None,
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
