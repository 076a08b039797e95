"""What Stacks wallets sign: plain messages (``stx_signMessage``) and SIP-018 structured data.

Plain message digest (stacks.js ``hashMessage``)::

    SHA-256(0x17 "Stacks Signed Message:\\n" || CompactSize(len(utf8)) || utf8(message))

The legacy prefix ``0x18 "Stacks Message Signing:\\n"`` is what older wallets used.

SIP-018 digest::

    SHA-256("SIP018" || SHA-256(serializeCV(domain)) || SHA-256(serializeCV(message)))

Clarity values are modelled by small tagged tuples (`ascii`, `utf8`, `uint`, `tuple_cv`) and
serialised in the consensus wire format (tuple entries sorted by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .hashes import sha256

__all__ = [
    "LEGACY_PREFIX",
    "MESSAGE_PREFIX",
    "SIP018_PREFIX",
    "ClarityValue",
    "ascii_cv",
    "compact_size",
    "message_digest",
    "serialize_cv",
    "sip018_digest",
    "tuple_cv",
    "uint_cv",
    "utf8_cv",
]

MESSAGE_PREFIX = b"\x17Stacks Signed Message:\n"
LEGACY_PREFIX = b"\x18Stacks Message Signing:\n"
SIP018_PREFIX = b"SIP018"


def compact_size(n: int) -> bytes:
    """Bitcoin CompactSize varint of ``n``."""
    if n < 0xFD:
        return bytes((n,))
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def message_digest(message: str | bytes, *, legacy: bool = False) -> bytes:
    """The 32-byte digest a wallet signs for a plain message (new or legacy prefix)."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    prefix = LEGACY_PREFIX if legacy else MESSAGE_PREFIX
    return sha256(prefix + compact_size(len(data)) + data)


@dataclass(frozen=True, slots=True)
class ClarityValue:
    """A serialised Clarity value (consensus bytes)."""

    data: bytes


def uint_cv(value: int) -> ClarityValue:
    """Clarity ``uint`` (128-bit unsigned)."""
    if not 0 <= value < 2**128:
        raise ValueError("uint out of range")
    return ClarityValue(b"\x01" + value.to_bytes(16, "big"))


def ascii_cv(value: str) -> ClarityValue:
    """Clarity ``string-ascii``; refuses non-ASCII text."""
    data = value.encode("ascii")
    return ClarityValue(b"\x0d" + len(data).to_bytes(4, "big") + data)


def utf8_cv(value: str) -> ClarityValue:
    """Clarity ``string-utf8``."""
    data = value.encode("utf-8")
    return ClarityValue(b"\x0e" + len(data).to_bytes(4, "big") + data)


def tuple_cv(fields: Mapping[str, ClarityValue]) -> ClarityValue:
    """Clarity tuple: count, then entries sorted by name, each ``u8 len || name || value``."""
    out = [b"\x0c", len(fields).to_bytes(4, "big")]
    for name in sorted(fields):
        raw = name.encode("ascii")
        out += [bytes((len(raw),)), raw, fields[name].data]
    return ClarityValue(b"".join(out))


def serialize_cv(value: ClarityValue) -> bytes:
    """The consensus serialisation of ``value``."""
    return value.data


def sip018_digest(domain: ClarityValue, message: ClarityValue) -> bytes:
    """The SIP-018 signing digest of ``message`` under ``domain``."""
    return sha256(SIP018_PREFIX + sha256(domain.data) + sha256(message.data))
