"""authtokens.challenge: client keys, signature schemes, challenge messages."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from coincurve import PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from server_helpers import (
    der,
    ed25519_key,
    make_config,
    sign_rsv,
    stacks_digest,
)

from authtokens import jwt as es256k
from authtokens.addresses import STACKS_MAINNET, STACKS_TESTNET, stacks_address
from authtokens.challenge.keys import libp2p_decode, libp2p_encode, parse_client_key
from authtokens.challenge.messages import build_message, iso_ms, new_challenge_id, new_nonce
from authtokens.challenge.schemes import (
    check_scheme,
    decode_signature,
    stacks_message_digests,
    verify_ed25519,
    verify_jws,
    verify_secp256k1_digest,
)
from authtokens.clarity import serialize
from authtokens.errors import (
    InvalidRequestError,
    SignatureRejectedError,
    UnsupportedSchemeError,
)
from authtokens.hashes import sha256

XYZ = "You are saying that you want to perform action XYZ."  # the stx_signMessage vector text


# --- keys -------------------------------------------------------------------------------------


def test_libp2p_ed25519_round_trip_and_canonical_id() -> None:
    _, raw_hex, libp2p = ed25519_key()
    assert libp2p.startswith("bbaarei")
    assert len(libp2p) == 59
    from_hex = parse_client_key(raw_hex)
    from_libp2p = parse_client_key(libp2p)
    b64 = base64.urlsafe_b64encode(bytes.fromhex(raw_hex)).rstrip(b"=").decode()
    from_b64 = parse_client_key(b64)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64}
    assert from_hex == from_libp2p == from_b64 == parse_client_key(jwk)
    assert from_hex.key_id == "ed25519:" + libp2p
    assert from_hex.pubkey_string == libp2p


def test_secp256k1_forms_share_one_id() -> None:
    secret = PrivateKey()
    compressed = secret.public_key.format(compressed=True)
    libp2p = libp2p_encode(2, compressed)
    assert libp2p.startswith("bbabbei")
    assert len(libp2p) == 61
    full = secret.public_key.format(compressed=False)
    jwk = {
        "kty": "EC",
        "crv": "secp256k1",
        "x": base64.urlsafe_b64encode(full[1:33]).rstrip(b"=").decode(),
        "y": base64.urlsafe_b64encode(full[33:]).rstrip(b"=").decode(),
    }
    keys = [parse_client_key(compressed.hex()), parse_client_key(libp2p), parse_client_key(jwk)]
    assert {k.key_id for k in keys} == {"secp256k1:" + compressed.hex()}
    assert keys[0].display == stacks_address(compressed, STACKS_MAINNET)


def test_stacks_address_identity() -> None:
    secret = PrivateKey()
    pub = secret.public_key.format(compressed=True).hex()
    address = stacks_address(pub, STACKS_TESTNET)
    with_key = parse_client_key(pub, address=address)
    assert with_key.key_id == "stx:" + address
    assert with_key.public_key.hex() == pub
    assert parse_client_key(None, address=address).public_key == b""
    other = PrivateKey().public_key.format(compressed=True).hex()
    with pytest.raises(InvalidRequestError):
        parse_client_key(other, address=address)


def test_stacks_address_spellings_are_canonicalised() -> None:
    address = stacks_address(PrivateKey().public_key.format(compressed=True), STACKS_MAINNET)
    spellings = [address.lower(), address.replace("0", "O"), address.replace("1", "l")]
    for spelling in spellings:
        key = parse_client_key(None, address=spelling)
        assert key.key_id == "stx:" + address
        assert key.display == key.address == address


@pytest.mark.parametrize(
    "bad",
    [
        "SP37JJX3D",  # c32check of an empty payload: decodes, but is no account
        "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JZ",  # checksum
        "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY0",  # 21-byte payload / checksum
        "SU3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY",  # not S + c32 version + c32
        "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1J!",
        "S",
        "",
        5,
    ],
)
def test_malformed_stacks_addresses_are_invalid_request(bad: Any) -> None:
    with pytest.raises(InvalidRequestError):
        parse_client_key(None, address=bad)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "b",
        "bbaarei",
        42,
        None,
        ["a"],
        "0" * 64 + "zz",
        "04" + "00" * 64,
        "02" + "00" * 32,  # not on the curve
        "B" + "baarei" * 9,  # uppercase multibase
        libp2p_encode(0, b"\x01" * 32),  # RSA key type
        libp2p_encode(1, b"\x01" * 31),  # short Ed25519
        "x" * 500,
        {"kty": "OKP", "crv": "X25519", "x": "AA"},
        "SP000000000000000000002Q6VF78",  # address check digits OK? parsed below
    ],
)
def test_bad_keys_are_invalid_request(bad: Any) -> None:
    if bad == "SP000000000000000000002Q6VF78":
        # A well-formed address without its key is accepted (recovery from the signature).
        assert parse_client_key(bad).key_id == "stx:" + bad
        return
    with pytest.raises(InvalidRequestError):
        parse_client_key(bad)


def test_libp2p_non_canonical_refused() -> None:
    _, _, libp2p = ed25519_key()
    kind, data = libp2p_decode(libp2p)
    assert kind == 1
    assert len(data) == 32
    with pytest.raises(InvalidRequestError):
        libp2p_decode(libp2p[:-1] + ("b" if libp2p[-1] != "b" else "c"))


@given(st.one_of(st.text(max_size=80), st.binary(max_size=40).map(bytes.hex)))
def test_parse_client_key_property(value: str) -> None:
    try:
        parse_client_key(value)
    except InvalidRequestError:
        pass


@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(st.integers(-5, 300), max_size=80),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    )
)
def test_decode_signature_property(value: Any) -> None:
    try:
        decode_signature(value)
    except InvalidRequestError:
        pass


def test_decode_signature_forms() -> None:
    sig = bytes(range(64))
    assert decode_signature({"type": "Buffer", "data": list(sig)}) == sig
    assert decode_signature(list(sig)) == sig
    assert decode_signature(sig.hex()) == sig
    assert decode_signature("0x" + sig.hex()) == sig
    assert decode_signature(base64.urlsafe_b64encode(sig).rstrip(b"=").decode()) == sig
    with pytest.raises(InvalidRequestError):
        decode_signature({"type": "Buffer", "data": [256]})
    with pytest.raises(InvalidRequestError):
        decode_signature([True] * 64)


# --- schemes --------------------------------------------------------------------------------


def _secp_key() -> tuple[PrivateKey, Any]:
    secret = PrivateKey()
    return secret, parse_client_key(secret.public_key.format(compressed=True).hex())


@pytest.mark.parametrize("form", ["rsv", "vrs", "der", "rs64", "rsv-high-s", "der-high-s"])
def test_stacks_message_signature_forms(form: str) -> None:
    secret, key = _secp_key()
    digest = stacks_digest(XYZ)
    rsv = sign_rsv(secret, digest, high_s=form.endswith("high-s"))
    if form.endswith("high-s"):
        assert int.from_bytes(rsv[32:64], "big") > (2**256 - 2**32) // 4  # really high S
    sig = {
        "rsv": rsv,
        "rsv-high-s": rsv,
        "vrs": rsv[64:] + rsv[:64],
        "rs64": rsv[:64],
        "der": der(rsv[:64]),
        "der-high-s": der(rsv[:64]),
    }[form]
    digests = stacks_message_digests(XYZ.encode(), legacy=False)
    assert verify_secp256k1_digest(key, digests, sig) == key.public_key


def test_stacks_legacy_prefix_only_when_enabled() -> None:
    secret, key = _secp_key()
    sig = sign_rsv(secret, stacks_digest(XYZ, legacy=True))
    with pytest.raises(SignatureRejectedError):
        verify_secp256k1_digest(key, stacks_message_digests(XYZ.encode(), legacy=False), sig)
    digests = stacks_message_digests(XYZ.encode(), legacy=True)
    assert verify_secp256k1_digest(key, digests, sig) == key.public_key


def test_wrong_key_and_tampered_signatures_refused() -> None:
    secret, _ = _secp_key()
    _, other = _secp_key()
    digest = stacks_digest(XYZ)
    sig = sign_rsv(secret, digest)
    with pytest.raises(SignatureRejectedError):
        verify_secp256k1_digest(other, [digest], sig)
    _, key = secret, parse_client_key(secret.public_key.format(compressed=True).hex())
    # r's first byte replaced by the DER SEQUENCE tag: when r already starts with 0x30 (1 draw
    # in 256) that alone changes nothing, so its second byte is altered too.
    tagged = b"\x30" + (sig[1:] if sig[0] != 0x30 else bytes([sig[1] ^ 1]) + sig[2:])
    for bad in (sig[:-2], b"\x00" * 65, bytes([sig[0] ^ 1]) + sig[1:], tagged):
        with pytest.raises(SignatureRejectedError):
            verify_secp256k1_digest(key, [digest], bad)


@pytest.mark.parametrize("high_s", [False, True])
def test_address_only_recovers_key(high_s: bool) -> None:
    secret = PrivateKey()
    pub = secret.public_key.format(compressed=True)
    address = stacks_address(pub, STACKS_MAINNET)
    key = parse_client_key(None, address=address)
    digest = stacks_digest(XYZ)
    assert verify_secp256k1_digest(key, [digest], sign_rsv(secret, digest, high_s=high_s)) == pub
    stranger = parse_client_key(None, address=stacks_address(PrivateKey().public_key.format()))
    with pytest.raises(SignatureRejectedError):
        verify_secp256k1_digest(stranger, [digest], sign_rsv(secret, digest))


def test_ed25519_verifier() -> None:
    priv, raw_hex, _ = ed25519_key()
    message = b"hello"
    verify_ed25519(bytes.fromhex(raw_hex), message, priv.sign(message))
    with pytest.raises(SignatureRejectedError):
        verify_ed25519(bytes.fromhex(raw_hex), b"hellO", priv.sign(message))
    with pytest.raises(SignatureRejectedError):
        verify_ed25519(bytes.fromhex(raw_hex), message, priv.sign(message)[:63])


def test_jws_scheme() -> None:
    secret, key = _secp_key()
    now = time.time()
    good = {"nonce": "n" * 20, "aud": "http://x", "iat": int(now), "exp": int(now) + 60}
    token = es256k.sign(good, secret.secret.hex())
    assert (
        verify_jws(key, token, nonce="n" * 20, audience="http://x", now=now, not_after=now + 300)
        == key.public_key
    )
    for bad in (
        {**good, "nonce": "m" * 20},
        {**good, "aud": "http://y"},
        {**good, "exp": int(now) - 1},
        {**good, "iat": "1"},
    ):
        with pytest.raises(SignatureRejectedError):
            verify_jws(
                key,
                es256k.sign(bad, secret.secret.hex()),
                nonce="n" * 20,
                audience="http://x",
                now=now,
                not_after=now + 300,
            )
    with pytest.raises(SignatureRejectedError):
        verify_jws(
            key,
            token[:-4] + "AAAA",
            nonce="n" * 20,
            audience="http://x",
            now=now,
            not_after=now + 300,
        )


def test_scheme_must_fit_key() -> None:
    _, raw_hex, _ = ed25519_key()
    ed = parse_client_key(raw_hex)
    with pytest.raises(UnsupportedSchemeError):
        check_scheme("stacks-message", ed, ["ed25519-raw", "stacks-message"])
    with pytest.raises(UnsupportedSchemeError):
        check_scheme("libp2p-secp256k1", _secp_key()[1], ["stacks-message"])
    with pytest.raises(UnsupportedSchemeError):
        check_scheme("nope", ed, ["ed25519-raw"])


# --- challenges -------------------------------------------------------------------------------


def test_challenge_text_forms() -> None:
    config = make_config()
    _, _, libp2p = ed25519_key()
    ed = parse_client_key(libp2p)
    msg = build_message(
        ed,
        "ed25519-raw",
        domain=config.domain,
        uri=config.uri,
        statement=config.statement,
        nonce="N" * 20,
        issued_at_ms=0,
        expires_at_ms=300_000,
    )
    assert msg.text == (
        f"localhost:3001 wants you to sign in with your key:\n{libp2p}\n\n{config.statement}\n\n"
        "URI: http://localhost:3001\nVersion: 1\nNonce: NNNNNNNNNNNNNNNNNNNN\n"
        "Issued At: 1970-01-01T00:00:00.000Z\nExpiration Time: 1970-01-01T00:05:00.000Z"
    )
    assert msg.signed == msg.text.encode()
    _, secp = _secp_key()
    stx = build_message(
        secp,
        "stacks-message",
        domain=config.domain,
        uri=config.uri,
        statement=config.statement,
        nonce="N" * 20,
        issued_at_ms=0,
        expires_at_ms=1,
    )
    assert stx.text.startswith(
        f"localhost:3001 wants you to sign in with your Stacks account:\n{secp.display}\n\n"
    )
    assert "\nChain ID: 1\n" in stx.text
    sip = build_message(
        secp,
        "sip018",
        domain=config.domain,
        uri=config.uri,
        statement=config.statement,
        nonce="N" * 20,
        issued_at_ms=0,
        expires_at_ms=1,
    )
    assert sip.message_cv is not None
    assert sip.signed == serialize(sip.message_cv)
    assert sip.sha256_hex == sha256(serialize(sip.message_cv)).hex()


def test_nonce_and_id_entropy() -> None:
    nonces = {new_nonce() for _ in range(200)}
    ids = {new_challenge_id() for _ in range(200)}
    assert len(nonces) == len(ids) == 200
    assert all(len(n) == 20 and n.isalnum() for n in nonces)
    assert all(len(base64.urlsafe_b64decode(i + "==")) == 16 for i in ids)


def test_iso_ms_matches_js() -> None:
    assert iso_ms(1_600_000_000_123) == "2020-09-13T12:26:40.123Z"
