"""One regression test per known attack on JWT verifiers, ECIES and the auth flow (issue 4).

Each test is named after the attack and exercises exactly the defence against it: where the
defence sits behind another check that would also refuse the input, the test disables that
other check (a "psychic" ECDSA backend, a valid signature over a hostile header...) or spies on
the code path, so that removing the defence makes the test fail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from coincurve import PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from protocol_helpers import (
    EXAMPLE_A,
    EXAMPLE_B,
    IDENTITY,
    IDENTITY_PUB,
    NOW,
    OTHER,
    TRANSIT,
    TRANSIT_PUB,
    forge,
    forge_raw,
    payload_of,
)
from server_helpers import redis_server

from authtokens import ecies, jsjson, jwt, siws
from authtokens.auth_request import (
    AuthRequest,
    check_auth_request,
    make_auth_request,
    verify_auth_request,
)
from authtokens.auth_response import (
    REQUEST_ONLY_CLAIMS,
    check_auth_response,
    check_response_shape,
    make_auth_response,
    verify_auth_response,
)
from authtokens.claims import VerifyPolicy, check_times
from authtokens.did import did_from_public_key
from authtokens.encoding import b64url_encode
from authtokens.errors import (
    CriticalHeaderError,
    DecryptionError,
    ImmatureTokenError,
    InvalidArgumentError,
    InvalidClaimError,
    InvalidEncodingError,
    InvalidIssuerError,
    InvalidPublicKeysError,
    InvalidSignatureError,
    InvalidTokenError,
    IssuerMismatchError,
    LifetimeTooLongError,
    MalformedTokenError,
    ManifestOriginError,
    MissingClaimError,
    RedirectOriginError,
    ReplayCacheFullError,
    ReplayedTokenError,
    TokenTooLargeError,
    UnboundResponseError,
    UnsecuredTokenError,
    UnsupportedAlgorithmError,
    WrongTokenTypeError,
)
from authtokens.keys import CURVE_ORDER, get_public_key
from authtokens.origins import origin_of
from authtokens.replay import MemoryReplayCache, ReplayCache
from authtokens.sign_in import decode_auth_response
from authtokens.siws import verify_with_store
from authtokens.stores import RedisReplayCache, SQLiteReplayCache
from authtokens.stores.memory import MemoryNonceStore

P = 2**256 - 2**32 - 977  # the secp256k1 field prime
Verifier = Callable[[str], object]

# Each verifier with the example token it accepts and the key that signed that token.
VERIFIERS: dict[str, tuple[Verifier, str, str]] = {
    "verify_auth_request": (lambda t: verify_auth_request(t, now=NOW), EXAMPLE_A, TRANSIT),
    "verify_auth_response": (lambda t: verify_auth_response(t, now=NOW), EXAMPLE_B, IDENTITY),
    "decode_auth_response": (
        lambda t: decode_auth_response(t, TRANSIT, now=NOW),
        EXAMPLE_B,
        IDENTITY,
    ),
}
ALL = pytest.mark.parametrize("verifier_name", sorted(VERIFIERS))


def _verifier(name: str) -> tuple[Verifier, dict[str, Any], str]:
    verify, token, key = VERIFIERS[name]
    verify(token)  # the control: the untouched token is accepted
    return verify, payload_of(token), key


def _with_signature(token: str, r: int, s: int) -> str:
    head = token.rpartition(".")[0]
    return head + "." + b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _rs(token: str) -> tuple[int, int]:
    raw = jwt.decode(token).signature
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


@pytest.fixture
def psychic_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ECDSA backend that accepts every signature, like Java's in CVE-2022-21449."""
    monkeypatch.setattr(PublicKey, "verify", lambda *args, **kwargs: True)


# --- alg none and alg confusion -------------------------------------------------------------


@ALL
@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_unsecured_token(verifier_name: str, alg: str) -> None:
    verify, payload, key = _verifier(verifier_name)
    header = {"typ": "JWT", "alg": alg}
    unsigned = b64url_encode(jsjson.dumps(header)) + "." + b64url_encode(jsjson.dumps(payload))
    with pytest.raises(UnsecuredTokenError):
        verify(unsigned + ".")
    # With a perfectly valid ES256K signature the header still says "unsigned": only the alg
    # check stands between this token and acceptance.
    with pytest.raises(UnsecuredTokenError):
        verify(forge(payload, key=key, header=header))


@ALL
@pytest.mark.parametrize(
    "alg", ["HS256", "es256k", "ES256k", "ES256", "ES256K ", "RS256", "EdDSA", "", None, ["ES256K"]]
)
def test_alg_confusion(verifier_name: str, alg: Any) -> None:
    verify, payload, key = _verifier(verifier_name)
    header = {"typ": "JWT", "alg": alg}
    # a valid ES256K signature under a header that names another algorithm
    with pytest.raises(UnsupportedAlgorithmError) as info:
        verify(forge(payload, key=key, header=header))
    assert not isinstance(info.value, UnsecuredTokenError)


@ALL
def test_alg_confusion_hs256_keyed_with_the_public_key(verifier_name: str) -> None:
    # The classic confusion: HMAC "signed" with the verifier's public key as the secret.
    verify, payload, key = _verifier(verifier_name)
    signing_input = (
        b64url_encode(b'{"typ":"JWT","alg":"HS256"}') + "." + b64url_encode(jsjson.dumps(payload))
    )
    public = bytes.fromhex(get_public_key(key))
    for secret in (public, public.hex().encode()):
        mac = hmac.digest(secret, signing_input.encode(), "sha256")
        with pytest.raises(UnsupportedAlgorithmError):
            verify(signing_input + "." + b64url_encode(mac))


def test_alg_missing_from_header() -> None:
    with pytest.raises(UnsupportedAlgorithmError):
        verify_auth_request(forge(payload_of(EXAMPLE_A), header={"typ": "JWT"}), now=NOW)


# --- ECDSA: psychic signatures, out-of-range scalars, malleability ---------------------------


@ALL
@pytest.mark.parametrize(("r", "s"), [(0, 0), (0, 1), (1, 0)], ids=["r=s=0", "r=0", "s=0"])
@pytest.mark.usefixtures("psychic_backend")
def test_psychic_signature_cve_2022_21449(verifier_name: str, r: int, s: int) -> None:
    verify, _, _ = _verifier(verifier_name)
    token = VERIFIERS[verifier_name][1]
    real_r, real_s = _rs(token)
    # the backend really is psychic: any in-range garbage passes it...
    verify(_with_signature(token, 12345, 67890))
    # ...so refusing zero is our own range check, not the backend's
    with pytest.raises(InvalidSignatureError):
        verify(_with_signature(token, r or 0, s or 0))
    with pytest.raises(InvalidSignatureError):
        verify(_with_signature(token, real_r if r else 0, real_s if s else 0))


