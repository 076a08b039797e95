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

from .message import (
    CHAIN_ADDRESS_VERSIONS,
    CHAIN_MAINNET,
    CHAIN_TESTNET,
    DEFAULT_MAX_AGE,
    MAX_MESSAGE_LENGTH,
    SiwsMessage,
    VerifiedSignIn,
    create_message,
    is_uri,
    parse_message,
)
from .nonces import (
    DEFAULT_NONCE_TTL,
    AsyncNonceStore,
    NonceStore,
    account_id,
    averify_with_store,
    check_nonce_row,
    generate_nonce,
    nonce_binding,
    nonce_ttl,
    parse_account_id,
    verify_with_store,
)
from .verify import (
    SiwsReport,
    check_fields,
    check_message,
    check_signature,
    check_time_options,
    verify_message,
    wallet_check,
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
