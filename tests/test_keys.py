from __future__ import annotations

import pytest
from _vectors import cases
from ecdsa import SECP256k1, SigningKey
from hypothesis import given
from hypothesis import strategies as st

from authtokens import generate_transit_key, get_public_key
from authtokens.errors import InvalidKeyError
from authtokens.keys import (
    CURVE_ORDER,
    normalize_private_key,
    parse_private_key,
    parse_public_key,
    public_key_bytes,
)

TRANSIT = "514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2"
TRANSIT_PUB = "0256114a79d7fe9a9ec0353447122ac63d0d5c1ec90b7c0ec20381b11918710256"


def test_spec_transit_key() -> None:
    assert get_public_key(TRANSIT) == TRANSIT_PUB


@pytest.mark.parametrize(
    "form", [TRANSIT, TRANSIT.upper(), "0x" + TRANSIT, TRANSIT + "01", bytes.fromhex(TRANSIT)]
)
def test_private_key_forms_normalise(form: str | bytes) -> None:
    assert normalize_private_key(form) == TRANSIT


@pytest.mark.parametrize(
    "bad",
    [
        "",
        TRANSIT[:-2],
        TRANSIT + "02",
        TRANSIT + "0",
        "zz" * 32,
        "00" * 32,
        f"{CURVE_ORDER:064x}",
        f"{CURVE_ORDER + 1:064x}",
        "ff" * 32,
        " " + TRANSIT[1:],
        b"\x01" * 31,
    ],
)
def test_private_key_rejects(bad: str | bytes) -> None:
    with pytest.raises(InvalidKeyError):
        parse_private_key(bad)


def test_private_key_rejects_wrong_type() -> None:
    with pytest.raises(InvalidKeyError):
        parse_private_key(12345)  # type: ignore[arg-type]


def test_public_key_uncompressed_accepted_and_compressed_out() -> None:
    sk = SigningKey.from_string(bytes.fromhex(TRANSIT), curve=SECP256k1)
    uncompressed = "04" + sk.get_verifying_key().to_string().hex()
    assert public_key_bytes(uncompressed).hex() == TRANSIT_PUB
    assert public_key_bytes(TRANSIT_PUB.upper()).hex() == TRANSIT_PUB


@pytest.mark.parametrize(
    "bad",
    [
        TRANSIT_PUB[2:],  # x-only (noble accepts it; we do not)
        "06" + TRANSIT_PUB[2:] + "00" * 32,  # hybrid prefix
        "04" + TRANSIT_PUB[2:] + "00" * 32,  # wrong y: not on the curve
        "05" + TRANSIT_PUB[2:],
        "02" + "00" * 32,  # x = 0 is not on the curve
        "02" + "ff" * 32,  # x >= p
        "zz" * 33,
        "",
    ],
)
def test_public_key_rejects(bad: str) -> None:
    with pytest.raises(InvalidKeyError):
        parse_public_key(bad)


def test_generate_transit_key_is_fresh_and_valid() -> None:
    keys = {generate_transit_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(key) == 64
        assert key == key.lower()
        assert 0 < int(key, 16) < CURVE_ORDER


@given(st.integers(min_value=1, max_value=CURVE_ORDER - 1))
def test_public_key_matches_ecdsa_package(secret: int) -> None:
    # An independent implementation (python-ecdsa) computes the same point.
    sk = SigningKey.from_secret_exponent(secret, curve=SECP256k1)
    expected = sk.get_verifying_key().to_string("compressed").hex()
    assert get_public_key(f"{secret:064x}") == expected


@given(st.one_of(st.text(max_size=140), st.binary(max_size=70)))
def test_key_parsers_raise_only_library_errors(value: str | bytes) -> None:
    for parser in (parse_private_key, parse_public_key):
        try:
            parser(value)
        except InvalidKeyError:
            pass


@pytest.mark.parametrize("case", cases("keys.json"))
def test_reference_public_keys(case: dict[str, str]) -> None:
    assert get_public_key(case["private_key"]) == case["public_key"]
    assert public_key_bytes(case["public_key_uncompressed"]).hex() == case["public_key"]
