"""Property tests over every public verifier and parser (issue 4).

The properties:

- any input either succeeds or raises the library's own error (an `AuthTokenError`; for token
  input an `InvalidTokenError`, for ECIES input a `DecryptionError`), never ``ValueError``,
  ``KeyError``, ``TypeError``, ``RecursionError``, ``UnicodeError``, ``OverflowError`` or
  ``binascii.Error``;
- a mutated token never verifies unless the mutation left the signed bytes and the signature
  semantically identical (the only such mutation is the high-S/low-S twin);
- a claim set signed with the token's own key is accepted only if it is sound: numeric ``iat``
  and ``exp`` inside the window, ``iss`` the DID of the one key, redirect and manifest on the
  origin of ``domain_name``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protocol_helpers import (
    EXAMPLE_A,
    EXAMPLE_B,
    IDENTITY,
    IDENTITY_PUB,
    NOW,
    TRANSIT,
    TRANSIT_PUB,
    forge,
    payload_of,
)

from authtokens import addresses, did, ecies, jsjson, jwt, keys, origins
from authtokens.auth_request import make_auth_request, verify_auth_request
from authtokens.auth_response import make_auth_response, verify_auth_response
from authtokens.claims import DEFAULT_LEEWAY, check_times, parse_version
from authtokens.encoding import b64url_encode
from authtokens.errors import (
    AuthTokenError,
    DecryptionError,
    InvalidArgumentError,
    InvalidEncodingError,
    InvalidScopeError,
    InvalidTokenError,
    UnsupportedVersionError,
)
from authtokens.keys import CURVE_ORDER
from authtokens.sign_in import decode_auth_response
from scopes import parse_scopes

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# the signed-claims tests sign with the pure-Python RFC 6979 nonce: fewer, costlier examples
SIGNED = settings(SETTINGS, max_examples=50)

# Tokens to mutate: the spec's examples and fresh ones (low-S, other origins).
FRESH_REQUEST = make_auth_request(
    TRANSIT, app_domain="http://localhost:3000", scopes=["store_write", "email"], now=NOW
)
FRESH_RESPONSE = make_auth_response(
    IDENTITY,
    app_private_key="e9b1edf5b74865cf5b9d0b18cde1da7ad6c0e25f4849c40c2a0870413146898a",
    transit_public_key=TRANSIT_PUB,
    core_token="a core token",
    now=NOW,
)
Verifier = Callable[[str], object]
VERIFIERS: dict[str, tuple[Verifier, tuple[str, ...], str]] = {
    "verify_auth_request": (
        lambda t: verify_auth_request(t, now=NOW),
        (EXAMPLE_A, FRESH_REQUEST),
        TRANSIT,
    ),
    "verify_auth_response": (
        lambda t: verify_auth_response(t, now=NOW),
        (EXAMPLE_B, FRESH_RESPONSE),
        IDENTITY,
    ),
    "decode_auth_response": (
        lambda t: decode_auth_response(t, TRANSIT, now=NOW),
        (EXAMPLE_B, FRESH_RESPONSE),
        IDENTITY,
    ),
    "jwt.verify": (lambda t: jwt.verify(t, IDENTITY_PUB), (EXAMPLE_B, FRESH_RESPONSE), IDENTITY),
}


def _semantic_key(token: str) -> tuple[bytes, int, int]:
    """What a token means: the signed bytes and the signature up to the S twin."""
    decoded = jwt.decode(token)
    r = int.from_bytes(decoded.signature[:32], "big")
    s = int.from_bytes(decoded.signature[32:], "big")
    return decoded.signing_input, r, min(s, CURVE_ORDER - s)


# --- token mutations ------------------------------------------------------------------------


@st.composite
def mutations(draw: st.DrawFn, token: str) -> str:
    """A token changed by one of: bit flips, truncation, segment swaps, re-encodings,
    deletions, insertions, repetition, a new signature or the S twin."""
    kind = draw(
        st.sampled_from(
            [
                "bitflip",
                "truncate",
                "swap",
                "std-base64",
                "pad",
                "delete",
                "insert",
                "repeat",
                "signature",
                "twin",
                "reserialise",
            ]
        )
    )
    n = len(token)
    head, body, sig = token.split(".")
    if kind == "bitflip":
        i = draw(st.integers(0, n - 1))
        return token[:i] + chr(ord(token[i]) ^ (1 << draw(st.integers(0, 7)))) + token[i + 1 :]
    if kind == "truncate":
        return token[: draw(st.integers(0, n - 1))]
    if kind == "swap":
        order = draw(st.permutations([head, body, sig]))
        return ".".join(order)
    if kind == "std-base64":
        k = draw(st.integers(0, 2))
        parts = [head, body, sig]
        parts[k] = parts[k].replace("-", "+").replace("_", "/")
        return ".".join(parts)
    if kind == "pad":
        k = draw(st.integers(0, 2))
        parts = [head, body, sig]
        parts[k] += "=" * draw(st.integers(1, 2))
        return ".".join(parts)
    if kind == "delete":
        i = draw(st.integers(0, n - 1))
        return token[:i] + token[i + draw(st.integers(1, 20)) :]
    if kind == "insert":
        i = draw(st.integers(0, n))
        return token[:i] + draw(st.text(min_size=1, max_size=8)) + token[i:]
    if kind == "repeat":
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i + 1, min(n, i + 50)))
        return token[:j] + token[i:j] * draw(st.integers(1, 5)) + token[j:]
    if kind == "signature":
        raw = draw(st.binary(min_size=0, max_size=80))
        return f"{head}.{body}.{b64url_encode(raw)}"
    try:
        decoded = jwt.decode(token)
    except InvalidTokenError:
        return token  # earlier steps broke it; nothing more to re-spell
    if kind == "twin":
        raw = decoded.signature
        if len(raw) != 64 or not 0 < int.from_bytes(raw[32:], "big") < CURVE_ORDER:
            return token
        s = CURVE_ORDER - int.from_bytes(raw[32:], "big")
        return f"{head}.{body}.{b64url_encode(raw[:32] + s.to_bytes(32, 'big'))}"
    # the same claims, serialised differently (other key order), old signature kept
    items = draw(st.permutations(list(decoded.payload.items())))
    return f"{head}.{b64url_encode(jsjson.dumps(dict(items)))}.{sig}"


@st.composite
def mutated_tokens(draw: st.DrawFn, name: str) -> tuple[str, str]:
    token = draw(st.sampled_from(VERIFIERS[name][1]))
    mutated = token
    for _ in range(draw(st.integers(1, 3))):
        mutated = draw(mutations(mutated)) if mutated.count(".") == 2 else mutated + "x"
    return token, mutated


@pytest.mark.parametrize("name", sorted(VERIFIERS))
@SETTINGS
@given(data=st.data())
def test_mutated_token_never_verifies_unless_semantically_identical(
    name: str, data: st.DataObject
) -> None:
    verify = VERIFIERS[name][0]
    original, mutated = data.draw(mutated_tokens(name))
    try:
        verify(mutated)
    except InvalidTokenError:
        return
    assert _semantic_key(mutated) == _semantic_key(original)


@SETTINGS
@given(data=st.data())
def test_jwt_decode_of_mutations_raises_only_token_errors(data: st.DataObject) -> None:
    _, mutated = data.draw(mutated_tokens("verify_auth_response"))
    try:
        jwt.decode(mutated)
    except InvalidTokenError:
        pass


# --- claim sets signed with the token's own key ---------------------------------------------

_json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            NOW,
            NOW + 3600,
            NOW - 3600,
            0,
            "https://app.example.com/",
            "https://evil.example/",
            "https://app.example.com@evil.example/",
            "javascript:alert(1)",
            "https://аpp.example.com/",
            "\ud800",
            TRANSIT_PUB,
            IDENTITY_PUB,
            "did:btc-addr:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL",
            "store_write",
            "1.4.0",
            "1.0.0",
        ]
    ),
)
_json_values = st.recursive(
    _json_leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _sound(payload: dict[str, Any], public_key: str, *, request: bool) -> None:
    """What every accepted claim set must satisfy, checked without the verifier's code."""
    iat, exp = payload["iat"], payload["exp"]
    for value in (iat, exp):
        assert isinstance(value, int | float)
        assert not isinstance(value, bool)
        assert math.isfinite(value)
    assert exp != 0
    assert iat <= NOW + DEFAULT_LEEWAY
    assert exp + DEFAULT_LEEWAY >= NOW
    assert payload["public_keys"] == [public_key]
    assert payload["iss"] == did.did_from_public_key(public_key)
    assert isinstance(payload["jti"], str)
    assert payload["jti"]
    if request:
        origin = origins.origin_of(payload["domain_name"])
        assert origins.origin_of(payload["redirect_uri"]) == origin
        assert origins.origin_of(payload["manifest_uri"]) == origin


