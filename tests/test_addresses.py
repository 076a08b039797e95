from __future__ import annotations

import pytest
from _vectors import cases
from hypothesis import given
from hypothesis import strategies as st

from authtokens.addresses import (
    STACKS_TESTNET,
    b58_to_c32,
    base58check_decode,
    base58check_encode,
    btc_address,
    c32_to_b58,
    c32check_decode,
    c32check_encode,
    canonical_stacks_address,
    parse_stacks_address,
    stacks_address,
)
from authtokens.did import address_from_did, did_from_public_key, make_did
from authtokens.errors import InvalidAddressError, InvalidKeyError
from authtokens.hashes import hash160, ripemd160, sha256
from authtokens.keys import get_public_key

# spec §14.1 and §3.5
IDENTITY_PUB = "02ed9b172e392fd595e7918aa0c21a401a6bc1fba3bfd89872d3b92fabd971710c"
IDENTITY_ADDR = "1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL"
STX_KEY = "47382d0211f3bbb11812b5e60b696a93d7ad0a91cdeb2162f7d69d4adef48b5d01"


def test_spec_identity_address() -> None:
    assert btc_address(IDENTITY_PUB) == IDENTITY_ADDR
    assert did_from_public_key(IDENTITY_PUB) == "did:btc-addr:" + IDENTITY_ADDR
    assert b58_to_c32(IDENTITY_ADDR) == "SP3M6JCCVXR73CVR6MMTQTEANWZJ1VFAR8CPQG3ZW"
    assert c32_to_b58("SP3M6JCCVXR73CVR6MMTQTEANWZJ1VFAR8CPQG3ZW") == IDENTITY_ADDR


def test_spec_stacks_addresses() -> None:
    pub = get_public_key(STX_KEY)
    assert stacks_address(pub) == "SPC5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54J"
    assert stacks_address(pub, STACKS_TESTNET) == "STC5KHM41H6WHAST7MWWDD807YSPRQKJ68T330BQ"


def test_challenge_spec_stacks_address() -> None:
    pub = "024cce41b91566d70ec2ed6eb161c6ef9c277bdc034738318ed06f1d5ba09546d6"
    assert stacks_address(pub, STACKS_TESTNET) == "STGSJA8EMYDBAJDX6Z4ED8CWW071B6NB97SRAM1E"


def test_ripemd160_known_answers() -> None:
    assert ripemd160(b"").hex() == "9c1185a5c5e9fc54612808977ee8f548b2258d31"
    assert ripemd160(b"abc").hex() == "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"
    assert hash160(b"") == ripemd160(sha256(b""))


def test_ripemd160_fallback_matches() -> None:
    from authtokens._ripemd160 import ripemd160 as fallback

    for n in (0, 1, 55, 56, 63, 64, 65, 119, 120, 1000):
        data = bytes(range(256)) * 4
        assert fallback(data[:n]) == ripemd160(data[:n])


def test_leading_zero_bytes() -> None:
    assert base58check_encode(0, b"\x00" * 20).startswith("11")
    assert base58check_decode(base58check_encode(0, b"\x00" * 20)) == (0, b"\x00" * 20)
    assert c32check_decode(c32check_encode(22, b"\x00" * 20)) == (22, b"\x00" * 20)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        IDENTITY_ADDR[:-1] + "M",  # checksum
        IDENTITY_ADDR.replace("N", "0"),  # 0 is not base58
        "1" * 4,
        IDENTITY_ADDR + " ",
    ],
)
def test_base58check_rejects(bad: str) -> None:
    with pytest.raises(InvalidAddressError):
        base58check_decode(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "SP",
        "XPC5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54J",
        "SPC5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54K",  # checksum
        "SPC5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54I",  # I reads as 1: checksum fails
        "SP0C5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54J",  # non-canonical zero
        "SPC5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54U",  # U is not c32 in any spelling
        "XP" + "0" * 5,
    ],
)
def test_c32check_rejects(bad: str) -> None:
    with pytest.raises(InvalidAddressError):
        c32check_decode(bad)


# c32check's c32normalize (and stacks-core's decoder) read lower case, O as 0 and I/L as 1.
@pytest.mark.parametrize(
    "spelling",
    [
        "spc5khm41h6whast7mwwdd807ysprqkj69fsh54j",
        "SPC5KHM41H6WHAST7MWWDD8O7YSPRQKJ69FSH54J",
        "SPC5KHM4IH6WHAST7MWWDD807YSPRQKJ69FSH54J",
        "SPC5KHM4lH6WHAST7MWWDD807YSPRQKJ69FSH54J",
    ],
    ids=["lower", "O_for_0", "I_for_1", "l_for_1"],
)
def test_c32check_accepts_normalised_spellings(spelling: str) -> None:
    canonical = "SPC5KHM41H6WHAST7MWWDD807YSPRQKJ69FSH54J"
    version, payload = c32check_decode(spelling)
    assert c32check_encode(version, payload) == canonical
    assert canonical_stacks_address(spelling) == canonical


