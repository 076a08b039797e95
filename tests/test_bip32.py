from __future__ import annotations

import hashlib
import hmac
import random
from typing import Any

import pytest
from _vectors import load
from coincurve import PrivateKey
from ecdsa import SECP256k1
from hypothesis import given, settings
from hypothesis import strategies as st

from authtokens.addresses import base58check_encode
from authtokens.bip32 import (
    HARDENED_OFFSET,
    ExtendedPrivateKey,
    _tweak_add,
    parse_path,
)
from authtokens.errors import InvalidArgumentError, InvalidKeyError
from authtokens.keys import CURVE_ORDER

H = HARDENED_OFFSET


def _chains() -> list[Any]:
    data = load("bip32.json")
    assert data is not None, "tests/vectors/bip32.json is committed"
    return [
        pytest.param(vector["seed"], chain, id=f"{vector['name']}-{chain['path']}")
        for vector in data["vectors"]
        for chain in vector["chains"]
    ]


CHAINS = _chains()
SEED1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")


# --- BIP32 test vectors 1 and 2 -----------------------------------------------------------


@pytest.mark.parametrize(("seed", "chain"), CHAINS)
def test_vector_from_seed(seed: str, chain: dict[str, str]) -> None:
    node = ExtendedPrivateKey.from_seed(bytes.fromhex(seed)).derive_path(chain["path"])
    assert node.to_xprv() == chain["xprv"]
    assert node.to_xpub() == chain["xpub"]


@pytest.mark.parametrize(("seed", "chain"), CHAINS)
def test_vector_xprv_round_trip(seed: str, chain: dict[str, str]) -> None:
    node = ExtendedPrivateKey.from_xprv(chain["xprv"])
    assert node.to_xprv() == chain["xprv"]
    assert node.to_xpub() == chain["xpub"]
    assert node.depth == len(parse_path(chain["path"]))


@pytest.mark.parametrize(("seed", "chain"), CHAINS)
def test_vector_fast_paths(seed: str, chain: dict[str, str]) -> None:
    root = ExtendedPrivateKey.from_seed(bytes.fromhex(seed))
    expected = ExtendedPrivateKey.from_xprv(chain["xprv"]).private_key
    path = parse_path(chain["path"])
    assert root.descendant_private_key(path) == expected
    if path:
        parent = root.derive_path("/".join(["m", *chain["path"].split("/")[1:-1]]))
        assert parent.child_private_key(path[-1]) == expected
        assert parent.derive(path[-1]).private_key == expected


def test_child_metadata() -> None:
    root = ExtendedPrivateKey.from_seed(SEED1)
    child = root.derive(H + 5)
    assert child.depth == 1
    assert child.child_number == H + 5
    assert child.parent_fingerprint == root.fingerprint
    assert root.fingerprint.hex() == "3442193e"  # BIP32 vector 1 master fingerprint
    assert len(child.public_key_bytes) == 33
    assert child.public_key_hex == child.public_key_bytes.hex()
    assert child.private_key_hex == child.private_key.hex()


def test_repr_hides_secrets() -> None:
    node = ExtendedPrivateKey.from_seed(SEED1)
    text = repr(node)
    assert node.private_key.hex() not in text
    assert node.chain_code.hex() not in text
    assert "depth=0" in text


# --- paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("m", ()),
        ("M", ()),
        ("m/0", (0,)),
        ("m/888'/0'/0'", (888 + H, H, H)),
        ("m/44/5757'/0'/1", (44, 5757 + H, H, 1)),
        ("m/0h/1H/2", (H, 1 + H, 2)),
        ("m/2147483647'", (2**32 - 1,)),
        ("m/007", (7,)),
    ],
)
def test_parse_path(path: str, expected: tuple[int, ...]) -> None:
    assert parse_path(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "",
        "0/1",
        "m/",
        "m//0",
        "m/0/",
        "m/-1",
        "m/+1",
        "m/ 1",
        "m/1''",
        "m/1'h",
        "m/2147483648",
        "m/99999999999",
        "m/\u0661",  # Arabic-Indic digit one: not ASCII
        "n/0",
        "m/0x1",
    ],
)
def test_parse_path_refused(path: str) -> None:
    with pytest.raises(InvalidArgumentError):
        parse_path(path)


