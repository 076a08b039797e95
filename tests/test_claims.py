"""The claim checks shared by authRequest and authResponse verification (`authtokens.claims`):
the verification policy, times, issuer DIDs, versions, and the one place that decides the error
family of a bad URL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from protocol_helpers import NOW, TRANSIT, TRANSIT_PUB

from authtokens import jwt
from authtokens.auth_request import make_auth_request
from authtokens.checks import CheckRunner
from authtokens.claims import (
    DEFAULT_LEEWAY,
    DEFAULT_POLICY,
    VerifyPolicy,
    check_issuer,
    check_signed_token,
    check_times,
    checked_origin,
    issuer_address,
    parse_version,
    resolve_now,
    single_public_key,
    to_seconds,
)
from authtokens.did import did_from_public_key
from authtokens.errors import (
    AuthTokenError,
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidArgumentError,
    InvalidClaimError,
    InvalidIssuerError,
    InvalidPublicKeysError,
    IssuerMismatchError,
    LifetimeTooLongError,
    ManifestFetchError,
    MissingClaimError,
    RedirectOriginError,
    TokenTooLargeError,
    UnsupportedVersionError,
)

ORIGIN = checked_origin("https://app.example", "app", InvalidArgumentError)


# --- the policy ---------------------------------------------------------------------------


def test_policy_defaults_are_the_documented_ones() -> None:
    assert VerifyPolicy() == DEFAULT_POLICY
    assert DEFAULT_POLICY.leeway == DEFAULT_LEEWAY == 60.0
    assert DEFAULT_POLICY.require_exp is True
    assert DEFAULT_POLICY.max_lifetime is None
    assert DEFAULT_POLICY.max_size == jwt.MAX_TOKEN_SIZE
    assert DEFAULT_POLICY.allow_unknown_scopes is False


def test_policy_is_frozen_and_keyword_only() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_POLICY.leeway = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        VerifyPolicy(0)  # type: ignore[call-arg]


def test_policy_reaches_every_common_check() -> None:
    token = make_auth_request(TRANSIT, app_domain="https://app.example", now=NOW)
    strict = VerifyPolicy(max_size=len(token) - 1)
    with pytest.raises(TokenTooLargeError):
        check_signed_token(CheckRunner(False), token, NOW, strict)
    late = NOW + 3600 + 30
    signed = check_signed_token(CheckRunner(False), token, late, VerifyPolicy())
    assert signed is not None
    assert signed.key is not None
    assert signed.key[0] == TRANSIT_PUB
    with pytest.raises(ExpiredTokenError):
        check_signed_token(CheckRunner(False), token, late, VerifyPolicy(leeway=0))
    with pytest.raises(LifetimeTooLongError):
        check_signed_token(CheckRunner(False), token, NOW, VerifyPolicy(max_lifetime=60))


# --- times --------------------------------------------------------------------------------


def test_times_within_leeway() -> None:
    check_times({"iat": NOW + 59, "exp": NOW + 600}, NOW)
    with pytest.raises(ImmatureTokenError):
        check_times({"iat": NOW + 61, "exp": NOW + 600}, NOW)
    check_times({"iat": NOW - 600, "exp": NOW - 59}, NOW)
    with pytest.raises(ExpiredTokenError):
        check_times({"iat": NOW - 600, "exp": NOW - 1}, NOW, leeway=0)


@pytest.mark.parametrize("exp", [None, 0])
def test_missing_or_zero_exp_needs_require_exp_false(exp: Any) -> None:
    payload = {"iat": NOW, "exp": exp}
    with pytest.raises(MissingClaimError):
        check_times(payload, NOW)
    check_times(payload, NOW, require_exp=False)
    with pytest.raises(LifetimeTooLongError):
        check_times(payload, NOW, require_exp=False, max_lifetime=3600)


@pytest.mark.parametrize("bad", [True, "1", float("nan"), float("inf"), -1])
def test_times_must_be_finite_non_negative_numbers(bad: Any) -> None:
    with pytest.raises(InvalidClaimError):
        check_times({"iat": bad, "exp": NOW + 60}, NOW)


def test_exp_before_iat() -> None:
    with pytest.raises(InvalidClaimError, match="before iat"):
        check_times({"iat": NOW, "exp": NOW - 1}, NOW)


def test_to_seconds_and_resolve_now() -> None:
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    assert to_seconds(moment) == NOW
    assert to_seconds(moment.astimezone(timezone(timedelta(hours=5)))) == NOW
    assert resolve_now(NOW) == float(NOW)
    assert isinstance(resolve_now(None), float)
    for bad in (datetime(2025, 1, 1), True, "1", float("nan")):
        with pytest.raises(InvalidArgumentError):
            to_seconds(bad)  # type: ignore[arg-type]


# --- keys, issuer, version ----------------------------------------------------------------


def test_issuer_address_uses_the_did_parser() -> None:
    did = did_from_public_key(TRANSIT_PUB)
    address = issuer_address({"iss": did})
    check_issuer(address, TRANSIT_PUB)
    for bad, message in [
        (None, "iss must be a did:btc-addr: DID string"),
        ("did:web:example.com", "iss must start with did:btc-addr:"),
        ("did:btc-addr:0OIl", "iss address is not a base58 P2PKH address"),
    ]:
        with pytest.raises(InvalidIssuerError) as info:
            issuer_address({"iss": bad})
        assert str(info.value) == message


def test_issuer_of_another_key() -> None:
    address = issuer_address({"iss": did_from_public_key(TRANSIT_PUB)})
    other = "03" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    with pytest.raises(IssuerMismatchError):
        check_issuer(address, other)


def test_single_public_key() -> None:
    assert single_public_key({"public_keys": [TRANSIT_PUB]})[0] == TRANSIT_PUB
    for bad in (None, [], [TRANSIT_PUB, TRANSIT_PUB], [1], ["02" + "00" * 32]):
        with pytest.raises(InvalidPublicKeysError):
            single_public_key({"public_keys": bad})


def test_versions_compare_as_numbers() -> None:
    assert parse_version(None) is None
    assert parse_version("1.1") == (1, 1, 0)
    assert parse_version("1.10.0") > parse_version("1.9.9")  # type: ignore[operator]
    for bad in ("abc", "1.2.3.4", "", 1, "1.-1"):
        with pytest.raises(UnsupportedVersionError):
            parse_version(bad)


# --- the error family of a bad URL --------------------------------------------------------


@pytest.mark.parametrize(
    "family", [InvalidArgumentError, InvalidClaimError, RedirectOriginError, ManifestFetchError]
)
def test_checked_origin_raises_the_callers_family(family: type[AuthTokenError]) -> None:
    with pytest.raises(family, match=r"^uri: .*http") as info:
        checked_origin("ftp://app.example", "uri", family)
    assert not str(info.value).startswith("uri: uri")
    with pytest.raises(family) as info:
        checked_origin("https://evil.example/", "uri", family, on=ORIGIN)
    assert str(info.value) == "uri 'https://evil.example/' is not on the origin https://app.example"
    assert checked_origin("https://app.example/cb", "uri", family, on=ORIGIN) == ORIGIN


def test_make_auth_request_names_the_argument_once() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        make_auth_request(
            TRANSIT, app_domain="https://app.example", redirect_uri="https://evil.example/", now=NOW
        )
    assert str(info.value) == (
        "redirect_uri 'https://evil.example/' is not on the origin https://app.example"
    )
    with pytest.raises(InvalidArgumentError, match=r"^app_domain: "):
        make_auth_request(TRANSIT, app_domain="app.example", now=NOW)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_check_times_refuses_leeways_and_lifetimes_that_switch_checks_off(bad: float) -> None:
    from authtokens.claims import check_times
    from authtokens.errors import InvalidArgumentError

    payload = {"iat": 1_000, "exp": 1_001}
    with pytest.raises(InvalidArgumentError):
        check_times(payload, 5_000, leeway=bad)  # nan/inf would make the expired token pass
    with pytest.raises(InvalidArgumentError):
        check_times(payload, 1_000, max_lifetime=bad)
