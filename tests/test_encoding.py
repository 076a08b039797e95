from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authtokens.encoding import (
    b64url_decode,
    b64url_encode,
    hex_decode,
    hex_encode,
    multibase_b32_decode,
    multibase_b32_encode,
)
from authtokens.errors import InvalidEncodingError


@pytest.mark.parametrize(
    ("text", "expected"),
    [("00ff", b"\x00\xff"), ("00FF", b"\x00\xff"), ("0x0aB1", b"\x0a\xb1"), ("", b""), ("0x", b"")],
)
def test_hex_decode_accepts(text: str, expected: bytes) -> None:
    assert hex_decode(text) == expected


@pytest.mark.parametrize("text", ["0", "abc", "zz", "00 ff", " 00ff", "00ff\n", "0xg0", "0X0"])
def test_hex_decode_rejects(text: str) -> None:
    with pytest.raises(InvalidEncodingError):
        hex_decode(text)


def test_hex_decode_length() -> None:
    assert hex_decode("aa" * 32, length=32) == b"\xaa" * 32
    with pytest.raises(InvalidEncodingError, match="32 bytes"):
        hex_decode("aa" * 31, length=32)


def test_hex_encode_is_lowercase() -> None:
    assert hex_encode(b"\xab\xcd") == "abcd"


@given(st.binary(max_size=200))
def test_b64url_round_trip(data: bytes) -> None:
    encoded = b64url_encode(data)
    assert "=" not in encoded
    assert encoded == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert b64url_decode(encoded) == data


@pytest.mark.parametrize(
    "text",
    [
        "a",  # impossible length
        "ab=",  # padding
        "ab+c",  # standard alphabet
        "ab/c",
        "ab c",
        "ab\nc",
        "abc*",
        "aé",
        "AB",  # non-canonical: "AB" has non-zero trailing bits ("AA" is canonical)
        "AAB",  # 2 unused bits set
    ],
)
def test_b64url_decode_rejects(text: str) -> None:
    with pytest.raises(InvalidEncodingError):
        b64url_decode(text)


def test_b64url_canonical_forms_accepted() -> None:
    assert b64url_decode("AA") == b"\x00"
    assert b64url_decode("AAA") == b"\x00\x00"
    assert b64url_decode("_-8") == b"\xff\xef"


@given(st.text(max_size=64))
def test_b64url_decode_never_raises_foreign_errors(text: str) -> None:
    try:
        data = b64url_decode(text)
    except InvalidEncodingError:
        return
    assert b64url_encode(data) == text  # accepted input is exactly the canonical encoding


@given(st.text(max_size=80))
def test_hex_decode_never_raises_foreign_errors(text: str) -> None:
    try:
        hex_decode(text)
    except InvalidEncodingError:
        pass


def test_hex_decode_prefix_can_be_refused() -> None:
    assert hex_decode("0xab") == b"\xab"
    with pytest.raises(InvalidEncodingError):
        hex_decode("0xab", allow_prefix=False)


def test_multibase_b32_known_forms() -> None:
    # a libp2p Ed25519 public key protobuf encodes to the "bbaarei..." form Textile uses
    key = multibase_b32_encode(b"\x08\x01\x12\x20" + bytes(32))
    assert key.startswith("bbaarei")
    assert len(key) == 59
    assert multibase_b32_decode("b24") == b"\xd7"  # a body of digits only is valid base32


@pytest.mark.parametrize("text", ["", "b", "B", "bAB", "bab=", "b1", "b8", "baj", " bai"])
def test_multibase_b32_rejects(text: str) -> None:
    with pytest.raises(InvalidEncodingError):
        multibase_b32_decode(text)


@given(st.binary(max_size=64))
def test_multibase_b32_round_trip(data: bytes) -> None:
    if data:
        assert multibase_b32_decode(multibase_b32_encode(data)) == data


@given(st.text(max_size=40))
def test_multibase_b32_decode_raises_only_library_errors(text: str) -> None:
    try:
        data = multibase_b32_decode(text)
    except InvalidEncodingError:
        return
    assert multibase_b32_encode(data) == text
