"""BIP32 hierarchical deterministic private keys (secp256k1, mainnet ``xprv`` serialisation).

Only the private-key side is implemented: wallets derive every key the auth protocol needs
(identity, apps node, app keys, STX keys) from private parents. Compatible with
``@scure/bip32`` 1.1 as used by ``@stacks/wallet-sdk``.

Invalid children. When ``IL >= n`` or the child key is zero (probability about 2⁻¹²⁷ per
derivation), BIP32 says "proceed with the next index". ``@scure/bip32`` throws instead and
bitcoinjs ``bip32`` (used by legacy blockstack.js) skips; no such index is known. This module
raises `InvalidKeyError` in that case, like the current reference, rather than silently
deriving a key some other implementation would not.

Speed and constant time. The scalar addition of a derivation is libsecp256k1's constant-time
``secp256k1_ec_seckey_tweak_add``, reached through coincurve's public ``PrivateKey.add``. That
API also computes the child's public keys, so each step costs about two point multiplications;
the parent's coincurve key is cached on the `ExtendedPrivateKey`, so deriving many app keys
from one apps node costs one HMAC-SHA512 and one ``add`` each. Non-hardened steps and
fingerprints reuse the public key computed alongside.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from coincurve import PrivateKey

from .addresses import base58check_decode, base58check_encode
from .errors import InvalidAddressError, InvalidArgumentError, InvalidKeyError
from .hashes import hash160
from .keys import CURVE_ORDER

__all__ = [
    "HARDENED_OFFSET",
    "XPRV_VERSION",
    "XPUB_VERSION",
    "ExtendedPrivateKey",
    "parse_path",
]

HARDENED_OFFSET = 0x80000000
XPRV_VERSION = bytes.fromhex("0488ade4")
XPUB_VERSION = bytes.fromhex("0488b21e")
_MASTER_HMAC_KEY = b"Bitcoin seed"
_PATH_COMPONENT = re.compile(r"([0-9]{1,10})(['hH]?)")


def _tweak_add(key: PrivateKey, tweak: bytes) -> PrivateKey | None:
    """``key + tweak`` (mod n), or None when the tweak is >= n or the sum is zero."""
    try:
        child: PrivateKey = key.add(tweak)
    except ValueError:
        return None
    return child


def _compressed(key: PrivateKey) -> bytes:
    out: bytes = key.public_key.format(compressed=True)
    return out


def _check_index(index: object) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise InvalidArgumentError(f"child index must be an int, got {type(index).__name__}")
    if not 0 <= index < 2**32:
        raise InvalidArgumentError("child index must be in 0 .. 2**32 - 1")
    return index


def _child(chain_code: bytes, key: PrivateKey, index: int) -> tuple[PrivateKey, bytes]:
    """CKDpriv: ``(child key, child chain code)``."""
    if index >= HARDENED_OFFSET:
        data = b"\x00" + key.secret + index.to_bytes(4, "big")
    else:
        data = _compressed(key) + index.to_bytes(4, "big")
    digest = hmac.digest(chain_code, data, "sha512")
    child = _tweak_add(key, digest[:32])
    if child is None:
        raise InvalidKeyError(
            f"BIP32 child {index} is invalid (IL >= n or zero key; probability ~2^-127)"
        )
    return child, digest[32:]


def parse_path(path: str) -> tuple[int, ...]:
    """The child indexes of a derivation path such as ``m/888'/0'/0'`` (hardened added).

    The path starts with ``m`` (or ``M``); each component is a decimal index below 2**31,
    hardened with a trailing ``'``, ``h`` or ``H``. ``"m"`` alone is the empty path. Raises
    `InvalidArgumentError` for anything else.
    """
    if not isinstance(path, str):
        raise InvalidArgumentError(f"derivation path must be a string, got {type(path).__name__}")
    parts = path.split("/")
    if parts[0] not in ("m", "M"):
        raise InvalidArgumentError('derivation path must start with "m"')
    out = []
    for part in parts[1:]:
        match = _PATH_COMPONENT.fullmatch(part)
        if match is None:
            raise InvalidArgumentError("derivation path component is not an index like 0 or 0'")
        index = int(match.group(1))
        if index >= HARDENED_OFFSET:
            raise InvalidArgumentError("derivation path index must be below 2**31")
        out.append(index + HARDENED_OFFSET if match.group(2) else index)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ExtendedPrivateKey:
    """A BIP32 extended private key: key material plus its place in the tree.

    The private key and chain code are left out of ``repr``. Construct one with `from_seed`
    or `from_xprv`; the constructor validates every field and raises `InvalidKeyError`.
    """

    depth: int
    parent_fingerprint: bytes
    child_number: int
    chain_code: bytes = field(repr=False)
    private_key: bytes = field(repr=False)
    _key: PrivateKey | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.depth, int) or not 0 <= self.depth <= 255:
            raise InvalidKeyError("extended key depth must be in 0 .. 255")
        if not isinstance(self.parent_fingerprint, bytes) or len(self.parent_fingerprint) != 4:
            raise InvalidKeyError("parent fingerprint must be 4 bytes")
        if not isinstance(self.child_number, int) or not 0 <= self.child_number < 2**32:
            raise InvalidKeyError("child number must be in 0 .. 2**32 - 1")
        if self.depth == 0 and (self.child_number or any(self.parent_fingerprint)):
            raise InvalidKeyError("a depth-0 key must have child number 0 and fingerprint 0")
        if not isinstance(self.chain_code, bytes) or len(self.chain_code) != 32:
            raise InvalidKeyError("chain code must be 32 bytes")
        if not isinstance(self.private_key, bytes) or len(self.private_key) != 32:
            raise InvalidKeyError("private key must be 32 bytes")
        if not 0 < int.from_bytes(self.private_key, "big") < CURVE_ORDER:
            raise InvalidKeyError("private key is out of range for secp256k1")

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_seed(cls, seed: bytes) -> ExtendedPrivateKey:
        """The master key of a BIP32 seed (16 to 64 bytes, e.g. a 64-byte BIP39 seed).

        Raises `InvalidArgumentError` for another length or type, and `InvalidKeyError` if the
        seed gives an invalid master key (probability ~2^-127).
        """
        if not isinstance(seed, bytes | bytearray):
            raise InvalidArgumentError(f"seed must be bytes, got {type(seed).__name__}")
        if not 16 <= len(seed) <= 64:
            raise InvalidArgumentError(f"seed must be 16 to 64 bytes, got {len(seed)}")
        digest = hmac.digest(_MASTER_HMAC_KEY, bytes(seed), "sha512")
        return cls(0, b"\x00\x00\x00\x00", 0, digest[32:], digest[:32])

    @classmethod
    def from_xprv(cls, xprv: str) -> ExtendedPrivateKey:
        """Parse a base58check ``xprv`` (mainnet version 0x0488ADE4).

        Checks the checksum, the 78-byte length, the version (an ``xpub`` or a testnet
        ``tprv`` is refused), the 0x00 key prefix, the key range, and that a depth-0 key has
        no parent. Raises `InvalidKeyError` for any failure; the message never contains key
        material.
        """
        if not isinstance(xprv, str):
            raise InvalidKeyError(f"extended key must be a string, got {type(xprv).__name__}")
        try:
            first, rest = base58check_decode(xprv)
        except InvalidAddressError:
            raise InvalidKeyError("extended key is not valid base58check") from None
        data = bytes((first,)) + rest
        if len(data) != 78:
            raise InvalidKeyError(f"extended key must be 78 bytes, got {len(data)}")
        version = data[:4]
        if version == XPUB_VERSION:
            raise InvalidKeyError("an extended public key (xpub) was given; need an xprv")
        if version != XPRV_VERSION:
            raise InvalidKeyError(f"extended key version {version.hex()} is not xprv 0488ade4")
        if data[45] != 0:
            raise InvalidKeyError("extended private key must have a 0x00 key prefix byte")
        return cls(
            data[4],
            data[5:9],
            int.from_bytes(data[9:13], "big"),
            data[13:45],
            data[46:78],
        )

    # --- serialisation and public key -----------------------------------------------------

    def to_xprv(self) -> str:
        """The base58check ``xprv`` serialisation (111 characters)."""
        body = (
            XPRV_VERSION[1:]
            + bytes((self.depth,))
            + self.parent_fingerprint
            + self.child_number.to_bytes(4, "big")
            + self.chain_code
            + b"\x00"
            + self.private_key
        )
        return base58check_encode(XPRV_VERSION[0], body)

    def to_xpub(self) -> str:
        """The base58check ``xpub`` serialisation of the matching extended public key."""
        body = (
            XPUB_VERSION[1:]
            + bytes((self.depth,))
            + self.parent_fingerprint
            + self.child_number.to_bytes(4, "big")
            + self.chain_code
            + self.public_key_bytes
        )
        return base58check_encode(XPUB_VERSION[0], body)

    @property
    def private_key_hex(self) -> str:
        """The private key as 64 lowercase hex characters (no ``01`` suffix)."""
        return self.private_key.hex()

    @property
    def key(self) -> PrivateKey:
        """The coincurve key (built once, then cached: it carries the public key)."""
        cached = self._key
        if cached is None:
            cached = PrivateKey(self.private_key)
            object.__setattr__(self, "_key", cached)
        return cached

    @property
    def public_key_bytes(self) -> bytes:
        """The compressed 33-byte public key (computed once, then cached)."""
        return _compressed(self.key)

    @property
    def public_key_hex(self) -> str:
        """The compressed public key as 66 lowercase hex characters."""
        return self.public_key_bytes.hex()

    @property
    def fingerprint(self) -> bytes:
        """The first 4 bytes of HASH160 of the public key (a child's parent fingerprint)."""
        return hash160(self.public_key_bytes)[:4]

    # --- derivation -----------------------------------------------------------------------

    def child_private_key(self, index: int) -> bytes:
        """Only the 32-byte private key of child ``index`` (hardened if ``index >= 2**31``).

        The fast path for app keys: one HMAC-SHA512 and one scalar addition. Raises
        `InvalidArgumentError` for an index outside 0 .. 2**32 - 1 and `InvalidKeyError` for
        an invalid child.
        """
        child: bytes = _child(self.chain_code, self.key, _check_index(index))[0].secret
        return child

    def descendant_private_key(self, indexes: Iterable[int]) -> bytes:
        """Only the 32-byte private key at the relative path ``indexes``, e.g. ``[5, 2**31]``.

        Builds no intermediate extended keys. Raises like `child_private_key`; an empty path
        gives this key.
        """
        key, chain_code = self.key, self.chain_code
        for raw in indexes:
            key, chain_code = _child(chain_code, key, _check_index(raw))
        secret: bytes = key.secret
        return secret

    def derive(self, index: int) -> ExtendedPrivateKey:
        """The child extended key at ``index`` (hardened if ``index >= 2**31``).

        Raises `InvalidArgumentError` for an index outside 0 .. 2**32 - 1 or a child deeper
        than 255, and `InvalidKeyError` for an invalid child (see the module docstring).
        """
        index = _check_index(index)
        if self.depth == 255:
            raise InvalidArgumentError("cannot derive below depth 255")
        key, chain_code = _child(self.chain_code, self.key, index)
        return ExtendedPrivateKey(
            self.depth + 1, self.fingerprint, index, chain_code, key.secret, _key=key
        )

    def derive_path(self, path: str) -> ExtendedPrivateKey:
        """The descendant at ``path`` (``m/888'/0'/0'``; see `parse_path`), relative to self.

        Raises like `parse_path` and `derive`.
        """
        node = self
        for index in parse_path(path):
            node = node.derive(index)
        return node
