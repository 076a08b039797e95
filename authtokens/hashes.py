"""The hashes the protocol uses: SHA-256, double SHA-256 and HASH160 (RIPEMD-160 of SHA-256)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from ._ripemd160 import ripemd160 as _ripemd160_fallback

__all__ = ["hash160", "ripemd160", "sha256", "sha256d"]


def _pick_ripemd160() -> Callable[[bytes], bytes]:
    try:
        hashlib.new("ripemd160", b"")
    except ValueError:  # OpenSSL 3 without the legacy provider
        return _ripemd160_fallback

    def ripemd160(data: bytes) -> bytes:
        return hashlib.new("ripemd160", data).digest()

    return ripemd160


ripemd160: Callable[[bytes], bytes] = _pick_ripemd160()


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def sha256d(data: bytes) -> bytes:
    """SHA-256 of SHA-256 (the base58check and c32check checksum hash)."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def hash160(data: bytes) -> bytes:
    """RIPEMD-160 of SHA-256: the 20-byte hash inside Bitcoin and Stacks addresses."""
    return ripemd160(hashlib.sha256(data).digest())
