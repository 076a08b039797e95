"""The sign-in server's core: Stacks/SIP-018 hashing vectors, configuration parsers, session
tokens. Client keys, schemes and challenge messages are tests/test_challenge.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from server_helpers import (
    signing_key,
    stacks_digest,
)

from authtokens.addresses import STACKS_TESTNET, stacks_address
from authtokens.clarity import Cl, serialize
from authtokens.errors import (
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidArgumentError,
    InvalidSignatureError,
    InvalidTokenError,
    MalformedTokenError,
    MissingClaimError,
    UnsecuredTokenError,
    UnsupportedAlgorithmError,
    WrongAudienceError,
    WrongIssuerError,
)
from authtokens.hashes import sha256
from authtokens.server.config import RateLimits, parse_origin
from authtokens.server.session import (
    TokenSigner,
    textile_api_sig,
    verify_session_token,
)
from authtokens.stacks_messages import compact_size, hash_message, structured_data_hash

# --- §2.2 vectors ---------------------------------------------------------------------------

XYZ = "You are saying that you want to perform action XYZ."
XYZ_PUBKEY = "024cce41b91566d70ec2ed6eb161c6ef9c277bdc034738318ed06f1d5ba09546d6"


def test_stacks_message_hash_hello_world() -> None:
    assert hash_message("hello world").hex() == (
        "619997693db23de4b92ed152444a578a134143d9ad2c0f4dff2615de9d42ad96"
    )


def test_stacks_message_hash_xyz_new_and_legacy_prefix() -> None:
    new = hash_message(XYZ).hex()
    legacy = hash_message(XYZ, legacy=True).hex()
    # The spec gives these truncated (650ff1a8…69a5, 1a92e733…d5e9).
    assert new.startswith("650ff1a8")
    assert new.endswith("69a5")
    assert legacy.startswith("1a92e733")
    assert legacy.endswith("d5e9")
    assert new == stacks_digest(XYZ).hex()
    assert legacy == stacks_digest(XYZ, legacy=True).hex()


def test_stacks_vector_address() -> None:
    assert stacks_address(XYZ_PUBKEY, STACKS_TESTNET) == "STGSJA8EMYDBAJDX6Z4ED8CWW071B6NB97SRAM1E"


@pytest.mark.parametrize(
    ("n", "encoded"),
    [
        (0, "00"),
        (0xFC, "fc"),
        (0xFD, "fdfd00"),
        (0xFFFF, "fdffff"),
        (0x10000, "fe00000100"),
        (2**32, "ff0000000001000000"),
    ],
)
def test_compact_size(n: int, encoded: str) -> None:
    assert compact_size(n).hex() == encoded


def test_sip018_vectors() -> None:
    message = Cl.string_ascii("Hello World")
    domain = Cl.tuple(
        {
            "name": Cl.string_ascii("Test App"),
            "version": Cl.string_ascii("1.0.0"),
            "chain-id": Cl.uint(1),
        }
    )
    data_hash = sha256(serialize(message)).hex()
    domain_hash = sha256(serialize(domain)).hex()
    assert data_hash.startswith("5297eef9")
    assert data_hash.endswith("d9e8")
    assert domain_hash.startswith("2538b5dc")
    assert domain_hash.endswith("5065")
    assert structured_data_hash(domain, message).hex() == (
        "1bfdab6d4158313ce34073fbb8d6b0fc32c154d439def12247a0f44bb2225259"
    )


def test_config_parsers() -> None:
    assert parse_origin("HTTP://LocalHost:80/") == "http://localhost"
    assert parse_origin("https://a.example:8443") == "https://a.example:8443"
    for bad in ("*", "http://*.example", "null", "http://a/b", "ftp://a"):
        with pytest.raises(InvalidArgumentError):
            parse_origin(bad)
    limits = RateLimits.parse("verify-ip=5/10")
    assert limits.verify_ip.count == 5
    assert limits.challenge_ip == RateLimits().challenge_ip
    with pytest.raises(InvalidArgumentError):
        RateLimits.parse("bogus=1/1")


# --- session tokens ---------------------------------------------------------------------------

ISS = "http://localhost:3001"


def _signer(alg: str = "ES256K", ttl: int = 900) -> TokenSigner:
    key = signing_key() if alg == "ES256K" else ed25519.Ed25519PrivateKey.generate()
    return TokenSigner(key, issuer=ISS, audience=ISS, ttl=ttl)


@pytest.mark.parametrize("alg", ["ES256K", "EdDSA"])
def test_session_token_round_trip(alg: str) -> None:
    signer = _signer(alg)
    issued = signer.issue("ed25519:bbaa", now=1_000_000)
    claims = verify_session_token(
        issued.token, signer.jwks(), issuer=ISS, audience=ISS, now=1_000_010
    )
    assert claims.sub == "ed25519:bbaa"
    assert claims.exp == 1_000_900
    assert claims.kid == signer.kid
    header = pyjwt.get_unverified_header(issued.token)
    assert header["alg"] == alg
    assert header["kid"] == signer.kid
    # PyJWT's own verification (OpenSSL) accepts what libsecp256k1 signed.
    key = pyjwt.PyJWK(signer.jwks()["keys"][0]).key
    pyjwt.decode(
        issued.token,
        key,
        algorithms=[alg],
        audience=ISS,
        issuer=ISS,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )


@pytest.mark.parametrize("alg", ["ES256K", "EdDSA"])
def test_session_tokens_are_standard_jose(alg: str) -> None:
    """Signed without PyJWT, the tokens are the JWS PyJWT writes: sorted header
    ``{"alg","kid","typ"}``, compact JSON payload, and for ES256K a 64-byte low-S r||s that PyJWT
    (OpenSSL) verifies against the JWKS, as does python-ecdsa, an independent implementation."""
    signer = _signer(alg)
    token = signer.issue("ed25519:bbaa", now=1_000_000, extra={"sid": "s1"}).token
    head, body, sig = token.split(".")

    def pad(segment: str) -> bytes:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))

    assert (
        pad(head)
        == json.dumps({"alg": alg, "kid": signer.kid, "typ": "JWT"}, separators=(",", ":")).encode()
    )
    assert json.loads(pad(body))["sid"] == "s1"
    jwk_set = pyjwt.PyJWKSet.from_dict(signer.jwks())
    claims = pyjwt.decode(
        token,
        jwk_set[signer.kid].key,
        algorithms=[alg],
        audience=ISS,
        issuer=ISS,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["sub"] == "ed25519:bbaa"
    if alg == "ES256K":
        import ecdsa

        raw = pad(sig)
        assert len(raw) == 64
        assert int.from_bytes(raw[32:], "big") <= ecdsa.SECP256k1.order // 2  # low S
        jwk = signer.jwks()["keys"][0]
        point = pad(jwk["x"]) + pad(jwk["y"])
        verifier = ecdsa.VerifyingKey.from_string(point, curve=ecdsa.SECP256k1)
        assert verifier.verify(raw, f"{head}.{body}".encode(), hashfunc=hashlib.sha256)
    with pytest.raises(InvalidArgumentError):
        signer.issue("sub", extra={"exp": 1})


def test_session_signer_refuses_a_key_on_another_curve() -> None:
    with pytest.raises(InvalidArgumentError):
        TokenSigner(ec.generate_private_key(ec.SECP256R1()), issuer=ISS, audience=ISS, ttl=60)


def test_session_token_refusals() -> None:
    signer = _signer()
    jwks = signer.jwks()
    token = signer.issue("sub", now=1_000_000).token

    def check(tok: str, exc: type[InvalidTokenError], **kw: Any) -> None:
        args: dict[str, Any] = {"issuer": ISS, "audience": ISS, "now": 1_000_010, **kw}
        with pytest.raises(exc):
            verify_session_token(tok, jwks, **args)

    check(token, WrongAudienceError, audience="http://other")
    check(token, WrongIssuerError, issuer="http://other")
    check(token, ExpiredTokenError, now=1_000_000 + 900 + 31)
    check(token, ImmatureTokenError, now=1_000_000 - 31)
    header, payload, sig = token.split(".")
    check(f"{header}.{payload}.{sig[:-4]}AAAA", InvalidSignatureError)
    check("not a token", MalformedTokenError)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    check(f"{none_header}.{payload}.", UnsecuredTokenError)
    # HS256 keyed with the public JWK text (the classic algorithm-confusion attack).
    hs_header = (
        base64.urlsafe_b64encode(
            json.dumps({"alg": "HS256", "typ": "JWT", "kid": signer.kid}).encode()
        )
        .rstrip(b"=")
        .decode()
    )
    mac = hmac.new(
        json.dumps(jwks["keys"][0]).encode(), f"{hs_header}.{payload}".encode(), hashlib.sha256
    ).digest()
    hs = f"{hs_header}.{payload}." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    check(hs, UnsupportedAlgorithmError)
    es256 = ec.generate_private_key(ec.SECP256R1())
    check(pyjwt.encode(claims, es256, algorithm="ES256"), UnsupportedAlgorithmError)
    no_jti = pyjwt.encode(
        {k: v for k, v in claims.items() if k != "jti"},
        signing_key(),
        algorithm="ES256K",
        headers={"kid": signer.kid},
    )
    check(no_jti, MissingClaimError)
    with pytest.raises(InvalidArgumentError):
        verify_session_token(token, jwks, issuer=ISS, audience=ISS, algorithms=["HS256"])


def test_textile_api_sig_matches_create_api_sig() -> None:
    # createAPISig: 'b' + base32lower(HMAC-SHA256(secret, msg)), 53 characters.
    secret, msg = b"k" * 24, "2020-09-13T12:26:40.123Z"
    mac = hmac.new(secret, msg.encode(), hashlib.sha256).digest()
    expected = "b" + base64.b32encode(mac).decode().rstrip("=").lower()
    assert textile_api_sig(secret, msg) == expected
    assert len(expected) == 53


def test_allowlist_and_origin_header_share_one_parser() -> None:
    # issue 9: an allowlisted http://127.1 never matched a browser's http://127.0.0.1
    from authtokens.server.app import origin_allowed

    allowed = frozenset(
        parse_origin(o) for o in ("http://127.1:3000", "https://münchen.example", "http://[::1]")
    )
    assert allowed == {
        "http://127.0.0.1:3000",
        "https://xn--mnchen-3ya.example",
        "http://[::1]",
    }
    for header in ("http://127.0.0.1:3000", "https://xn--mnchen-3ya.example", "http://[::1]"):
        assert origin_allowed(header, allowed)
    for header in ("http://127.0.0.2:3000", "null", "http://127.0.0.1", "https://a@127.0.0.1"):
        assert not origin_allowed(header, allowed)
