from __future__ import annotations

import hashlib
import unicodedata
from importlib import resources
from typing import Any

import pytest
from _vectors import load
from hypothesis import given
from hypothesis import strategies as st

from authtokens.bip32 import ExtendedPrivateKey
from authtokens.bip39 import (
    entropy_to_mnemonic,
    generate_mnemonic,
    mnemonic_to_entropy,
    mnemonic_to_seed,
    validate_mnemonic,
    wordlist,
)
from authtokens.errors import InvalidArgumentError, InvalidMnemonicError

ABANDON = "abandon " * 11 + "about"
# BIP39 seed of ABANDON with no passphrase (what every Stacks wallet derives from).
ABANDON_SEED = (
    "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1"
    "9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4"
)


def _trezor() -> list[Any]:
    data = load("bip39_trezor.json")
    assert data is not None, "tests/vectors/bip39_trezor.json is committed"
    return [
        pytest.param(entropy, phrase, seed, xprv, id=f"{i}-{len(phrase.split())}w")
        for i, (entropy, phrase, seed, xprv) in enumerate(data["english"])
    ]


TREZOR = _trezor()


# --- the word list ------------------------------------------------------------------------


def test_wordlist_is_the_official_english_list() -> None:
    raw = resources.files("authtokens").joinpath("bip39_english.txt").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == (
        "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
    )
    words = wordlist()
    assert len(words) == 2048
    assert len(set(words)) == 2048
    assert words[0] == "abandon"
    assert words[-1] == "zoo"
    assert list(words) == sorted(words)


def test_a_damaged_word_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from authtokens import bip39
    from authtokens.errors import CorruptDataError, InternalError

    bip39._load.cache_clear()
    monkeypatch.setattr(bip39, "_WORDLIST_SHA256", "00" * 32)
    try:
        with pytest.raises(CorruptDataError) as info:
            wordlist()
        assert isinstance(info.value, InternalError)
        assert info.value.code == "corrupt_data"
    finally:
        bip39._load.cache_clear()


# --- Trezor vectors (passphrase "TREZOR") -------------------------------------------------


@pytest.mark.parametrize(("entropy", "phrase", "seed", "xprv"), TREZOR)
def test_trezor_entropy_to_mnemonic(entropy: str, phrase: str, seed: str, xprv: str) -> None:
    assert entropy_to_mnemonic(bytes.fromhex(entropy)) == phrase


@pytest.mark.parametrize(("entropy", "phrase", "seed", "xprv"), TREZOR)
def test_trezor_mnemonic_to_entropy(entropy: str, phrase: str, seed: str, xprv: str) -> None:
    assert validate_mnemonic(phrase) == phrase
    assert mnemonic_to_entropy(phrase).hex() == entropy


@pytest.mark.parametrize(("entropy", "phrase", "seed", "xprv"), TREZOR)
def test_trezor_seed_and_root(entropy: str, phrase: str, seed: str, xprv: str) -> None:
    derived = mnemonic_to_seed(phrase, "TREZOR")
    assert derived.hex() == seed
    assert ExtendedPrivateKey.from_seed(derived).to_xprv() == xprv


def test_seed_without_passphrase() -> None:
    assert mnemonic_to_seed(ABANDON).hex() == ABANDON_SEED


def test_passphrase_is_nfkd_normalised() -> None:
    composed = "\u00e9"  # é as one code point
    decomposed = unicodedata.normalize("NFKD", composed)
    assert composed != decomposed
    assert mnemonic_to_seed(ABANDON, composed) == mnemonic_to_seed(ABANDON, decomposed)
    assert mnemonic_to_seed(ABANDON, composed) != mnemonic_to_seed(ABANDON)


# --- accepted spellings -------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(ABANDON.upper(), id="upper-case"),
        pytest.param("  " + ABANDON.replace(" ", "   ") + "\n", id="extra-spaces"),
        pytest.param(ABANDON.replace(" ", "\t"), id="tabs"),
        pytest.param(ABANDON.replace(" ", "\u3000"), id="ideographic-space"),
        pytest.param(ABANDON.replace("about", "\uff41bout"), id="fullwidth-letter-nfkd"),
    ],
)
def test_canonical_form(spelling: str) -> None:
    assert validate_mnemonic(spelling) == ABANDON
    assert mnemonic_to_seed(spelling).hex() == ABANDON_SEED