@pytest.mark.parametrize(
    "name", ["verify_auth_request", "verify_auth_response", "decode_auth_response"]
)
@SIGNED
@given(data=st.data())
def test_arbitrary_claim_sets_signed_with_own_key(name: str, data: st.DataObject) -> None:
    verify, tokens, key = VERIFIERS[name]
    base = payload_of(data.draw(st.sampled_from(tokens)))
    names = st.sampled_from(sorted(base)) | st.text(max_size=8)
    changes = data.draw(st.dictionaries(names, _json_values, max_size=4))
    dropped = data.draw(st.lists(st.sampled_from(sorted(base)), max_size=2))
    payload = {k: v for k, v in {**base, **changes}.items() if k not in dropped}
    try:
        result = verify(forge(payload, key=key))
    except InvalidTokenError:
        return
    assert result is not None
    _sound(payload, keys.get_public_key(key), request=name == "verify_auth_request")


@pytest.mark.parametrize(
    "name", ["verify_auth_request", "verify_auth_response", "decode_auth_response"]
)
@SIGNED
@given(payload=st.dictionaries(st.text(max_size=12), _json_values, max_size=8))
def test_arbitrary_objects_signed_with_own_key(name: str, payload: dict[str, Any]) -> None:
    verify, _, key = VERIFIERS[name]
    try:
        verify(forge(payload, key=key))
    except InvalidTokenError:
        return
    _sound(payload, keys.get_public_key(key), request=name == "verify_auth_request")