def test_empty_c32_payload() -> None:
    """Decided: the generic codec round-trips an empty payload (as c32check does); account
    parsing refuses it, since an account address carries a 20-byte HASH160."""
    empty = c32check_encode(22, b"")
    assert c32check_decode(empty) == (22, b"")
    with pytest.raises(InvalidAddressError):
        parse_stacks_address(empty)
    with pytest.raises(InvalidAddressError):
        parse_stacks_address(c32check_encode(22, b"\x01" * 19))


def test_uncompressed_key_has_its_own_address() -> None:
    # The uncompressed key of stacks.js' own tests (src/keys.ts tests of @stacks/transactions).
    uncompressed = (
        "04ef788b3830c00abe8f64f62dc32fc863bc0b2cafeb073b6c8e1c7657d9c2c3ab"
        "5b435d20ea91337cdd8c30dd7427bb098a5355e9c9bfad43797899b8137237cf"
    )
    assert stacks_address(uncompressed) == "SPZG6BAY4JVR9RNAB1HY92B7Q208ZYY4HZEA9PX5"
    compressed = "03" + uncompressed[2:66]
    assert stacks_address(compressed) != stacks_address(uncompressed)


@pytest.mark.parametrize(
    "bad",
    [
        "did:btc-addr:",
        "DID:BTC-ADDR:" + IDENTITY_ADDR,
        "did:btc-addr:" + IDENTITY_ADDR + ":x",
        "did:ecdsa-pub:" + IDENTITY_PUB,
        "did:btc-addr:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # P2SH, version 5
        "did:btc-addr:" + IDENTITY_ADDR[:-1],
        IDENTITY_ADDR,
    ],
)
def test_did_rejects(bad: str) -> None:
    with pytest.raises(InvalidAddressError):
        address_from_did(bad)


def test_did_round_trip() -> None:
    assert address_from_did(make_did(IDENTITY_ADDR)) == IDENTITY_ADDR
    with pytest.raises(InvalidAddressError):
        make_did("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")


def test_btc_address_rejects_bad_key() -> None:
    with pytest.raises(InvalidKeyError):
        btc_address("02" + "00" * 32)


@given(st.text(max_size=60))
def test_address_parsers_raise_only_library_errors(text: str) -> None:
    for parser in (base58check_decode, c32check_decode, address_from_did):
        try:
            parser(text)
        except InvalidAddressError:
            pass


@given(st.binary(min_size=20, max_size=20), st.integers(min_value=0, max_value=31))
def test_c32_round_trip(payload: bytes, version: int) -> None:
    assert c32check_decode(c32check_encode(version, payload)) == (version, payload)


@pytest.mark.parametrize("case", cases("keys.json"))
def test_reference_addresses(case: dict[str, str]) -> None:
    assert btc_address(case["public_key"]) == case["btc_address"]
    assert did_from_public_key(case["public_key"]) == case["did"]
    assert btc_address(case["public_key_uncompressed"]) == case["btc_address_uncompressed"]
    if "stx_mainnet" in case:
        assert stacks_address(case["public_key"]) == case["stx_mainnet"]
        assert stacks_address(case["public_key"], STACKS_TESTNET) == case["stx_testnet"]


def test_ripemd160_falls_back_when_hashlib_lacks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # OpenSSL 3 without the legacy provider: hashlib.new("ripemd160") raises ValueError.
    import hashlib

    from authtokens import _ripemd160, hashes

    real_new = hashlib.new

    def new(name: str, *args: bytes, **kwargs: object) -> object:
        if name.lower() == "ripemd160":
            raise ValueError("unsupported hash type ripemd160")
        return real_new(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashlib, "new", new)
    picked = hashes._pick_ripemd160()
    assert picked is _ripemd160.ripemd160
    assert picked(b"abc").hex() == "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"


@pytest.mark.parametrize(
    "value", [None, 7, b"SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY", ["SP"], {"a": 1}]
)
def test_parse_stacks_address_refuses_what_is_not_a_string(value: object) -> None:
    # (an unhashable value must not reach the cache of decoded addresses as a TypeError)
    with pytest.raises(InvalidAddressError):
        parse_stacks_address(value)  # type: ignore[arg-type]