def test_parse_path_type() -> None:
    with pytest.raises(InvalidArgumentError):
        parse_path(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("index", [-1, 2**32, True, "1", 1.0])
def test_bad_child_index(index: Any) -> None:
    root = ExtendedPrivateKey.from_seed(SEED1)
    with pytest.raises(InvalidArgumentError):
        root.derive(index)
    with pytest.raises(InvalidArgumentError):
        root.child_private_key(index)


def test_depth_limit() -> None:
    deep = ExtendedPrivateKey(255, b"\x01\x02\x03\x04", 7, b"\x11" * 32, b"\x22" * 32)
    with pytest.raises(InvalidArgumentError, match="depth"):
        deep.derive(0)
    assert len(deep.child_private_key(0)) == 32


# --- seeds --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 15, 65, 128])
def test_seed_length(size: int) -> None:
    with pytest.raises(InvalidArgumentError):
        ExtendedPrivateKey.from_seed(b"\x01" * size)


def test_seed_type() -> None:
    with pytest.raises(InvalidArgumentError):
        ExtendedPrivateKey.from_seed("00" * 32)  # type: ignore[arg-type]


# --- xprv parsing -------------------------------------------------------------------------

GOOD = ExtendedPrivateKey.from_seed(SEED1).derive(H)


def _serialise(
    *,
    version: bytes = bytes.fromhex("0488ade4"),
    depth: int = 1,
    fingerprint: bytes = b"\x34\x42\x19\x3e",
    child: int = H,
    chain_code: bytes = GOOD.chain_code,
    key: bytes = b"\x00" + GOOD.private_key,
    extra: bytes = b"",
) -> str:
    body = version + bytes((depth,)) + fingerprint + child.to_bytes(4, "big") + chain_code
    body += key + extra
    return base58check_encode(body[0], body[1:])


def test_serialise_helper_matches() -> None:
    assert _serialise() == GOOD.to_xprv()


@pytest.mark.parametrize(
    ("xprv", "message"),
    [
        pytest.param(_serialise(version=bytes.fromhex("0488b21e")), "xpub", id="xpub-version"),
        pytest.param(GOOD.to_xpub(), "xpub", id="real-xpub"),
        pytest.param(_serialise(version=bytes.fromhex("04358394")), "version", id="tprv"),
        pytest.param(_serialise(version=b"\x00\x00\x00\x00"), "version", id="zero-version"),
        pytest.param(_serialise(extra=b"\x00"), "78 bytes", id="79-bytes"),
        pytest.param(_serialise(key=GOOD.private_key), "78 bytes", id="77-bytes"),
        pytest.param(_serialise(key=b"\x01" + GOOD.private_key), "prefix", id="prefix-01"),
        pytest.param(
            _serialise(key=b"\x02" + GOOD.public_key_bytes[1:]), "prefix", id="pubkey-in-xprv"
        ),
        pytest.param(_serialise(key=b"\x00" * 33), "range", id="key-zero"),
        pytest.param(
            _serialise(key=b"\x00" + CURVE_ORDER.to_bytes(32, "big")), "range", id="key-n"
        ),
        pytest.param(_serialise(key=b"\x00" + b"\xff" * 32), "range", id="key-above-n"),
        pytest.param(_serialise(depth=0), "depth-0", id="depth0-fingerprint"),
        pytest.param(
            _serialise(depth=0, fingerprint=b"\x00" * 4, child=1), "depth-0", id="depth0-child"
        ),
        pytest.param(GOOD.to_xprv()[:-1] + "1", "base58check", id="bad-checksum"),
        pytest.param(GOOD.to_xprv()[:-1] + "0", "base58check", id="non-base58-char"),
        pytest.param("", "base58check", id="empty"),
        pytest.param(" " + GOOD.to_xprv(), "base58check", id="leading-space"),
        pytest.param("x" * 500, "base58check", id="very-long"),
    ],
)
def test_from_xprv_refused(xprv: str, message: str) -> None:
    with pytest.raises(InvalidKeyError, match=message) as info:
        ExtendedPrivateKey.from_xprv(xprv)
    assert GOOD.private_key.hex() not in str(info.value)


@pytest.mark.parametrize("value", [None, 1, b"xprv"])
def test_from_xprv_type(value: object) -> None:
    with pytest.raises(InvalidKeyError):
        ExtendedPrivateKey.from_xprv(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"depth": 256},
        {"depth": -1},
        {"parent_fingerprint": b"\x00"},
        {"child_number": 2**32},
        {"chain_code": b"\x00" * 31},
        {"private_key": b"\x00" * 32},
        {"private_key": b"\x01" * 33},
    ],
)
def test_constructor_validates(fields: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {
        "depth": 1,
        "parent_fingerprint": b"\x00\x00\x00\x01",
        "child_number": 0,
        "chain_code": b"\x00" * 32,
        "private_key": b"\x01" * 32,
    }
    kwargs.update(fields)
    with pytest.raises(InvalidKeyError):
        ExtendedPrivateKey(**kwargs)


# --- invalid children (IL >= n, zero key) -------------------------------------------------


def _fake_digest(il: bytes) -> Any:
    def digest(key: bytes, msg: bytes, name: str) -> bytes:
        return il + b"\x07" * 32

    return digest


def test_il_at_least_n_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hmac, "digest", _fake_digest(CURVE_ORDER.to_bytes(32, "big")))
    with pytest.raises(InvalidKeyError, match="invalid"):
        GOOD.derive(H)
    with pytest.raises(InvalidKeyError, match="invalid"):
        GOOD.child_private_key(0)


