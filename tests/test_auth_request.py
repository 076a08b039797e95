from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from _vectors import cases
from hypothesis import given, settings
from hypothesis import strategies as st
from protocol_helpers import EXAMPLE_A, NOW, OTHER, TRANSIT, TRANSIT_PUB, forge, payload_of

from authtokens import jwt
from authtokens.auth_request import check_auth_request, make_auth_request, verify_auth_request
from authtokens.errors import (
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidArgumentError,
    InvalidClaimError,
    InvalidIssuerError,
    InvalidKeyError,
    InvalidPublicKeysError,
    InvalidScopeError,
    InvalidSignatureError,
    InvalidTokenError,
    IssuerMismatchError,
    LifetimeTooLongError,
    MalformedTokenError,
    ManifestOriginError,
    MissingClaimError,
    RedirectOriginError,
    ReplayedTokenError,
    UnsecuredTokenError,
    UnsupportedAlgorithmError,
)
from authtokens.keys import get_public_key
from authtokens.replay import MemoryReplayCache
from scopes import Scope


def _request(**changes: Any) -> dict[str, Any]:
    payload = payload_of(EXAMPLE_A)
    for name, value in changes.items():
        if value is _DELETE:
            payload.pop(name, None)
        else:
            payload[name] = value
    return payload


_DELETE = object()


# --- minting ------------------------------------------------------------------------------


def test_example_a_minted_byte_for_byte() -> None:
    token = make_auth_request(
        TRANSIT,
        app_domain="https://app.example.com",
        redirect_uri="https://app.example.com/",
        manifest_uri="https://app.example.com/manifest.json",
        scopes=["store_write", "publish_data"],
        expires_at=1735693200,
        now=NOW,
        app_details={"name": "Example App", "icon": "https://app.example.com/icon.png"},
        jti="939ead40-cbd6-40a4-a81b-5f93d71a4e82",
        low_s=False,
    )
    assert token == EXAMPLE_A


def test_defaults_and_key_order() -> None:
    token = make_auth_request(TRANSIT, app_domain="https://app.example.com/", now=NOW)
    payload = payload_of(token)
    assert list(payload) == [
        "jti",
        "iat",
        "exp",
        "iss",
        "public_keys",
        "domain_name",
        "manifest_uri",
        "redirect_uri",
        "version",
        "do_not_include_profile",
        "supports_hub_url",
        "scopes",
    ]
    assert payload["domain_name"] == "https://app.example.com"
    assert payload["redirect_uri"] == "https://app.example.com/"
    assert payload["manifest_uri"] == "https://app.example.com/manifest.json"
    assert payload["scopes"] == ["store_write"]
    assert payload["exp"] - payload["iat"] == 3600
    assert payload["version"] == "1.4.0"
    assert uuid.UUID(payload["jti"]).version == 4
    assert payload["public_keys"] == [TRANSIT_PUB]
    request = verify_auth_request(token, now=NOW + 1)
    assert request.scopes == (Scope.STORE_WRITE,)
    assert request.transit_public_key == TRANSIT_PUB


def test_jti_is_fresh_each_time() -> None:
    jtis = {
        payload_of(make_auth_request(TRANSIT, app_domain="https://a.example"))["jti"]
        for _ in range(10)
    }
    assert len(jtis) == 10


def test_extra_parameters_come_first_and_fixed_keys_win() -> None:
    token = make_auth_request(
        TRANSIT,
        app_domain="https://app.example.com",
        extra={"sendToSignIn": True, "jti": "ignored", "connectVersion": "7.0.0"},
        now=NOW,
    )
    payload = payload_of(token)
    assert list(payload)[:3] == ["sendToSignIn", "jti", "connectVersion"]
    assert payload["jti"] != "ignored"


def test_expiry_is_utc_arithmetic() -> None:
    # 2025-11-02 is a US DST fall-back day: local-time nextHour would give +7200 s.
    now = datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    payload = payload_of(make_auth_request(TRANSIT, app_domain="https://a.example", now=now))
    assert payload["exp"] - payload["iat"] == 3600
    assert payload["iat"] == int(now.timestamp())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"redirect_uri": "https://evil.example/"},
        {"manifest_uri": "https://evil.example/manifest.json"},
        {"redirect_uri": "javascript:alert(1)"},
        {"redirect_uri": "http://app.example.com/"},
        {"scopes": ["store_write", "store_write"]},
        {"scopes": ["store_admin"]},
        {"scopes": "store_write"},
        {"expires_at": NOW - 1},
        {"expires_at": datetime(2020, 1, 1)},  # naive datetime
        {"extra": {"appDetails": {}}, "app_details": {"name": "x"}},
    ],
)
def test_make_refuses_what_verify_would_refuse(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgumentError):
        make_auth_request(TRANSIT, app_domain="https://app.example.com", now=NOW, **kwargs)