@pytest.mark.parametrize(
    "name", ["verify_auth_request", "verify_auth_response", "decode_auth_response"]
)
@SIGNED
@given(
    header=st.binary(max_size=40) | st.just(b'{"typ":"JWT","alg":"ES256K"}'),
    body=st.binary(max_size=120)
    | st.text(alphabet='{}[]":,0123456789.eE-+ntrufalsNI\\u', max_size=80).map(str.encode),
)
def test_arbitrary_segment_bytes_signed_with_own_key(name: str, header: bytes, body: bytes) -> None:
    import hashlib

    from authtokens.signatures import sign_digest

    verify, _, key = VERIFIERS[name]
    signing_input = b64url_encode(header) + "." + b64url_encode(body)
    sig = sign_digest(bytes.fromhex(key), hashlib.sha256(signing_input.encode()).digest())
    with pytest.raises(InvalidTokenError):
        verify(signing_input + "." + b64url_encode(sig))


@pytest.mark.parametrize("name", sorted(VERIFIERS))
@SETTINGS
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_a_token_error(name: str, text: str) -> None:
    with pytest.raises(InvalidTokenError):
        VERIFIERS[name][0](text)


# --- ECIES ----------------------------------------------------------------------------------

_CIPHER: dict[str, Any] = dict(ecies.encrypt(TRANSIT_PUB, "a secret"))
_hexish = st.text(alphabet="0123456789abcdefABCDEFxz -", max_size=140) | st.sampled_from(
    [
        "",
        "02" + "00" * 32,
        "03" + "ff" * 32,
        "04" + "11" * 64,
        "06" + "11" * 64,
        "0" * 65,
        _CIPHER["ephemeralPK"].upper(),
        _CIPHER["mac"][:-2],
    ]
)