def test_zero_child_key_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    tweak = (CURVE_ORDER - int.from_bytes(GOOD.private_key, "big")).to_bytes(32, "big")
    monkeypatch.setattr(hmac, "digest", _fake_digest(tweak))
    with pytest.raises(InvalidKeyError, match="invalid"):
        GOOD.child_private_key(H + 1)


def test_invalid_master_key_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hmac, "digest", _fake_digest(b"\x00" * 32))
    with pytest.raises(InvalidKeyError):
        ExtendedPrivateKey.from_seed(SEED1)


def test_tweak_add_matches_integer_arithmetic() -> None:
    rng = random.Random(7)
    for _ in range(20):
        secret = rng.randrange(1, CURVE_ORDER).to_bytes(32, "big")
        tweak = rng.randrange(0, CURVE_ORDER).to_bytes(32, "big")
        expected = (int.from_bytes(secret, "big") + int.from_bytes(tweak, "big")) % CURVE_ORDER
        child = _tweak_add(PrivateKey(secret), tweak)
        assert child is not None
        assert child.secret == expected.to_bytes(32, "big")
    one = PrivateKey(b"\x00" * 31 + b"\x01")
    assert _tweak_add(one, CURVE_ORDER.to_bytes(32, "big")) is None  # tweak >= n
    assert _tweak_add(one, (CURVE_ORDER - 1).to_bytes(32, "big")) is None  # sum is zero


# --- independent implementation (Python ints + the ecdsa package) -------------------------


def _ref_pubkey(secret: int) -> bytes:
    point = SECP256k1.generator * secret
    x, y = int(point.x()), int(point.y())
    return bytes((2 + (y & 1),)) + x.to_bytes(32, "big")


def _ref_derive(seed: bytes, path: list[int]) -> tuple[int, bytes]:
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain = int.from_bytes(digest[:32], "big"), digest[32:]
    for index in path:
        if index >= H:
            data = b"\x00" + key.to_bytes(32, "big") + index.to_bytes(4, "big")
        else:
            data = _ref_pubkey(key) + index.to_bytes(4, "big")
        digest = hmac.new(chain, data, hashlib.sha512).digest()
        key = (int.from_bytes(digest[:32], "big") + key) % SECP256k1.order
        chain = digest[32:]
    return key, chain


@settings(max_examples=25, deadline=None)
@given(
    st.binary(min_size=16, max_size=64),
    st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=4),
)
def test_matches_independent_implementation(seed: bytes, path: list[int]) -> None:
    key, chain = _ref_derive(seed, path)
    root = ExtendedPrivateKey.from_seed(seed)
    node = root
    for index in path:
        node = node.derive(index)
    assert int.from_bytes(node.private_key, "big") == key
    assert node.chain_code == chain
    assert node.public_key_bytes == _ref_pubkey(key)
    assert root.descendant_private_key(path) == key.to_bytes(32, "big")


# --- properties ---------------------------------------------------------------------------


@given(st.text(max_size=200))
def test_from_xprv_arbitrary_text(text: str) -> None:
    try:
        node = ExtendedPrivateKey.from_xprv(text)
    except InvalidKeyError:
        return
    assert node.to_xprv() == text


@given(st.binary(min_size=70, max_size=86), st.booleans())
def test_from_xprv_arbitrary_payload(payload: bytes, force_version: bool) -> None:
    if force_version:
        payload = bytes.fromhex("0488ade4") + payload[4:]
    text = base58check_encode(payload[0], payload[1:])
    try:
        node = ExtendedPrivateKey.from_xprv(text)
    except InvalidKeyError:
        return
    assert node.to_xprv() == text