@pytest.mark.parametrize("domain", ["app.example.com", "myapp://x", "", "https://"])
def test_make_refuses_bad_app_domain(domain: str) -> None:
    with pytest.raises(InvalidArgumentError):
        make_auth_request(TRANSIT, app_domain=domain)


def test_make_refuses_bad_key() -> None:
    with pytest.raises(InvalidKeyError):
        make_auth_request("00" * 32, app_domain="https://app.example.com")


def test_unknown_scope_allowed_when_asked() -> None:
    token = make_auth_request(
        TRANSIT, app_domain="https://a.example", scopes=["custom"], allow_unknown_scopes=True
    )
    with pytest.raises(InvalidScopeError):
        verify_auth_request(token)
    assert verify_auth_request(token, allow_unknown_scopes=True).scopes == ("custom",)


# --- verification -------------------------------------------------------------------------


def test_example_a_verifies() -> None:
    request = verify_auth_request(EXAMPLE_A, now=NOW)
    assert request.jti == "939ead40-cbd6-40a4-a81b-5f93d71a4e82"
    assert request.origin == "https://app.example.com"
    assert request.scopes == (Scope.STORE_WRITE, Scope.PUBLISH_DATA)
    assert request.app_details == {
        "name": "Example App",
        "icon": "https://app.example.com/icon.png",
    }
    assert request.exp == 1735693200
    assert request.iss == "did:btc-addr:19rQDJwvodQm2iL1wv5K93gVptK3QLQbzi"
    assert request.version == "1.4.0"
    assert request.do_not_include_profile
    assert request.supports_hub_url


@pytest.mark.parametrize(
    ("now", "leeway", "error"),
    [
        (1735693200 + 61, 60, ExpiredTokenError),
        (1735693200 + 1, 0, ExpiredTokenError),
        (NOW - 61, 60, ImmatureTokenError),
        (NOW - 1, 0, ImmatureTokenError),
    ],
)
def test_time_window(now: float, leeway: float, error: type[Exception]) -> None:
    with pytest.raises(error):
        verify_auth_request(EXAMPLE_A, now=now, leeway=leeway)


@pytest.mark.parametrize(
    ("now", "leeway"), [(1735693200, 0), (NOW, 0), (1735693260, 60), (NOW - 60, 60)]
)
def test_time_window_edges_pass(now: float, leeway: float) -> None:
    verify_auth_request(EXAMPLE_A, now=now, leeway=leeway)


_HOSTILE: list[tuple[str, dict[str, Any], type[Exception]]] = [
    ("redirect other origin", {"redirect_uri": "https://evil.example/"}, RedirectOriginError),
    (
        "redirect userinfo",
        {"redirect_uri": "https://app.example.com@evil.example/"},
        RedirectOriginError,
    ),
    ("redirect javascript", {"redirect_uri": "javascript:alert(1)"}, RedirectOriginError),
    ("redirect http", {"redirect_uri": "http://app.example.com/"}, RedirectOriginError),
    ("redirect port", {"redirect_uri": "https://app.example.com:8443/"}, RedirectOriginError),
    ("redirect homograph", {"redirect_uri": "https://аpp.example.com/"}, RedirectOriginError),
    (
        "redirect backslash",
        {"redirect_uri": "https://evil.example\\@app.example.com/"},
        RedirectOriginError,
    ),
    ("redirect not string", {"redirect_uri": 5}, InvalidClaimError),
    ("manifest other origin", {"manifest_uri": "https://evil.example/m.json"}, ManifestOriginError),
    ("domain not url", {"domain_name": "app.example.com"}, InvalidClaimError),
    ("exp missing", {"exp": _DELETE}, MissingClaimError),
    ("exp zero", {"exp": 0}, MissingClaimError),
    ("exp null", {"exp": None}, MissingClaimError),
    ("exp string", {"exp": "1735693200"}, InvalidClaimError),
    ("exp bool", {"exp": True}, InvalidClaimError),
    ("exp before iat", {"exp": NOW - 10}, InvalidClaimError),
    ("iat missing", {"iat": _DELETE}, MissingClaimError),
    ("iat future", {"iat": NOW + 3600, "exp": NOW + 7200}, ImmatureTokenError),
    ("iat negative", {"iat": -5}, InvalidClaimError),
    ("exp negative", {"exp": -1.0}, InvalidClaimError),
    ("two keys", {"public_keys": [TRANSIT_PUB, TRANSIT_PUB]}, InvalidPublicKeysError),
    ("no keys", {"public_keys": []}, InvalidPublicKeysError),
    ("keys missing", {"public_keys": _DELETE}, InvalidPublicKeysError),
    ("key not string", {"public_keys": [1]}, InvalidPublicKeysError),
    ("key off curve", {"public_keys": ["02" + "00" * 32]}, InvalidPublicKeysError),
    ("iss missing", {"iss": _DELETE}, InvalidIssuerError),
    (
        "iss four parts",
        {"iss": "did:btc-addr:19rQDJwvodQm2iL1wv5K93gVptK3QLQbzi:x"},
        InvalidIssuerError,
    ),
    ("iss upper", {"iss": "DID:BTC-ADDR:19rQDJwvodQm2iL1wv5K93gVptK3QLQbzi"}, InvalidIssuerError),
    (
        "iss other key",
        {"iss": "did:btc-addr:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL"},
        IssuerMismatchError,
    ),
    ("scopes dup", {"scopes": ["store_write", "store_write"]}, InvalidScopeError),
    ("scopes unknown", {"scopes": ["store_admin"]}, InvalidScopeError),
    ("scopes missing", {"scopes": _DELETE}, InvalidScopeError),
    ("jti missing", {"jti": _DELETE}, InvalidClaimError),
    ("jti number", {"jti": 5}, InvalidClaimError),
    ("appDetails bad", {"appDetails": {"name": 5}}, InvalidClaimError),
]


