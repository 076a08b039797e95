"""BIP39 English mnemonics: validation, seeds, and generation.

Compatible with ``@scure/bip39`` 1.1 (what ``@stacks/wallet-sdk`` uses): the phrase is NFKD
normalised, its words must come from the official English list, and the checksum must match;
the seed is PBKDF2-HMAC-SHA512 over the phrase with the salt ``"mnemonic" + passphrase`` (both
NFKD), 2048 rounds, 64 bytes.

One deliberate difference: the reference splits on single spaces and is case-sensitive, so it
refuses ``"Abandon  abandon …"``. Here whitespace runs are collapsed and words are lowercased,
and the seed is always computed from that canonical form (lowercase words joined by one space).
Every phrase the reference accepts is already canonical after NFKD, so both give the same seed
for it; a phrase the reference refuses maps to the seed of the phrase the user evidently meant,
never to a seed no BIP39 wallet would produce.

Errors never echo the phrase or any of its words: a mnemonic is a secret.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from functools import lru_cache
from importlib import resources

from .errors import CorruptDataError, InvalidArgumentError, InvalidMnemonicError

__all__ = [
    "WORD_COUNTS",
    "entropy_to_mnemonic",
    "generate_mnemonic",
    "mnemonic_to_entropy",
    "mnemonic_to_seed",
    "validate_mnemonic",
    "wordlist",
]

WORD_COUNTS = (12, 15, 18, 21, 24)
_STRENGTHS = (128, 160, 192, 224, 256)
_WORDLIST_SHA256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
_PBKDF2_ROUNDS = 2048


@lru_cache(maxsize=1)
def _load() -> tuple[tuple[str, ...], dict[str, int]]:
    raw = resources.files("authtokens").joinpath("bip39_english.txt").read_bytes()
    # A damaged or substituted list would silently derive other keys: refuse to run with one.
    if hashlib.sha256(raw).hexdigest() != _WORDLIST_SHA256:
        raise CorruptDataError(
            "authtokens/bip39_english.txt is not the official BIP39 English list"
        )
    words = tuple(raw.decode("ascii").split("\n")[:2048])
    return words, {w: i for i, w in enumerate(words)}


def wordlist() -> tuple[str, ...]:
    """The 2048 words of the official BIP39 English list, in order."""
    return _load()[0]


def _canonical_words(mnemonic: object) -> list[str]:
    if not isinstance(mnemonic, str):
        raise InvalidMnemonicError(f"mnemonic must be a string, got {type(mnemonic).__name__}")
    return unicodedata.normalize("NFKD", mnemonic).lower().split()


def _decode(words: list[str]) -> bytes:
    """The entropy a canonical word list encodes; raise `InvalidMnemonicError` otherwise."""
    if len(words) not in WORD_COUNTS:
        raise InvalidMnemonicError(
            f"mnemonic must have 12, 15, 18, 21 or 24 words, got {len(words)}"
        )
    index = _load()[1]
    bits = 0
    for position, word in enumerate(words, start=1):
        value = index.get(word)
        if value is None:
            raise InvalidMnemonicError(f"word {position} is not in the BIP39 English word list")
        bits = (bits << 11) | value
    checksum_bits = len(words) // 3
    entropy_len = len(words) * 4 // 3
    entropy = (bits >> checksum_bits).to_bytes(entropy_len, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    if bits & ((1 << checksum_bits) - 1) != expected:
        raise InvalidMnemonicError("mnemonic checksum does not match")
    return entropy


def validate_mnemonic(mnemonic: str) -> str:
    """Check a BIP39 English mnemonic and return its canonical form.

    The phrase is NFKD normalised, lowercased and split on any whitespace. It must have 12, 15,
    18, 21 or 24 words, all from the English list, and a matching checksum. Returns the words
    joined by single spaces. Raises `InvalidMnemonicError` (whose message never contains the
    phrase) for anything else, including a non-string.
    """
    words = _canonical_words(mnemonic)
    _decode(words)
    return " ".join(words)


def mnemonic_to_entropy(mnemonic: str) -> bytes:
    """The entropy (16 to 32 bytes) a mnemonic encodes; raises like `validate_mnemonic`."""
    return _decode(_canonical_words(mnemonic))


def mnemonic_to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP39 seed of a mnemonic, as ``@scure/bip39`` ``mnemonicToSeed`` computes it.

    The mnemonic is validated first (see `validate_mnemonic`, which raises
    `InvalidMnemonicError`) and its canonical form is used. The passphrase is NFKD normalised;
    a non-string passphrase raises `InvalidArgumentError`.
    """
    phrase = validate_mnemonic(mnemonic)
    if not isinstance(passphrase, str):
        raise InvalidArgumentError(f"passphrase must be a string, got {type(passphrase).__name__}")
    salt = unicodedata.normalize("NFKD", "mnemonic" + passphrase)
    return hashlib.pbkdf2_hmac(
        "sha512", phrase.encode("utf-8"), salt.encode("utf-8"), _PBKDF2_ROUNDS, 64
    )


def entropy_to_mnemonic(entropy: bytes) -> str:
    """The English mnemonic encoding ``entropy`` (16, 20, 24, 28 or 32 bytes).

    Raises `InvalidArgumentError` for any other length or a non-bytes argument.
    """
    if not isinstance(entropy, bytes | bytearray):
        raise InvalidArgumentError(f"entropy must be bytes, got {type(entropy).__name__}")
    if len(entropy) * 8 not in _STRENGTHS:
        raise InvalidArgumentError(
            f"entropy must be 16, 20, 24, 28 or 32 bytes, got {len(entropy)}"
        )
    entropy = bytes(entropy)
    checksum_bits = len(entropy) // 4
    checksum = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    bits = (int.from_bytes(entropy, "big") << checksum_bits) | checksum
    count = (len(entropy) * 8 + checksum_bits) // 11
    words = wordlist()
    return " ".join(words[(bits >> (11 * (count - 1 - i))) & 0x7FF] for i in range(count))


def generate_mnemonic(strength: int = 256) -> str:
    """A new English mnemonic from the OS CSPRNG; ``strength`` is the entropy in bits.

    256 bits (24 words) is the wallet-sdk default; 128 gives 12 words. Raises
    `InvalidArgumentError` for a strength other than 128, 160, 192, 224 or 256.
    """
    if isinstance(strength, bool) or strength not in _STRENGTHS:
        raise InvalidArgumentError("strength must be 128, 160, 192, 224 or 256 bits")
    return entropy_to_mnemonic(secrets.token_bytes(strength // 8))