@SETTINGS
@given(
    changes=st.dictionaries(
        st.sampled_from(
            ["iv", "ephemeralPK", "cipherText", "mac", "wasString", "cipherTextEncoding", "x"]
        ),
        _hexish | _json_values,
        max_size=3,
    ),
    dropped=st.lists(st.sampled_from(sorted(_CIPHER)), max_size=2),
)
def test_ecies_decrypt_refuses_with_one_error(changes: dict[str, Any], dropped: list[str]) -> None:
    cipher = {k: v for k, v in {**_CIPHER, **changes}.items() if k not in dropped}
    try:
        result = ecies.decrypt(TRANSIT, cipher)
    except DecryptionError as exc:
        message = str(exc)
    else:
        # accepted only if the authenticated parts were left alone
        for name in ("iv", "ephemeralPK", "cipherText", "mac"):
            assert bytes.fromhex(cipher[name]) == bytes.fromhex(_CIPHER[name])
        assert result in ("a secret", b"a secret")
        return
    assert message == "decryption failed"


@SETTINGS
@given(value=_json_values | st.binary(max_size=40))
def test_ecies_decrypt_non_objects(value: Any) -> None:
    with pytest.raises(DecryptionError):
        ecies.decrypt(TRANSIT, value)


@SETTINGS
@given(text=st.text(max_size=200) | st.binary(max_size=100).map(bytes.hex))
def test_ecies_unwrap_arbitrary_text(text: str) -> None:
    with pytest.raises(DecryptionError):
        ecies.unwrap_private_key(TRANSIT, text)


@SETTINGS
@given(value=_json_values)
def test_ecies_unwrap_arbitrary_json(value: Any) -> None:
    try:
        wrapped = jsjson.dumps(value).hex()
    except AuthTokenError:
        return
    with pytest.raises(DecryptionError):
        ecies.unwrap_private_key(TRANSIT, wrapped)


# --- keys, addresses, DIDs ------------------------------------------------------------------

_key_text = (
    st.text(max_size=140)
    | st.text(alphabet="0123456789abcdefABCDEFx ", min_size=60, max_size=132)
    | st.sampled_from(["0x" + "02" * 32, "zz" * 33, " " * 66, "0" * 66, "04" + "00" * 64])
)
_parsers: dict[str, Callable[[Any], object]] = {
    "parse_public_key": keys.parse_public_key,
    "public_key_bytes": keys.public_key_bytes,
    "parse_private_key": keys.parse_private_key,
    "normalize_private_key": keys.normalize_private_key,
    "get_public_key": keys.get_public_key,
    "btc_address": addresses.btc_address,
    "stacks_address": addresses.stacks_address,
    "did_from_public_key": did.did_from_public_key,
    "base58check_decode": addresses.base58check_decode,
    "c32check_decode": addresses.c32check_decode,
    "b58_to_c32": addresses.b58_to_c32,
    "c32_to_b58": addresses.c32_to_b58,
    "address_from_did": did.address_from_did,
    "make_did": did.make_did,
}


@pytest.mark.parametrize("name", sorted(_parsers))
@SETTINGS
@given(value=_key_text | st.binary(max_size=70) | _json_values)
def test_key_address_and_did_parsers_raise_only_library_errors(name: str, value: Any) -> None:
    try:
        _parsers[name](value)
    except AuthTokenError:
        pass