@pytest.mark.parametrize(("name", "changes", "error"), _HOSTILE, ids=[h[0] for h in _HOSTILE])
def test_hostile_requests_refused(
    name: str, changes: dict[str, Any], error: type[Exception]
) -> None:
    token = forge(_request(**changes))  # validly signed by the transit key
    with pytest.raises(error):
        verify_auth_request(token, now=NOW)


def test_idn_same_origin_accepted() -> None:
    payload = _request(
        domain_name="https://bücher.example",
        redirect_uri="https://xn--bcher-kva.example/cb",
        manifest_uri="https://BÜCHER.example/manifest.json",
    )
    assert verify_auth_request(forge(payload), now=NOW).origin == "https://xn--bcher-kva.example"


def test_signed_by_other_key_refused() -> None:
    payload = _request()
    with pytest.raises(InvalidSignatureError):
        verify_auth_request(forge(payload, key=OTHER), now=NOW)
    # a consistent forgery (other key, its own iss and public key) is a valid token of another
    # app: the wallet sees another transit key, never ours
    payload["public_keys"] = [get_public_key(OTHER)]
    from authtokens.did import did_from_public_key

    payload["iss"] = did_from_public_key(get_public_key(OTHER))
    assert verify_auth_request(forge(payload, key=OTHER), now=NOW).public_key != TRANSIT_PUB


@pytest.mark.parametrize(
    ("header", "error"),
    [
        ({"typ": "JWT", "alg": "none"}, UnsecuredTokenError),
        ({"typ": "JWT", "alg": "HS256"}, UnsupportedAlgorithmError),
        ({"typ": "JWT", "alg": "ES256"}, UnsupportedAlgorithmError),
    ],
)
def test_algorithm_refused(header: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        verify_auth_request(forge(_request(), header=header), now=NOW)


def test_unsecured_request_refused() -> None:
    from authtokens.encoding import b64url_encode

    token = b64url_encode(b'{"typ":"JWT","alg":"none"}') + "." + EXAMPLE_A.split(".")[1] + "."
    with pytest.raises(UnsecuredTokenError):
        verify_auth_request(token, now=NOW)


@pytest.mark.parametrize("suffix", [".junk", ".", ""])
def test_trailing_segments_refused(suffix: str) -> None:
    token = EXAMPLE_A + suffix if suffix else EXAMPLE_A.rsplit(".", 1)[0]
    with pytest.raises(MalformedTokenError):
        verify_auth_request(token, now=NOW)


def test_lifetime_cap_off_by_default_and_configurable() -> None:
    payload = _request(exp=NOW + 10 * 365 * 86400)
    token = forge(payload)
    verify_auth_request(token, now=NOW)
    with pytest.raises(LifetimeTooLongError):
        verify_auth_request(token, now=NOW, max_lifetime=86400)


def test_require_exp_false_reads_missing_exp_as_never_expiring() -> None:
    token = forge(_request(exp=_DELETE))
    verify_auth_request(token, now=NOW + 10**6, require_exp=False)


def test_replay_cache_consumes_jti_once_for_both_s_forms() -> None:
    cache = MemoryReplayCache(clock=lambda: NOW)
    verify_auth_request(EXAMPLE_A, now=NOW, replay_cache=cache)
    with pytest.raises(ReplayedTokenError):
        verify_auth_request(EXAMPLE_A, now=NOW, replay_cache=cache)
    # the low-S twin is a different string for the same token: still a replay
    low = jwt.sign(payload_of(EXAMPLE_A), TRANSIT)
    assert low != EXAMPLE_A
    with pytest.raises(ReplayedTokenError):
        verify_auth_request(low, now=NOW, replay_cache=cache)
    # without a cache the answer is the same every time
    verify_auth_request(EXAMPLE_A, now=NOW)
    verify_auth_request(EXAMPLE_A, now=NOW)


def test_failed_token_does_not_consume_jti() -> None:
    cache = MemoryReplayCache(clock=lambda: NOW)
    with pytest.raises(ExpiredTokenError):
        verify_auth_request(EXAMPLE_A, now=NOW + 10**6, replay_cache=cache)
    verify_auth_request(EXAMPLE_A, now=NOW, replay_cache=cache)


def test_check_auth_request_reports_every_failure() -> None:
    payload = _request(redirect_uri="https://evil.example/", manifest_uri="https://evil.example/m")
    request, checks = check_auth_request(forge(payload), now=NOW + 10**6)
    assert request is None
    failed = {c.name: c.code for c in checks if not c.passed}
    assert failed == {
        "times": "expired",
        "manifest_uri": "manifest_origin_mismatch",
        "redirect_uri": "redirect_origin_mismatch",
    }
    assert all(c.passed for c in checks if c.name == "signature")
    ok, all_checks = check_auth_request(EXAMPLE_A, now=NOW)
    assert ok is not None
    assert all(c.passed for c in all_checks)


def test_caller_errors_are_not_token_errors() -> None:
    with pytest.raises(InvalidArgumentError):
        verify_auth_request(EXAMPLE_A, now=datetime(2025, 1, 1))  # naive
    assert not issubclass(InvalidArgumentError, InvalidTokenError)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(EXAMPLE_A) - 1), st.characters(codec="ascii"))
