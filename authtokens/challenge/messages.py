"""Challenges: what the client signs, and the record the store keeps until it is consumed.

The text (challenge-login.md §4.4) binds the server's domain and URI, the key, a fresh nonce,
the issue time and the expiry. Raw keys get the project's header; secp256k1 keys used with
Stacks schemes get the Sign-In-with-Stacks (SIWS) text verbatim, with the c32 address and the
SIP-005 chain id, so wallets recognise it::

    localhost:3001 wants you to sign in with your Stacks account:
    SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7

    Sign in with your key. …

    URI: http://localhost:3001
    Version: 1
    Chain ID: 1
    Nonce: 4fX0…
    Issued At: 2026-01-01T00:00:00.000Z
    Expiration Time: 2026-01-01T00:05:00.000Z

The record keeps the key, scheme, nonce, times, origin and the SHA-256 of the signed message
bytes; at verification the message is rebuilt from the record and the current domain, URI and
statement and must hash to the same value, so a client can only ever sign bytes this server
issued. Nothing here depends on a web framework or on the server's configuration object.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ..clarity import Cl, TupleCV, serialize
from ..encoding import b64url_encode
from ..hashes import sha256
from .keys import ClientKey, KeyType, libp2p_encode

__all__ = [
    "ChallengeRecord",
    "SignedMessage",
    "build_message",
    "iso_ms",
    "new_challenge_id",
    "new_nonce",
]

_NONCE_ALPHABET = string.ascii_letters + string.digits
NONCE_LENGTH = 20  # 20 alphanumerics: 119 bits, above the 96 the design asks for


def new_nonce() -> str:
    """A nonce of 20 alphanumerics from `secrets` (≈119 bits)."""
    # One read of the CSPRNG; bytes >= 248 are dropped so each of the 62 symbols is equally
    # likely (248 = 4 * 62). 40 bytes give 20 usable ones except with negligible probability.
    while True:
        usable = [b for b in secrets.token_bytes(2 * NONCE_LENGTH) if b < 248]
        if len(usable) >= NONCE_LENGTH:
            return "".join(_NONCE_ALPHABET[b % 62] for b in usable[:NONCE_LENGTH])


def new_challenge_id() -> str:
    """A 128-bit random id, unpadded base64url (22 characters)."""
    return b64url_encode(secrets.token_bytes(16))


def iso_ms(ms: int) -> str:
    """JS ``Date.prototype.toISOString`` of a Unix time in milliseconds (``…sssZ``)."""
    return _iso_seconds(ms // 1000) + f".{ms % 1000:03d}Z"


@lru_cache(maxsize=64)
def _iso_seconds(seconds: int) -> str:
    # A server formats the same few seconds many times (seven times per sign-in).
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True, slots=True)
class ChallengeRecord:
    """What the store keeps per challenge (serialised as compact JSON)."""

    id: str
    key_id: str
    key_type: str
    public_key: str  # hex; empty for a Stacks address given without its key
    display: str
    address: str
    scheme: str
    nonce: str
    issued_at_ms: int
    expires_at_ms: int
    message_sha256: str
    origin: str
    ip_hash: str
    channel: str  # "http" or "ws"

    def to_bytes(self) -> bytes:
        """Compact JSON of the record."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        return json.dumps(fields, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | str) -> ChallengeRecord:
        """Parse a stored record; raises ``ValueError``/``TypeError`` on corruption."""
        value: dict[str, Any] = json.loads(data)
        return cls(**value)

    def client_key(self) -> ClientKey:
        """The key the challenge was issued to."""
        kind: KeyType = "ed25519" if self.key_type == "ed25519" else "secp256k1"
        return ClientKey(
            kind, bytes.fromhex(self.public_key), self.key_id, self.display, self.address
        )


@dataclass(frozen=True, slots=True)
class SignedMessage:
    """The challenge in every form a client needs.

    ``text`` is shown to the user (and its UTF-8 bytes are what text schemes sign). ``signed``
    is the exact byte string whose SHA-256 the record keeps: the UTF-8 text, or for ``sip018``
    the serialised Clarity message tuple (so the hash is SIP-018's structured-data hash).
    """

    text: str
    signed: bytes
    domain_cv: TupleCV | None = None
    message_cv: TupleCV | None = None

    @property
    def sha256_hex(self) -> str:
        """SHA-256 of ``signed``, hex."""
        return sha256(self.signed).hex()


def _chain_id(address: str) -> int:
    return 1 if address.startswith("SP") else 0x80000000


def build_message(
    key: ClientKey,
    scheme: str,
    *,
    domain: str,
    uri: str,
    statement: str,
    nonce: str,
    issued_at_ms: int,
    expires_at_ms: int,
) -> SignedMessage:
    """Build the challenge for ``key`` under ``scheme`` (deterministic in its arguments).

    ``domain``, ``uri`` and ``statement`` are the signing server's; they are trusted (the caller
    checks they are single-line ASCII), the key and nonce come from this package's parsers.
    """
    issued, expires = iso_ms(issued_at_ms), iso_ms(expires_at_ms)
    stacks = key.key_type == "secp256k1" and scheme != "libp2p-secp256k1"
    if stacks:
        chain = _chain_id(key.display)
        header = f"{domain} wants you to sign in with your Stacks account:\n{key.display}"
        chain_line = f"Chain ID: {chain}\n"
    else:
        shown = libp2p_encode(2, key.public_key) if key.key_type == "secp256k1" else key.display
        header = f"{domain} wants you to sign in with your key:\n{shown}"
        chain_line = ""
    text = (
        f"{header}\n\n{statement}\n\nURI: {uri}\nVersion: 1\n{chain_line}"
        f"Nonce: {nonce}\nIssued At: {issued}\nExpiration Time: {expires}"
    )
    if scheme != "sip018":
        return SignedMessage(text, text.encode("utf-8"))
    chain = _chain_id(key.display)
    ascii = Cl.string_ascii
    domain_cv = Cl.tuple({"name": ascii(domain), "version": ascii("1"), "chain-id": Cl.uint(chain)})
    message_cv = Cl.tuple(
        {
            "domain": ascii(domain),
            "address": ascii(key.display),
            "statement": ascii(statement),
            "uri": ascii(uri),
            "version": ascii("1"),
            "chain-id": Cl.uint(chain),
            "nonce": ascii(nonce),
            "issued-at": ascii(issued),
            "expiration-time": ascii(expires),
        }
    )
    return SignedMessage(text, serialize(message_cv), domain_cv, message_cv)