_b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@SETTINGS
@given(text=st.text(alphabet=_b58, max_size=60), prefix=st.sampled_from(["did:btc-addr:", "", "S"]))
def test_address_parsers_on_plausible_alphabets(text: str, prefix: str) -> None:
    for parse in (did.address_from_did, addresses.base58check_decode, addresses.c32check_decode):
        try:
            parse(prefix + text)
        except AuthTokenError:
            pass


# --- JSON, origins, scopes, claims ---------------------------------------------------------

_json_text = st.recursive(
    st.sampled_from(
        ["1", "-0", "1e400", "NaN", "Infinity", '"\\ud800"', '"x"', "null", "true", "1" * 30, "[]"]
    ),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda xs: "[" + ",".join(xs) + "]")
        | st.lists(st.tuples(st.sampled_from(['"a"', '"b"', "a"]), inner), max_size=3).map(
            lambda kv: "{" + ",".join(f"{k}:{v}" for k, v in kv) + "}"
        )
    ),
    max_leaves=10,
)


@SETTINGS
@given(data=_json_text | st.text(max_size=100) | st.binary(max_size=100))
def test_jsjson_loads_raises_only_encoding_errors(data: str | bytes) -> None:
    try:
        jsjson.loads(data)
    except InvalidEncodingError:
        pass


@SETTINGS
@given(depth=st.integers(1, 20000), opener=st.sampled_from(["[", '{"a":']))
def test_jsjson_loads_any_nesting_depth(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "1" * (opener != "[") + closer * depth
    try:
        jsjson.loads(text)
    except InvalidEncodingError:
        assert depth > jsjson.MAX_DEPTH


_url = st.builds(
    lambda scheme, sep, user, host, port, rest: f"{scheme}{sep}{user}{host}{port}{rest}",
    st.sampled_from(["https", "http", "HTTPS", "javascript", "data", "ftp", "", "h\tttps"]),
    st.sampled_from(["://", ":", ":/", ":\\\\", "//", ":///"]),
    st.sampled_from(["", "user@", "a:b@", "app.example.com@", "x\\@", "%40@"]),
    st.text(max_size=20)
    | st.sampled_from(
        ["app.example.com", "[::1]", "[v1.x]", "0x7f.1", "bücher.example", "xn--", "."]
    ),
    st.sampled_from(["", ":443", ":0", ":99999", ":-1", ":+1", ":٣"]),
    st.text(max_size=10),
)


@pytest.mark.parametrize("parse", [origins.origin_of, origins.strict_origin_of])
@SETTINGS
@given(url=_url | st.text(max_size=60))
def test_origin_parsers_raise_only_invalid_argument(
    parse: Callable[[str], object], url: str
) -> None:
    try:
        parse(url)
    except InvalidArgumentError:
        pass


@SETTINGS
@given(a=_url, b=_url)
def test_same_origin_never_raises(a: str, b: str) -> None:
    assert origins.same_origin(a, b) in (True, False)


@SETTINGS
@given(value=_json_values, allow_unknown=st.booleans())
def test_parse_scopes_raises_only_scope_errors(value: Any, allow_unknown: bool) -> None:
    try:
        parse_scopes(value, allow_unknown=allow_unknown)
    except InvalidScopeError:
        pass


@SETTINGS
@given(value=_json_values)
def test_parse_version_raises_only_version_errors(value: Any) -> None:
    try:
        parse_version(value)
    except UnsupportedVersionError:
        pass


@SETTINGS
@given(payload=st.dictionaries(st.sampled_from(["iat", "exp", "x"]), _json_values | st.floats()))
def test_check_times_raises_only_token_errors(payload: dict[str, Any]) -> None:
    try:
        check_times(payload, NOW, max_lifetime=86400)
    except InvalidTokenError:
        pass


def test_the_suite_runs_hypothesis_without_a_deadline() -> None:
    # tests/suite_settings.py, loaded by pytest's addopts: speed belongs to benchmarks/.
    from hypothesis import settings

    assert settings().deadline is None