# --- refusals -----------------------------------------------------------------------------

VALID_24 = (
    "sound idle panel often situate develop unit text design antenna vendor screen opinion "
    "balcony share trigger accuse scatter visa uniform brass update opinion media"
)


@pytest.mark.parametrize(
    ("phrase", "message"),
    [
        pytest.param("", "got 0", id="empty"),
        pytest.param("abandon " * 10 + "about", "got 11", id="11-words"),
        pytest.param(ABANDON + " abandon", "got 13", id="13-words"),
        pytest.param(VALID_24 + " media", "got 25", id="25-words"),
        pytest.param("abandon " * 11 + "abandon", "checksum", id="bad-checksum-12"),
        pytest.param(VALID_24.replace("media", "mean"), "checksum", id="bad-checksum-24"),
        pytest.param(ABANDON.replace("about", "aboot"), "word 12", id="unknown-word"),
        pytest.param(ABANDON.replace("about", "abou"), "word 12", id="prefix-only"),
        pytest.param(ABANDON.replace("abandon", "abandón", 1), "word 1", id="accented"),
        pytest.param("abandon,abandon " * 6, "got 6", id="punctuation"),
    ],
)
def test_invalid_mnemonics(phrase: str, message: str) -> None:
    with pytest.raises(InvalidMnemonicError, match=message) as info:
        validate_mnemonic(phrase)
    with pytest.raises(InvalidMnemonicError):
        mnemonic_to_seed(phrase)
    # The phrase is a secret: no word of it may appear in the error.
    text = str(info.value)
    for word in set(phrase.split()) - {"word", "got"}:
        assert word not in text


@pytest.mark.parametrize("value", [None, 12, b"abandon", ["abandon"] * 12])
def test_non_string_mnemonic(value: object) -> None:
    with pytest.raises(InvalidMnemonicError, match="must be a string"):
        validate_mnemonic(value)  # type: ignore[arg-type]


def test_non_string_passphrase() -> None:
    with pytest.raises(InvalidArgumentError):
        mnemonic_to_seed(ABANDON, b"pass")  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 1, 15, 17, 31, 33, 64])
def test_entropy_length_refused(size: int) -> None:
    with pytest.raises(InvalidArgumentError):
        entropy_to_mnemonic(b"\x00" * size)


def test_entropy_type_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        entropy_to_mnemonic("00" * 16)  # type: ignore[arg-type]


# --- generation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strength", "words"), [(128, 12), (160, 15), (192, 18), (224, 21), (256, 24)]
)
def test_generate_mnemonic(strength: int, words: int) -> None:
    phrase = generate_mnemonic(strength)
    assert len(phrase.split()) == words
    assert validate_mnemonic(phrase) == phrase
    assert phrase != generate_mnemonic(strength)


def test_generate_mnemonic_default_is_24_words() -> None:
    assert len(generate_mnemonic().split()) == 24


@pytest.mark.parametrize("strength", [0, 64, 96, 127, 257, 512, True])
def test_generate_mnemonic_bad_strength(strength: int) -> None:
    with pytest.raises(InvalidArgumentError):
        generate_mnemonic(strength)


# --- properties ---------------------------------------------------------------------------


@given(st.text())
def test_validate_mnemonic_arbitrary_text(text: str) -> None:
    try:
        result = validate_mnemonic(text)
    except InvalidMnemonicError:
        return
    assert validate_mnemonic(result) == result


@given(st.lists(st.sampled_from(wordlist()), min_size=12, max_size=24))
def test_validate_mnemonic_random_words(words: list[str]) -> None:
    phrase = " ".join(words)
    try:
        entropy = mnemonic_to_entropy(phrase)
    except InvalidMnemonicError:
        return
    assert entropy_to_mnemonic(entropy) == phrase


@given(st.sampled_from([16, 20, 24, 28, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_entropy_round_trip(entropy: bytes) -> None:
    phrase = entropy_to_mnemonic(entropy)
    assert mnemonic_to_entropy(phrase) == entropy
    assert validate_mnemonic(phrase.upper()) == phrase