@ALL
@pytest.mark.parametrize(
    "value", [CURVE_ORDER, CURVE_ORDER + 1, 2**256 - 1], ids=["n", "n+1", "2^256-1"]
)
@pytest.mark.parametrize("which", ["r", "s"])
@pytest.mark.usefixtures("psychic_backend")
def test_signature_r_or_s_not_below_curve_order(verifier_name: str, value: int, which: str) -> None:
    # with a backend that accepts anything, only our range check refuses these
    verify, _, _ = _verifier(verifier_name)
    token = VERIFIERS[verifier_name][1]
    r, s = _rs(token)
    # r + n and s + n are the same residues; a verifier reducing mod n would accept them
    forged = _with_signature(token, value, s) if which == "r" else _with_signature(token, r, value)
    with pytest.raises(InvalidSignatureError):
        verify(forged)


@pytest.mark.usefixtures("psychic_backend")
def test_signature_out_of_range_refused_before_the_backend() -> None:
    token = EXAMPLE_A
    r, s = _rs(token)
    for forged in (
        _with_signature(token, r + CURVE_ORDER if r + CURVE_ORDER < 2**256 else CURVE_ORDER, s),
        _with_signature(token, r, CURVE_ORDER),
        _with_signature(token, CURVE_ORDER, CURVE_ORDER),
    ):
        with pytest.raises(InvalidSignatureError):
            verify_auth_request(forged, now=NOW)


def _twin(token: str) -> str:
    r, s = _rs(token)
    return _with_signature(token, r, CURVE_ORDER - s)


def _cache(kind: str, tmp_path: Path) -> ReplayCache:
    if kind == "memory":
        return MemoryReplayCache(clock=lambda: NOW)
    return SQLiteReplayCache(tmp_path / "replay.sqlite3", clock=lambda: NOW)


@pytest.mark.parametrize("cache_kind", ["memory", "sqlite"])
@ALL
def test_high_s_twin_accepted_but_counted_as_the_same_token(
    verifier_name: str, cache_kind: str, tmp_path: Path
) -> None:
    token = VERIFIERS[verifier_name][1]
    twin = _twin(token)
    assert twin != token
    # high S is accepted (stacks.js#1278: jsontokens writes it), so the twin verifies too
    verify, _, _ = _verifier(verifier_name)
    verify(twin)
    _, high = _rs(token if _rs(token)[1] > CURVE_ORDER // 2 else twin)
    assert high > CURVE_ORDER // 2

    cache = _cache(cache_kind, tmp_path)
    run: Callable[[str], object]
    if verifier_name == "verify_auth_request":
        run = lambda t: verify_auth_request(t, now=NOW, replay_cache=cache)  # noqa: E731
    elif verifier_name == "verify_auth_response":
        run = lambda t: verify_auth_response(t, now=NOW, replay_cache=cache)  # noqa: E731
    else:
        run = lambda t: decode_auth_response(t, TRANSIT, now=NOW, replay_cache=cache)  # noqa: E731
    run(twin)
    # keyed on the token string, the original would pass here: it is keyed on iss + jti
    with pytest.raises(ReplayedTokenError):
        run(token)
    with pytest.raises(ReplayedTokenError):
        run(twin)


def test_replay_cache_keyed_on_issuer_so_nobody_burns_another_issuers_jti() -> None:
    cache = MemoryReplayCache(clock=lambda: NOW)
    payload = payload_of(EXAMPLE_A)
    other_pub = get_public_key(OTHER)
    squatter = {**payload, "public_keys": [other_pub], "iss": did_from_public_key(other_pub)}
    verify_auth_request(forge(squatter, key=OTHER), now=NOW, replay_cache=cache)
    verify_auth_request(EXAMPLE_A, now=NOW, replay_cache=cache)  # same jti, other issuer


@pytest.mark.parametrize("cache_kind", ["memory", "sqlite"])
@pytest.mark.parametrize("jti", ["\ud800", "a\udfffb", "\udc00\ud800"])
def test_lone_surrogate_jti_is_a_token_error_not_a_crash(
    cache_kind: str, jti: str, tmp_path: Path
) -> None:
    # Found by tools/fuzz.py: a jti spelled with a lone surrogate escape ("\ud800") made the
    # SQLite replay cache raise UnicodeEncodeError out of the verifiers.
    cache = _cache(cache_kind, tmp_path)
    request = forge({**payload_of(EXAMPLE_A), "jti": jti})
    with pytest.raises(InvalidClaimError):
        verify_auth_request(request, now=NOW, replay_cache=cache)
    response = forge({**payload_of(EXAMPLE_B), "jti": jti}, key=IDENTITY)
    with pytest.raises(InvalidClaimError):
        decode_auth_response(response, TRANSIT, now=NOW, replay_cache=cache)
    with pytest.raises(InvalidClaimError):
        verify_auth_response(response, now=NOW, replay_cache=cache)


# --- ECIES ----------------------------------------------------------------------------------


def _encrypt_raw(
    plaintext_blocks: bytes, *, was_string: bool = True, ephemeral_secret: bytes | None = None
) -> dict[str, Any]:
    """A cipher object to TRANSIT_PUB with a valid MAC over ciphertext we choose (no padding
    added), built from the scheme's definition rather than from `ecies.encrypt`."""
    e = ephemeral_secret or (1 + secrets.randbelow(CURVE_ORDER - 1)).to_bytes(32, "big")
    ephemeral = PublicKey.from_valid_secret(e).format(compressed=True)
    shared = PublicKey(bytes.fromhex(TRANSIT_PUB)).multiply(e).format(compressed=True)[1:]
    digest = hashlib.sha512(shared).digest()
    enc_key, mac_key = digest[:32], digest[32:]
    iv = secrets.token_bytes(16)
    encryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).encryptor()
    ct = encryptor.update(plaintext_blocks) + encryptor.finalize()
    mac = hmac.digest(mac_key, iv + ephemeral + ct, "sha256")
    return {
        "iv": iv.hex(),
        "ephemeralPK": ephemeral.hex(),
        "cipherText": ct.hex(),
        "mac": mac.hex(),
        "wasString": was_string,
    }


