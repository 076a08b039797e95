"""The ``did:btc-addr:<address>`` DIDs that name the issuer of auth tokens.

The only parser of such DIDs: `did_address` checks the form (token claims use it, then compare
the address with the signing key's), `address_from_did` also the base58check checksum and
version.
"""

from __future__ import annotations

from typing import Any

from .addresses import base58check_decode, btc_address
from .errors import InvalidAddressError

__all__ = ["DID_PREFIX", "address_from_did", "did_address", "did_from_public_key", "make_did"]

DID_PREFIX = "did:btc-addr:"
_BASE58 = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")


def did_address(did: Any) -> str:
    """The address inside a ``did:btc-addr:`` DID, checked for form only: a string with exactly
    the lowercase prefix, then 26 to 35 base58 characters. Raises `InvalidAddressError` with a
    message that reads after the DID's name (``"must start with did:btc-addr:"``)."""
    if not isinstance(did, str):
        raise InvalidAddressError("must be a did:btc-addr: DID string")
    if not did.startswith(DID_PREFIX):
        raise InvalidAddressError("must start with did:btc-addr:")
    address = did[len(DID_PREFIX) :]
    if not 26 <= len(address) <= 35 or not _BASE58.issuperset(address):
        raise InvalidAddressError("address is not a base58 P2PKH address")
    return address


def make_did(address: str) -> str:
    """``did:btc-addr:`` + a P2PKH address (validated)."""
    version, payload = base58check_decode(address)
    if version != 0 or len(payload) != 20:
        raise InvalidAddressError("DID address must be a mainnet P2PKH address (version 0x00)")
    return DID_PREFIX + address


def did_from_public_key(public_key: str | bytes) -> str:
    """The issuer DID of a public key: ``did:btc-addr:`` + its P2PKH address."""
    return DID_PREFIX + btc_address(public_key)


def address_from_did(did: str) -> str:
    """The address inside a ``did:btc-addr:`` DID.

    Strict: exactly the lowercase prefix, and a valid version-0 base58check address of a
    20-byte hash. Raises `InvalidAddressError` otherwise (the reference also accepted
    ``DID:BTC-ADDR:``; we do not, since no producer writes it).
    """
    if not isinstance(did, str) or not did.startswith(DID_PREFIX):
        raise InvalidAddressError("DID must start with 'did:btc-addr:'")
    address = did[len(DID_PREFIX) :]
    version, payload = base58check_decode(address)
    if version != 0 or len(payload) != 20:
        raise InvalidAddressError("DID address must be a mainnet P2PKH address (version 0x00)")
    return address