def test_mutated_request_never_verifies(index: int, char: str) -> None:
    mutated = EXAMPLE_A[:index] + char + EXAMPLE_A[index + 1 :]
    if mutated == EXAMPLE_A:
        return
    with pytest.raises(InvalidTokenError):
        verify_auth_request(mutated, now=NOW)


_claim_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(payload_of(EXAMPLE_A))), _claim_values, max_size=4))
def test_arbitrary_claims_signed_with_own_key(changes: dict[str, Any]) -> None:
    payload = {**payload_of(EXAMPLE_A), **changes}
    try:
        request = verify_auth_request(forge(payload), now=NOW)
    except InvalidTokenError:
        return
    assert request.public_key == TRANSIT_PUB  # anything accepted is still signed by its key


# --- reference vectors (tools/vectors, @stacks/auth 7.6.0) -------------------------------


# Where we knowingly differ from verifyAuthRequest (spec §12), and what we answer instead.
_STRICTER = {
    # require_exp (api.md): a missing or zero exp is refused; require_exp=False restores it
    "missing exp": MissingClaimError,
    "exp 0": MissingClaimError,
    "exp null": MissingClaimError,
    # iat is required too (the reference reads a missing iat as valid)
    "missing iat": MissingClaimError,
    # the header's alg is checked, trailing segments refused
    "header alg HS256 with a valid ES256K signature": UnsupportedAlgorithmError,
    "trailing .junk segment": MalformedTokenError,
    # strict did:btc-addr: prefix
    "iss upper-case DID:BTC-ADDR": InvalidIssuerError,
    # scopes are validated (known, no duplicates, present)
    "scopes duplicated and unknown": InvalidScopeError,
    "version 2.0.0 and no scopes": InvalidScopeError,
    # userinfo is refused in every URL claim, even on the right host (issue 11 item 14)
    "redirect_uri with userinfo on the right host": RedirectOriginError,
}
# The reference's case-sensitive "absolute URL" substring test refuses HTTPS:// (spec §9.1);
# origins compare scheme case-insensitively, as browsers do (api.md "Same-origin").
_LAXER = {"redirect_uri upper-case scheme HTTPS://"}


@pytest.mark.parametrize("case", cases("auth_requests.json"))
def test_reference_requests(case: dict[str, Any]) -> None:
    name = case["name"]
    now = case["now_ms"] / 1000

    def verify(**options: Any) -> Any:
        return verify_auth_request(case["token"], now=now, leeway=0, **options)

    if name in _STRICTER:
        assert case["reference_valid"] is True
        with pytest.raises(_STRICTER[name]):
            verify()
        if _STRICTER[name] is MissingClaimError and "exp" in name:
            verify(require_exp=False)  # the reference's reading, on request
        return
    if name in _LAXER:
        assert case["reference_valid"] is not True
        verify()
        return
    if case["reference_valid"] is True:
        request = verify()
        assert request.token == case["token"]
    else:
        with pytest.raises(InvalidTokenError):
            verify()