def _valid_cipher() -> dict[str, Any]:
    return dict(ecies.encrypt(TRANSIT_PUB, "a secret"))


def _no_square_root(x: int) -> bool:
    return pow((x**3 + 7) % P, (P - 1) // 2, P) == P - 1


def _twist_x() -> int:
    return next(x for x in range(1, 100) if _no_square_root(x))


_G = PublicKey.from_valid_secret((1).to_bytes(32, "big")).format(compressed=False)
_INVALID_POINTS = {
    # x with no square root of x^3 + 7: the point lies on the quadratic twist, which an
    # x-only ladder would happily multiply
    "twist x (compressed)": "02" + _twist_x().to_bytes(32, "big").hex(),
    "x = 0, not on the curve": "02" + "00" * 32,
    "x >= p": "03" + "ff" * 32,
    # (x, y) not on y^2 = x^3 + 7: on y^2 = x^3 + b' for another b' (invalid-curve attack)
    "G with y + 1 (uncompressed)": "04"
    + _G[1:33].hex()
    + (int.from_bytes(_G[33:], "big") + 1).to_bytes(32, "big").hex(),
    # (1, 0) has order 2 on y^2 = x^3 - 1: a small-subgroup point would leak the key mod 2
    "order-2 point of y^2 = x^3 - 1": "04" + (1).to_bytes(32, "big").hex() + "00" * 32,
    "twist x, y = 0 (uncompressed)": "04" + _twist_x().to_bytes(32, "big").hex() + "00" * 32,
    # hybrid encodings of a valid point: libsecp256k1 parses them, the format does not allow them
    "hybrid 06 of G": "06" + _G[1:].hex(),
    "hybrid 07 of G": "07" + _G[1:].hex(),
    "point at infinity": "00",
}


@pytest.mark.parametrize("point", list(_INVALID_POINTS.values()), ids=list(_INVALID_POINTS))
def test_ecies_invalid_curve_and_twist_points(point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _no_square_root(_twist_x())
    assert _no_square_root(0)  # 7 is not a square mod p: secp256k1 has no point with x = 0
    cipher = _valid_cipher()
    multiplied: list[bytes] = []
    real = ecies._shared_x

    def spy(point: PublicKey, secret: bytes) -> bytes:
        multiplied.append(secret)
        return real(point, secret)

    monkeypatch.setattr(ecies, "_shared_x", spy)
    assert ecies.decrypt(TRANSIT, cipher) == "a secret"
    assert len(multiplied) == 1  # the spy sees the ECDH of a valid object
    multiplied.clear()
    cipher["ephemeralPK"] = point
    with pytest.raises(DecryptionError):
        ecies.decrypt(TRANSIT, cipher)
    assert multiplied == []  # no scalar multiplication with the attacker's point


def test_ecies_invalid_curve_points_are_refused_by_the_point_check() -> None:
    secret = bytes.fromhex(TRANSIT)
    for point in _INVALID_POINTS.values():
        with pytest.raises(DecryptionError):
            ecies._ecdh(secret, bytes.fromhex(point))


def test_ecies_mac_checked_before_decryption(monkeypatch: pytest.MonkeyPatch) -> None:
    decrypted: list[bytes] = []
    real = ecies._aes_cbc_decrypt

    def spy(key: bytes, iv: bytes, ct: bytes) -> bytes:
        decrypted.append(ct)
        return real(key, iv, ct)

    monkeypatch.setattr(ecies, "_aes_cbc_decrypt", spy)
    cipher = _valid_cipher()
    assert ecies.decrypt(TRANSIT, cipher) == "a secret"
    assert len(decrypted) == 1  # the spy is on the real path
    decrypted.clear()
    for field, value in (
        ("mac", ("00" if cipher["mac"][:2] != "00" else "11") + cipher["mac"][2:]),
        (
            "cipherText",
            cipher["cipherText"][:-2] + ("00" if cipher["cipherText"][-2:] != "00" else "11"),
        ),
        ("iv", "00" * 16),
    ):
        with pytest.raises(DecryptionError):
            ecies.decrypt(TRANSIT, {**cipher, field: value})
    with pytest.raises(DecryptionError):
        ecies.decrypt(OTHER, cipher)  # wrong key: wrong MAC key
    assert decrypted == []  # nothing unauthenticated reached AES or the padding check


def test_ecies_mac_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    verdict: list[bool] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((bytes(a), bytes(b)))
        return verdict[0] if verdict else real(a, b)

    # ecies calls hmac.compare_digest through the module, so patching the module reaches it
    monkeypatch.setattr(hmac, "compare_digest", spy)
    cipher = _valid_cipher()
    assert ecies.decrypt(TRANSIT, cipher) == "a secret"
    assert len(calls) == 1
    assert bytes.fromhex(cipher["mac"]) in calls[0]
    # the constant-time comparison alone decides: make it say "different" and the valid object
    # is refused; a `==` comparison would not consult it at all
    verdict.append(False)
    with pytest.raises(DecryptionError):
        ecies.decrypt(TRANSIT, cipher)
    assert len(calls) == 2


def _error_signature(call: Callable[[], object]) -> tuple[type[BaseException], str, str]:
    with pytest.raises(DecryptionError) as info:
        call()
    return type(info.value), info.value.code, str(info.value)


def test_ecies_padding_errors_indistinguishable_from_mac_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad_padding = _encrypt_raw(b"\x00" * 16)  # last byte 0: never valid PKCS#7
    bad_padding_2 = _encrypt_raw(b"A" * 15 + b"\x11")  # pad length 17 > block
    bad_utf8 = _encrypt_raw(b"\xff" * 15 + b"\x01")  # padding fine, plaintext not UTF-8
    good = _encrypt_raw(b"hello" + b"\x0b" * 11)
    assert ecies.decrypt(TRANSIT, good) == "hello"  # the construction is right

    reached: list[bool] = []
    real = ecies._aes_cbc_decrypt

    def spy(key: bytes, iv: bytes, ct: bytes) -> bytes:
        reached.append(True)
        return real(key, iv, ct)

    monkeypatch.setattr(ecies, "_aes_cbc_decrypt", spy)
    padding_error = _error_signature(lambda: ecies.decrypt(TRANSIT, bad_padding))
    assert reached == [True]  # the padding failure really happened after the MAC passed
    cases = {
        "padding 2": lambda: ecies.decrypt(TRANSIT, bad_padding_2),
        "utf-8": lambda: ecies.decrypt(TRANSIT, bad_utf8),
        "mac": lambda: ecies.decrypt(TRANSIT, {**good, "mac": "00" * 32}),
        "wrong key": lambda: ecies.decrypt(OTHER, good),
        "malformed": lambda: ecies.decrypt(TRANSIT, {**good, "iv": "zz"}),
        "wrapped padding": lambda: ecies.unwrap_private_key(
            TRANSIT, jsjson.dumps(bad_padding).hex()
        ),
        "wrapped mac": lambda: ecies.unwrap_private_key(
            TRANSIT, jsjson.dumps({**good, "mac": "00" * 32}).hex()
        ),
    }
    for name, call in cases.items():
        assert _error_signature(call) == padding_error, name
    # and through the whole sign-in
    for cipher in (bad_padding, {**good, "mac": "00" * 32}):
        token = forge(
            {**payload_of(EXAMPLE_B), "private_key": jsjson.dumps(cipher).hex()}, key=IDENTITY
        )
        assert (
            _error_signature(lambda t=token: decode_auth_response(t, TRANSIT, now=NOW))  # type: ignore[misc]
            == padding_error
        )


# --- token structure ------------------------------------------------------------------------


@ALL
@pytest.mark.parametrize("shape", ["junk", "empty", "signature twice", "five", "two segments"])
def test_trailing_segments(verifier_name: str, shape: str) -> None:
    verify, _, _ = _verifier(verifier_name)
    token = VERIFIERS[verifier_name][1]
    head, _, signature = token.rpartition(".")
    mutated = {
        "junk": token + ".junk",
        "empty": token + ".",
        "signature twice": token + "." + signature,
        "five": token + ".a.b",
        "two segments": head,
    }[shape]
    with pytest.raises(MalformedTokenError):
        verify(mutated)


@pytest.mark.parametrize("size_over", [1, 10**6])
def test_huge_token_refused_before_decoding(
    size_over: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: object, **kwargs: object) -> object:
        raise AssertionError("decoded a token over the size cap")

    segment = "A" * ((jwt.MAX_TOKEN_SIZE + size_over) // 3)
    huge = f"{segment}.{segment}.{segment}" + "A" * 3
    assert len(huge) > jwt.MAX_TOKEN_SIZE
    monkeypatch.setattr(jwt, "b64url_decode", must_not_run)
    monkeypatch.setattr(jsjson, "loads", must_not_run)
    for verify in (
        lambda: verify_auth_request(huge, now=NOW),
        lambda: verify_auth_response(huge, now=NOW),
        lambda: decode_auth_response(huge, TRANSIT, now=NOW),
        lambda: jwt.decode(huge),
    ):
        with pytest.raises(TokenTooLargeError):
            verify()


def test_size_cap_is_configurable() -> None:
    with pytest.raises(TokenTooLargeError):
        verify_auth_request(EXAMPLE_A, now=NOW, max_size=len(EXAMPLE_A) - 1)
    verify_auth_request(EXAMPLE_A, now=NOW, max_size=len(EXAMPLE_A))
    with pytest.raises(TokenTooLargeError):
        decode_auth_response(EXAMPLE_B, TRANSIT, now=NOW, max_size=1000)


def _payload_text(token: str) -> bytes:
    return jsjson.dumps(payload_of(token))


_HEADER = b'{"typ":"JWT","alg":"ES256K"}'


@ALL
def test_duplicate_json_keys(verifier_name: str) -> None:
    verify, payload, key = _verifier(verifier_name)
    text = jsjson.dumps(payload)
    exp = str(payload["exp"]).encode()
    duplicated = text.replace(b'"exp":' + exp, b'"exp":1,"exp":' + exp, 1)
    assert duplicated != text
    # JS JSON.parse (and Python's json) keep the last value, so the reference would accept
    # this with exp = the real one; another parser might keep exp = 1. We refuse it.
    assert json.loads(duplicated)["exp"] == payload["exp"]
    with pytest.raises(MalformedTokenError):
        verify(forge_raw(_HEADER, duplicated, key))
    with pytest.raises(MalformedTokenError):
        verify(forge_raw(b'{"typ":"JWT","alg":"none","alg":"ES256K"}', text, key))


# --- claims ---------------------------------------------------------------------------------


@ALL
def test_public_key_not_matching_issuer(verifier_name: str) -> None:
    verify, payload, key = _verifier(verifier_name)
    # signed by the key in public_keys, but iss names another key's address
    payload["iss"] = did_from_public_key(get_public_key(OTHER))
    with pytest.raises(IssuerMismatchError):
        verify(forge(payload, key=key))
    # and the other way round: iss unchanged, public_keys holds the signer's key but it is not
    # the issuer's
    payload = payload_of(VERIFIERS[verifier_name][1])
    payload["public_keys"] = [get_public_key(OTHER)]
    with pytest.raises(IssuerMismatchError):
        verify(forge(payload, key=OTHER))


@ALL
@pytest.mark.parametrize(
    "keys",
    [[], [TRANSIT_PUB, TRANSIT_PUB], TRANSIT_PUB, [5], ["02" + "00" * 32], [TRANSIT_PUB[:-2]]],
    ids=["empty", "two", "string", "number", "off-curve", "short"],
)
def test_public_keys_not_a_list_of_one_valid_key(verifier_name: str, keys: Any) -> None:
    verify, payload, key = _verifier(verifier_name)
    payload["public_keys"] = keys
    with pytest.raises(InvalidPublicKeysError):
        verify(forge(payload, key=key))


@ALL
@pytest.mark.parametrize(
    "iss",
    [
        "DID:BTC-ADDR:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL",
        "did:btc-addr:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyM",
        "did:btc-addr:",
        "1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL",
        5,
        None,
    ],
)
def test_iss_not_a_well_formed_did(verifier_name: str, iss: Any) -> None:
    verify, payload, key = _verifier(verifier_name)
    payload["iss"] = iss
    with pytest.raises(InvalidIssuerError):
        verify(forge(payload, key=key))


@ALL
def test_iat_far_in_the_future(verifier_name: str) -> None:
    verify, payload, key = _verifier(verifier_name)
    for iat in (NOW + 10 * 365 * 86400, NOW + 61):
        with pytest.raises(ImmatureTokenError):
            verify(forge({**payload, "iat": iat, "exp": iat + 3600}, key=key))
    verify(forge({**payload, "iat": NOW + 59, "exp": NOW + 3600}, key=key))  # leeway: 60 s


@ALL
@pytest.mark.parametrize(
    ("exp", "error"),
    [
        ("missing", MissingClaimError),
        (0, MissingClaimError),
        (None, MissingClaimError),
        ("1800000000", InvalidClaimError),
        (True, InvalidClaimError),
        (False, InvalidClaimError),
        ([1800000000], InvalidClaimError),
        (-1, InvalidClaimError),
    ],
)
def test_exp_missing_zero_string_or_boolean(
    verifier_name: str, exp: Any, error: type[Exception]
) -> None:
    verify, payload, key = _verifier(verifier_name)
    if exp == "missing":
        del payload["exp"]
    else:
        payload["exp"] = exp
    with pytest.raises(error):
        verify(forge(payload, key=key))


@ALL
@pytest.mark.parametrize(
    "literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"1" + b"0" * 400]
)
def test_exp_nan_or_infinite(verifier_name: str, literal: bytes) -> None:
    # NaN can only arrive as forged JSON text; the strict parser refuses it before any check
    verify, payload, key = _verifier(verifier_name)
    text = jsjson.dumps(payload)
    forged = text.replace(b'"exp":' + str(payload["exp"]).encode(), b'"exp":' + literal, 1)
    assert forged != text
    with pytest.raises(MalformedTokenError):
        verify(forge_raw(_HEADER, forged, key))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_exp_nan_refused_by_the_claim_check_too(value: float) -> None:
    with pytest.raises(InvalidClaimError):
        check_times({"iat": NOW, "exp": value}, NOW)
    with pytest.raises(InvalidClaimError):
        check_times({"iat": value, "exp": NOW + 60}, NOW)


@ALL
def test_exp_far_in_the_future(verifier_name: str) -> None:
    verify, payload, key = _verifier(verifier_name)
    token = forge({**payload, "iat": NOW, "exp": NOW + 100 * 365 * 86400}, key=key)
    verify(token)  # off by default (api.md): wallets set far-future expiries
    if verifier_name == "verify_auth_request":
        capped: Verifier = lambda t: verify_auth_request(t, now=NOW, max_lifetime=30 * 86400)  # noqa: E731
    elif verifier_name == "verify_auth_response":
        capped = lambda t: verify_auth_response(t, now=NOW, max_lifetime=30 * 86400)  # noqa: E731
    else:
        capped = lambda t: decode_auth_response(t, TRANSIT, now=NOW, max_lifetime=30 * 86400)  # noqa: E731
    with pytest.raises(LifetimeTooLongError):
        capped(token)


# --- open redirect --------------------------------------------------------------------------

_HOSTILE_URIS = {
    "other origin": "https://evil.example/",
    "userinfo trick": "https://app.example.com@evil.example/",
    "userinfo trick with port": "https://app.example.com:443@evil.example/",
    "userinfo trick, encoded @": "https://app.example.com%40evil.example/",
    "suffix domain": "https://app.example.com.evil.example/",
    "IDN homograph (Cyrillic a)": "https://аpp.example.com/",
    "IDN homograph (punycode)": "https://xn--pp-8cd.example.com/",
    "javascript: URL": "javascript:alert(document.cookie)",
    "javascript: URL naming the origin": "javascript:alert(1)//https://app.example.com/",
    "javascript: with slashes": "javascript://app.example.com/%0aalert(1)",
    "data: URL": "data:text/html,<script>alert(1)</script>",
    "backslash before @ (browser: app, urllib: evil)": "https://app.example.com\\@evil.example/",
    "backslash after @ (browser: evil)": "https://evil.example\\@app.example.com/",
    "backslashes for slashes": "https:\\\\evil.example\\",
    "scheme-relative": "//evil.example/",
    "scheme without slashes": "https:evil.example",
    "tab inside host": "https://app.example.com\t.evil.example/",
    "newline inside host": "https://app.exa\nmple.com/",
    "leading space": " https://app.example.com/",
    "http downgrade": "http://app.example.com/",
    "other port": "https://app.example.com:8443/",
    "relative path": "/callback",
    "custom scheme": "myapp://callback",
}


@pytest.mark.parametrize("uri", list(_HOSTILE_URIS.values()), ids=list(_HOSTILE_URIS))
def test_open_redirect(uri: str) -> None:
    payload = payload_of(EXAMPLE_A)
    with pytest.raises(RedirectOriginError):
        verify_auth_request(forge({**payload, "redirect_uri": uri}), now=NOW)
    with pytest.raises(ManifestOriginError):
        verify_auth_request(forge({**payload, "manifest_uri": uri}), now=NOW)
    # and the app side will not mint it either
    with pytest.raises(InvalidArgumentError):
        make_auth_request(TRANSIT, app_domain="https://app.example.com", redirect_uri=uri, now=NOW)


def test_open_redirect_controls_still_accepted() -> None:
    # what is the same origin stays accepted: path, query, case, the default port, an IDN
    # spelled either way (userinfo, even on the right host, is refused: issue 11 item 14)
    payload = payload_of(EXAMPLE_A)
    for uri in (
        "https://app.example.com/auth/callback?x=1#frag",
        "https://APP.example.com:443/",
        "HTTPS://app.example.com",
    ):
        verify_auth_request(forge({**payload, "redirect_uri": uri}), now=NOW)
    idn = {
        **payload,
        "domain_name": "https://bücher.example",
        "manifest_uri": "https://xn--bcher-kva.example/m",
    }
    verify_auth_request(forge({**idn, "redirect_uri": "https://BÜCHER.example/"}), now=NOW)


def test_idn_homographs_are_distinct_origins() -> None:
    assert origin_of("https://аpp.example.com/") != origin_of("https://app.example.com/")
    assert origin_of("https://аpp.example.com/").host.startswith("xn--")
    assert origin_of("https://bücher.example/") == origin_of("https://xn--bcher-kva.example/")


@pytest.mark.parametrize(
    "domain",
    ["javascript:alert(1)", "myapp://x", "app.example.com", "https://a.example\\@b.example"],
)
def test_domain_name_without_a_followable_origin(domain: str) -> None:
    payload = {**payload_of(EXAMPLE_A), "domain_name": domain}
    with pytest.raises(InvalidClaimError):
        verify_auth_request(forge(payload), now=NOW)


def test_hub_url_javascript_refused() -> None:
    token = forge({**payload_of(EXAMPLE_B), "hubUrl": "javascript:alert(1)"}, key=IDENTITY)
    with pytest.raises(InvalidClaimError):
        decode_auth_response(token, TRANSIT, now=NOW)


# --- resource exhaustion ----------------------------------------------------------------------


@ALL
@pytest.mark.parametrize("depth", [65, 1000, 30000])
def test_deeply_nested_json(verifier_name: str, depth: int) -> None:
    verify, payload, key = _verifier(verifier_name)
    text = jsjson.dumps(payload)[:-1] + b',"x":' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(MalformedTokenError):  # never a RecursionError
        verify(forge_raw(_HEADER, text, key))


def test_identity_key_pinned_by_issuer_not_by_token() -> None:
    # The response's identity is whoever signed it (the reference does the same: spec §9.2);
    # what binds it to this app is the transit key. A response re-signed by another identity
    # verifies as that identity, never as ours.
    payload = payload_of(EXAMPLE_B)
    other_pub = get_public_key(OTHER)
    payload.update(public_keys=[other_pub], iss=did_from_public_key(other_pub))
    user = decode_auth_response(forge(payload, key=OTHER), TRANSIT, now=NOW)
    assert user.decentralized_id != did_from_public_key(IDENTITY_PUB)


# --- issue 11, item 13: the manifest fetch resolves the host that was verified ---------------


def test_manifest_fetch_connects_to_the_verified_idn_host(monkeypatch: pytest.MonkeyPatch) -> None:
    # Verification reads faß.example as xn--fa-hia.example (UTS #46, as browsers); urllib's
    # IDNA 2003 would resolve fass.example, another registrable name. Resolve like the OS does
    # (CPython encodes a str host with the "idna" codec) and serve only the verified host.
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from authtokens.manifest import fetch_manifest

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/redirect":  # the Location in raw UTF-8, as servers send it
                location = f"http://faß.example:{port}/manifest.json".encode()
                self.wfile.write(
                    b"HTTP/1.0 302 Found\r\nLocation: " + location + b"\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
            body = b'{"name": "IDN app"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real_getaddrinfo = socket.getaddrinfo
    resolved: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.encode("idna").decode("ascii") if isinstance(host, str) else host.decode()
        resolved.append(name)
        if name != "xn--fa-hia.example":
            raise socket.gaierror(socket.EAI_NONAME, f"{name} is not the verified host")
        return real_getaddrinfo("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("NO_PROXY", "*")
    try:
        assert fetch_manifest(f"http://faß.example:{port}/manifest.json") == {"name": "IDN app"}
        assert resolved == ["xn--fa-hia.example"]
        # a same-origin redirect naming the host in Unicode is followed to the same host
        resolved.clear()
        assert fetch_manifest(f"http://xn--fa-hia.example:{port}/redirect") == {"name": "IDN app"}
        assert resolved == ["xn--fa-hia.example", "xn--fa-hia.example"]
        # and from a verified request naming the app in Unicode
        resolved.clear()
        token = make_auth_request(TRANSIT, app_domain=f"http://faß.example:{port}", now=NOW)
        assert fetch_manifest(verify_auth_request(token, now=NOW)) == {"name": "IDN app"}
        assert resolved == ["xn--fa-hia.example"]
    finally:
        server.shutdown()
        server.server_close()


# --- issue 11, item 14: userinfo in URL claims -------------------------------------------------


def test_domain_name_with_userinfo_refused() -> None:
    # Origin evil.example, but a wallet that shows domain_name shows app.example.com.
    payload = {
        **payload_of(EXAMPLE_A),
        "domain_name": "https://app.example.com@evil.example",
        "redirect_uri": "https://evil.example/",
        "manifest_uri": "https://evil.example/manifest.json",
    }
    with pytest.raises(InvalidClaimError, match="userinfo"):
        verify_auth_request(forge(payload), now=NOW)
    for domain in ("https://user:pw@app.example.com", "https://@app.example.com"):
        payload = {**payload_of(EXAMPLE_A), "domain_name": domain}
        with pytest.raises(InvalidClaimError, match="userinfo"):
            verify_auth_request(forge(payload), now=NOW)
    with pytest.raises(InvalidArgumentError, match="userinfo"):
        make_auth_request(TRANSIT, app_domain="https://app.example.com@evil.example", now=NOW)


@pytest.mark.parametrize(
    ("claim", "error"),
    [("redirect_uri", RedirectOriginError), ("manifest_uri", ManifestOriginError)],
)
def test_redirect_and_manifest_with_userinfo_refused(claim: str, error: type[Exception]) -> None:
    # even on the right host: the userinfo only serves to make the URL look like another
    for uri in ("https://user:pw@app.example.com/", "https://evil.example@app.example.com/"):
        with pytest.raises(error, match="userinfo"):
            verify_auth_request(forge({**payload_of(EXAMPLE_A), claim: uri}), now=NOW)


def test_app_details_icon_with_userinfo_refused() -> None:
    details = {"name": "App", "icon": "https://app.example.com@evil.example/icon.png"}
    payload = {**payload_of(EXAMPLE_A), "appDetails": details}
    with pytest.raises(InvalidClaimError, match="userinfo"):
        verify_auth_request(forge(payload), now=NOW)


@pytest.mark.parametrize("claim", ["hubUrl", "profile_url", "blockstackAPIUrl"])
def test_response_url_claims_with_userinfo_refused(claim: str) -> None:
    payload = {**payload_of(EXAMPLE_B), claim: "https://hub.blockstack.org@evil.example/"}
    with pytest.raises(InvalidClaimError, match="userinfo"):
        verify_auth_response(forge(payload, key=IDENTITY), now=NOW)
    # the control: the same URL without userinfo is accepted
    verify_auth_response(forge({**payload, claim: "https://evil.example/"}, key=IDENTITY), now=NOW)


# --- issue 11, items 6-12 ------------------------------------------------------------------


def _transit_request() -> AuthRequest:
    return verify_auth_request(EXAMPLE_A, now=NOW)


def test_auth_request_passed_as_auth_response() -> None:
    # EXAMPLE_A is the app's own authRequest, signed by its transit key: accepted as a response,
    # its "user" was did:btc-addr:<transit address>.
    with pytest.raises(WrongTokenTypeError):
        verify_auth_response(EXAMPLE_A, now=NOW)
    with pytest.raises(WrongTokenTypeError):  # (not the unbound-response refusal: allowed here)
        decode_auth_response(
            EXAMPLE_A, TRANSIT, now=NOW, request=_transit_request(), allow_unbound_response=True
        )
    _, checks = check_auth_response(EXAMPLE_A, now=NOW)
    assert [c.code for c in checks if not c.passed] == ["wrong_token_type"]


@pytest.mark.parametrize("claim", sorted(REQUEST_ONLY_CLAIMS))
def test_auth_response_with_request_only_claims(claim: str) -> None:
    payload = payload_of(EXAMPLE_B)
    payload[claim] = payload_of(EXAMPLE_A).get(claim, True)
    with pytest.raises(WrongTokenTypeError):
        verify_auth_response(forge(payload, key=IDENTITY), now=NOW)


def test_auth_response_without_private_key_claim() -> None:
    payload = payload_of(EXAMPLE_B)
    del payload["private_key"]
    with pytest.raises(WrongTokenTypeError):
        verify_auth_response(forge(payload, key=IDENTITY), now=NOW)
    payload["private_key"] = None  # null is a response (hardware-wallet accounts)
    assert verify_auth_response(forge(payload, key=IDENTITY), now=NOW).private_key is None


def test_reference_response_vectors_still_pass_the_shape_check() -> None:
    cases = json.loads((Path(__file__).parent / "vectors" / "auth_responses.json").read_text())
    valid = [case for case in cases["cases"] if case["reference_valid"] is True]
    assert len(valid) > 20
    for case in valid:  # (tests/test_auth_response.py decodes each of them in full)
        check_response_shape(payload_of(case["token"]))


def test_unbound_response_with_null_private_key_for_another_app() -> None:
    # A hardware-wallet user's response, as sent to evil.example: private_key is null, so no
    # transit-key encryption ties it to app.example.com's request.
    token = make_auth_response(
        IDENTITY, app_private_key=None, transit_public_key=None, now=NOW, expires_at=NOW + 3600
    )
    with pytest.raises(UnboundResponseError) as caught:
        decode_auth_response(token, TRANSIT, now=NOW, request=_transit_request())
    assert caught.value.code == "unbound_response"
    user = decode_auth_response(
        token, TRANSIT, now=NOW, request=_transit_request(), allow_unbound_response=True
    )
    assert user.app_private_key is None
    # without a request there is nothing to bind to: unchanged
    assert decode_auth_response(token, TRANSIT, now=NOW).app_private_key is None


_CRIT = {
    "an unknown extension": ["urn:example:must-understand"],
    "b64 (RFC 7797, which changes what is signed)": ["b64"],
    "a registered claim name": ["exp"],
    "empty list": [],
    "a string, not a list": "b64",
    "a number in the list": [1],
    "an empty name": [""],
    "a repeated name": ["x", "x"],
    "null": None,
}


@ALL
@pytest.mark.parametrize("crit", list(_CRIT.values()), ids=list(_CRIT))
def test_unknown_crit_header_parameters(verifier_name: str, crit: Any) -> None:
    verify, payload, key = _verifier(verifier_name)
    header = {"typ": "JWT", "alg": "ES256K", "crit": crit, "b64": True}
    with pytest.raises(CriticalHeaderError) as caught:
        verify(forge(payload, key=key, header=header))
    assert caught.value.code == "unsupported_crit"


def test_crit_header_refused_by_jwt_verify() -> None:
    token = forge({"a": 1}, key=IDENTITY, header={"typ": "JWT", "alg": "ES256K", "crit": ["x"]})
    with pytest.raises(CriticalHeaderError):
        jwt.verify(token, IDENTITY_PUB)


_BAD_SECONDS = [math.nan, math.inf, -math.inf, -1.0, True, "60"]


@pytest.mark.parametrize("value", _BAD_SECONDS, ids=repr)
def test_leeway_nan_or_inf_switches_expiry_off(value: Any) -> None:
    expired_at = NOW + 10 * 365 * 86400  # EXAMPLE_B expired long ago by then
    with pytest.raises(InvalidArgumentError):
        verify_auth_response(EXAMPLE_B, now=expired_at, leeway=value)
    with pytest.raises(InvalidArgumentError):
        decode_auth_response(EXAMPLE_B, TRANSIT, now=expired_at, leeway=value)
    with pytest.raises(InvalidArgumentError):
        verify_auth_request(EXAMPLE_A, now=expired_at, leeway=value)
    with pytest.raises(InvalidArgumentError):
        VerifyPolicy(leeway=value)


@pytest.mark.parametrize("value", _BAD_SECONDS, ids=repr)
def test_max_lifetime_nan_or_inf_switches_the_cap_off(value: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        verify_auth_response(EXAMPLE_B, now=NOW, max_lifetime=value)
    with pytest.raises(InvalidArgumentError):
        check_auth_request(EXAMPLE_A, now=NOW, max_lifetime=value)
    with pytest.raises(InvalidArgumentError):
        MemoryReplayCache(max_retention=value)


@pytest.mark.parametrize("value", _BAD_SECONDS, ids=repr)
def test_siws_leeway_or_max_age_nan_or_inf(value: Any) -> None:
    case = json.loads((Path(__file__).parent / "vectors" / "siws.json").read_text())["cases"][0]
    fields = case["fields"]
    late = siws.parse_message(case["text"]).issued_at.timestamp() + 10 * 365 * 86400
    expect = {"domain": fields["domain"], "nonce": fields["nonce"], "uri": fields["uri"]}
    for option in ("leeway", "max_age"):
        with pytest.raises(InvalidArgumentError):
            siws.verify_message(
                case["text"], case["signature"], now=late, **expect, **{option: value}
            )
        with pytest.raises(InvalidArgumentError):
            siws.wallet_check(
                case["text"],
                origin="https://" + fields["domain"],
                address=fields["address"],
                chain_id=1,
                now=late,
                **{option: value},
            )


def test_nonce_store_verifier_refuses_a_bad_leeway_before_spending_the_nonce() -> None:
    store = MemoryNonceStore()
    address = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"
    nonce = store.issue(address, 1)
    text = siws.create_message(
        domain="app.example.com", address=address, uri="https://app.example.com", nonce=nonce
    )
    with pytest.raises(InvalidArgumentError):
        verify_with_store(store, text, "00" * 65, domain="app.example.com", leeway=math.nan)
    store.consume(nonce, address, 1)  # still there: the usage error came first


def _far_future(exp: float) -> str:
    payload = payload_of(EXAMPLE_B)
    return forge({**payload, "iat": NOW, "exp": exp}, key=IDENTITY)


@pytest.mark.parametrize("exp", [1e300, 9.3e15, NOW + 10 * 365 * 86400.0])
def test_replay_cache_filled_forever_by_far_future_exp(exp: float) -> None:
    cache = MemoryReplayCache(clock=lambda: NOW)
    token = _far_future(exp)
    verify_auth_response(token, now=NOW)  # legal without a cache (max_lifetime is off)
    with pytest.raises(LifetimeTooLongError):
        verify_auth_response(token, now=NOW, replay_cache=cache)
    assert len(cache) == 0  # nothing pinned
    # within the retention (the reference's month-long tokens), replays are still caught
    verify_auth_response(EXAMPLE_B, now=NOW, replay_cache=cache)
    with pytest.raises(ReplayedTokenError):
        verify_auth_response(EXAMPLE_B, now=NOW, replay_cache=cache)


def test_never_expiring_token_cannot_be_protected_from_replay() -> None:
    payload = {k: v for k, v in payload_of(EXAMPLE_B).items() if k != "exp"}
    token = forge(payload, key=IDENTITY)
    cache = MemoryReplayCache(clock=lambda: NOW)
    verify_auth_response(token, now=NOW, require_exp=False)
    with pytest.raises(LifetimeTooLongError):  # it was kept a year, then replayable
        verify_auth_response(token, now=NOW, require_exp=False, replay_cache=cache)


def test_replay_cache_lifetime_is_covered_by_max_retention() -> None:
    cache = MemoryReplayCache(clock=lambda: NOW, max_retention=10 * 366 * 86400.0)
    token = _far_future(NOW + 5 * 365 * 86400.0)
    verify_auth_response(token, now=NOW, replay_cache=cache)
    with pytest.raises(ReplayedTokenError):
        verify_auth_response(token, now=NOW, replay_cache=cache)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_replay_cache_retention_is_bounded(kind: str, tmp_path: Path) -> None:
    clock = [NOW]
    cache: MemoryReplayCache | SQLiteReplayCache
    if kind == "memory":
        cache = MemoryReplayCache(clock=lambda: clock[0], max_retention=100)
    else:
        cache = SQLiteReplayCache(
            tmp_path / "r.db", clock=lambda: clock[0], max_retention=100, purge_every=1
        )
    for exp in (1e300, math.inf, math.nan):
        key = f"k{exp}"
        assert cache.seen(key, exp) is False
        assert cache.seen(key, exp) is True
    clock[0] = NOW + 101
    assert cache.seen("k1e+300", 1e300) is False  # forgotten after max_retention
    if kind == "sqlite":
        assert isinstance(cache, SQLiteReplayCache)
        rows = cache._connect().execute("SELECT max(expires_at) FROM replay_cache").fetchone()
        assert rows[0] <= clock[0] + 100


def test_full_memory_replay_cache_fails_safe() -> None:
    clock = [NOW]
    cache = MemoryReplayCache(max_entries=2, clock=lambda: clock[0])
    tokens = [forge({**payload_of(EXAMPLE_B), "jti": f"j{i}"}, key=IDENTITY) for i in range(3)]
    verify_auth_response(tokens[0], now=NOW, replay_cache=cache)
    verify_auth_response(tokens[1], now=NOW, replay_cache=cache)
    with pytest.raises(ReplayCacheFullError) as caught:  # not "replayed": a good token
        verify_auth_response(tokens[2], now=NOW, replay_cache=cache)
    assert caught.value.code == "replay_cache_full"
    assert not isinstance(caught.value, InvalidTokenError)  # the verifier's condition: 503
    with pytest.raises(ReplayedTokenError):  # and replays are still refused
        verify_auth_response(tokens[0], now=NOW, replay_cache=cache)
    clock[0] = NOW + 32 * 86400  # the ids expire (within max_retention): room again
    verify_auth_response(tokens[2], now=NOW, replay_cache=cache)


def test_redis_replay_cache_leaks_response_error_for_huge_exp(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:  # skips (fails under CI) without a redis-server
        cache = RedisReplayCache(url, prefix="adv:")
        for exp in (9.3e15, 1e300, math.inf):
            assert cache.seen(f"k{exp}", exp) is False  # was redis' own ResponseError
            assert cache.seen(f"k{exp}", exp) is True
            ttl = cache._redis.pttl(f"adv:k{exp}")
            assert 0 < ttl <= cache.max_retention * 1000


def _empty_arrays_token(key: str, count: int = 32_000) -> str:
    body = b'{"a":[' + b",".join([b"[]"] * count) + b"]}"
    return forge_raw(_HEADER, body, key)


@ALL
def test_cheap_to_send_expensive_to_parse_token(
    verifier_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify, _, key = _verifier(verifier_name)
    token = _empty_arrays_token(key)
    assert len(token) <= jwt.MAX_TOKEN_SIZE
    parsed: list[int] = []
    real_scan = jsjson._SCAN

    def spy(text: str, index: int) -> tuple[Any, int]:
        parsed.append(len(text))
        return real_scan(text, index)

    monkeypatch.setattr(jsjson, "_SCAN", spy)
    with pytest.raises(MalformedTokenError):
        verify(token)
    # refused from a scan of the text: the 32,000 values are never built (43 ms before)
    assert all(n < 1000 for n in parsed), parsed


def test_element_cap_counts_values_outside_strings_only() -> None:
    # counted: arrays, objects and commas (one array of n numbers: 1 + n - 1)
    at_cap = "[" + ",".join(["0"] * jsjson.MAX_ELEMENTS) + "]"
    assert len(jsjson.loads(at_cap)) == jsjson.MAX_ELEMENTS
    with pytest.raises(InvalidEncodingError):
        jsjson.loads("[" + ",".join(["0"] * (jsjson.MAX_ELEMENTS + 1)) + "]")
    text = json.dumps({"s": '[{,\\"' * 10_000, "t": ["\\", '"]', "x"]})
    assert jsjson.loads(text) == json.loads(text)
    deep = "[" * 64 + '"' + "[" * 100 + '"' + "]" * 64
    assert jsjson.loads(deep) is not None
    with pytest.raises(InvalidEncodingError):
        jsjson.loads("[" * 65 + "]" * 65)
