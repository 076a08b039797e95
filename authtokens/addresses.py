"""Bitcoin base58check P2PKH addresses and Stacks c32check addresses.

The ``iss`` of every auth token is ``did:btc-addr:`` plus the base58check P2PKH address
(version 0x00) of the signing key's HASH160. Stacks addresses (``SP…`` mainnet, ``ST…``
testnet) carry the same HASH160 under c32check with versions 22 and 26.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from .errors import InvalidAddressError
from .hashes import hash160, sha256d
from .keys import parse_public_key

__all__ = [
    "B58_TO_C32_VERSION",
    "STACKS_MAINNET",
    "STACKS_TESTNET",
    "b58_to_c32",
    "base58check_decode",
    "base58check_encode",
    "btc_address",
    "c32_normalize",
    "c32_to_b58",
    "c32check_decode",
    "c32check_encode",
    "canonical_stacks_address",
    "p2pkh_address",
    "parse_stacks_address",
    "stacks_address",
]

STACKS_MAINNET = 22  # "P"
STACKS_TESTNET = 26  # "T"
B58_TO_C32_VERSION = {0x00: 22, 0x05: 20, 0x6F: 26, 0xC4: 21}
_C32_TO_B58_VERSION = {v: k for k, v in B58_TO_C32_VERSION.items()}

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_C32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_C32_INDEX = {c: i for i, c in enumerate(_C32)}


# --- base58check --------------------------------------------------------------------------


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_B58[rem])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(out))


def base58check_encode(version: int, payload: bytes) -> str:
    """Base58check of ``version || payload`` with the 4-byte double-SHA-256 checksum."""
    if not 0 <= version <= 255:
        raise InvalidAddressError("version must be a single byte")
    body = bytes((version,)) + payload
    return _b58encode(body + sha256d(body)[:4])


def base58check_decode(address: str) -> tuple[int, bytes]:
    """``(version, payload)`` of a base58check string; raise `InvalidAddressError` otherwise."""
    if not isinstance(address, str) or not address or len(address) > 128:
        raise InvalidAddressError("base58check value must be a non-empty string")
    n = 0
    for c in address:
        digit = _B58_INDEX.get(c)
        if digit is None:
            raise InvalidAddressError("base58check value contains a character outside base58")
        n = n * 58 + digit
    zeros = len(address) - len(address.lstrip("1"))
    body = b"\x00" * zeros + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")
    if len(body) < 5:
        raise InvalidAddressError("base58check value is too short")
    data, checksum = body[:-4], body[-4:]
    if sha256d(data)[:4] != checksum:
        raise InvalidAddressError("base58check checksum does not match")
    return data[0], data[1:]


@lru_cache(maxsize=4096)
def p2pkh_address(public_key: bytes) -> str:
    """Version-0 P2PKH address of already-validated public key bytes, hashed as given."""
    return base58check_encode(0, hash160(public_key))


def btc_address(public_key: str | bytes, version: int = 0x00) -> str:
    """P2PKH address of a public key, hashing the key in the form given (as the reference does).

    A compressed key (what every producer emits) gives the usual address; an uncompressed key
    gives a different, self-consistent one.
    """
    if isinstance(public_key, str):
        parse_public_key(public_key)  # first: it refuses non-hex, which fromhex would raise on
        raw = bytes.fromhex(public_key)
    else:
        parse_public_key(public_key)  # first: it refuses what bytes() would choke on
        raw = bytes(public_key)
    return base58check_encode(version, hash160(raw))


# --- c32check -----------------------------------------------------------------------------


_B32_TO_C32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _C32)
_C32_TO_INT_DIGITS = str.maketrans(_C32, "0123456789abcdefghijklmnopqrstuv")
_C32_SET = frozenset(_C32)


def _c32encode(data: bytes) -> str:
    """c32 of ``data`` read as one big-endian number, one ``0`` per leading zero byte (as
    c32check writes it). The 5-bit groups come from the C base32 encoder: the number is shifted
    so that its bit length, padded to a multiple of 5, starts on a byte boundary."""
    if not data:
        return ""
    nbits = 8 * len(data)
    total = nbits + (-nbits) % 5
    nbytes = (total + 7) // 8
    n = int.from_bytes(data, "big") << (8 * nbytes - total)
    digits = base64.b32encode(n.to_bytes(nbytes, "big"))[: total // 5].decode("ascii")
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "0" * zeros + digits.translate(_B32_TO_C32).lstrip("0")


def c32check_encode(version: int, payload: bytes) -> str:
    """Stacks address: ``"S" + c32(version) + c32(payload || checksum)``."""
    if not 0 <= version < 32:
        raise InvalidAddressError("c32 version must be in 0..31")
    checksum = sha256d(bytes((version,)) + payload)[:4]
    return "S" + _C32[version] + _c32encode(payload + checksum)


# c32check (and stacks-core) read Crockford spellings: lower case, O for 0, I and L for 1.
_C32_NORMALISE = str.maketrans("abcdefghjkmnpqrstvwxyzoOiIlL", "ABCDEFGHJKMNPQRSTVWXYZ000111")


def c32_normalize(address: str) -> str:
    """``address`` in canonical c32 spelling (upper case, ``O``→``0``, ``I``/``L``→``1``)."""
    return address.translate(_C32_NORMALISE)


def c32check_decode(address: str) -> tuple[int, bytes]:
    """``(version, payload)`` of a Stacks c32check address; raise `InvalidAddressError`.

    The spellings c32check normalises are accepted: lower case, ``O`` for ``0``, ``I`` or ``L``
    for ``1`` (so ``sp3kc0…`` reads as ``SP3KC0…``); `c32check_encode` always writes the
    canonical form. An empty payload (``"S" + version + checksum``, which c32check encodes and
    decodes) is accepted here, since this is the generic codec; `parse_stacks_address` and
    every verifier require the 20-byte HASH160 of an account.
    """
    if not isinstance(address, str) or len(address) < 3 or len(address) > 128:
        raise InvalidAddressError("Stacks address must be a string of a plausible length")
    address = c32_normalize(address)
    if address[0] != "S":
        raise InvalidAddressError("Stacks address must start with 'S'")
    version = _C32_INDEX.get(address[1])
    if version is None:
        raise InvalidAddressError("Stacks address has an invalid version character")
    rest = address[2:]
    if not _C32_SET.issuperset(rest):
        raise InvalidAddressError("Stacks address contains a character outside c32")
    n = int(rest.translate(_C32_TO_INT_DIGITS), 32) if rest else 0
    zeros = len(rest) - len(rest.lstrip("0"))
    body = b"\x00" * zeros + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")
    if len(body) < 4:
        raise InvalidAddressError("Stacks address is too short")
    payload, checksum = body[:-4], body[-4:]
    if sha256d(bytes((version,)) + payload)[:4] != checksum:
        raise InvalidAddressError("Stacks address checksum does not match")
    # No re-encoding needed: one leading "0" per zero byte and the minimal digits of the rest
    # is exactly how the body was read, so the (normalised) spelling is the canonical one.
    return version, payload


def parse_stacks_address(address: str) -> tuple[int, bytes]:
    """``(version, hash160)`` of a Stacks account address (20-byte payload, any version).

    Accepts the spellings `c32check_decode` accepts; refuses other payload lengths, including
    the empty payload, with `InvalidAddressError`. Addresses decoded recently are remembered
    (a sign-in decodes its address at the nonce and again in the message, and users return).
    """
    if not isinstance(address, str):
        raise InvalidAddressError("Stacks address must be a string of a plausible length")
    return _parse_stacks_address(address)


@lru_cache(maxsize=4096)
def _parse_stacks_address(address: str) -> tuple[int, bytes]:
    version, payload = c32check_decode(address)
    if len(payload) != 20:
        raise InvalidAddressError(
            f"Stacks address must carry a 20-byte hash, got {len(payload)} bytes"
        )
    return version, payload


def canonical_stacks_address(address: str) -> str:
    """The canonical spelling of a Stacks account address (see `parse_stacks_address`)."""
    version, payload = parse_stacks_address(address)
    return c32check_encode(version, payload)


def stacks_address(public_key: str | bytes, version: int = STACKS_MAINNET) -> str:
    """Single-signature Stacks address of a public key, hashing the key **as given**.

    As stacks.js ``getAddressFromPublicKey`` does: a compressed key (what wallets use) gives
    the usual address, an uncompressed key its own, different address. The key is validated
    first (`InvalidKeyError`).
    """
    parse_public_key(public_key)  # first: it refuses non-hex, which fromhex would raise on
    raw = bytes.fromhex(public_key) if isinstance(public_key, str) else bytes(public_key)
    return c32check_encode(version, hash160(raw))


def b58_to_c32(address: str) -> str:
    """The Stacks address holding the same HASH160 as a base58check address."""
    version, payload = base58check_decode(address)
    if version not in B58_TO_C32_VERSION:
        raise InvalidAddressError(f"no Stacks version for base58 version {version}")
    return c32check_encode(B58_TO_C32_VERSION[version], payload)


def c32_to_b58(address: str) -> str:
    """The base58check address holding the same HASH160 as a Stacks address."""
    version, payload = c32check_decode(address)
    if version not in _C32_TO_B58_VERSION:
        raise InvalidAddressError(f"no base58 version for Stacks version {version}")
    return base58check_encode(_C32_TO_B58_VERSION[version], payload)
