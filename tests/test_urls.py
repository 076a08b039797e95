from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from protocol_helpers import EXAMPLE_A, EXAMPLE_B

from authtokens.errors import AuthTokenError, InvalidArgumentError, MalformedTokenError
from authtokens.urls import (
    auth_request_from_url,
    auth_request_url,
    auth_response_from_url,
    redirect_with_auth_response,
)

# --- building URLs --------------------------------------------------------------------------


def test_auth_request_url_adds_the_parameter() -> None:
    url = auth_request_url("https://wallet.example/auth", EXAMPLE_A)
    assert url == f"https://wallet.example/auth?authRequest={EXAMPLE_A}"
    assert auth_request_from_url(url) == EXAMPLE_A


def test_auth_request_url_keeps_other_parameters_and_fragment_byte_for_byte() -> None:
    url = auth_request_url("https://w.example/auth?a=1&b=x%20y+z&flag#frag", "t.o.k")
    assert url == "https://w.example/auth?a=1&b=x%20y+z&flag&authRequest=t.o.k#frag"


def test_auth_request_url_replaces_an_existing_parameter() -> None:
    url = auth_request_url("https://w.example/?authRequest=old&x=1&authRequest=older", "new")
    assert parse_qs(urlsplit(url).query) == {"x": ["1"], "authRequest": ["new"]}


def test_token_is_percent_encoded_when_it_needs_to_be() -> None:
    url = auth_request_url("https://w.example/", "a&b=c")
    assert auth_request_from_url(url) == "a&b=c"


@pytest.mark.parametrize(
    "bad",
    ["myapp://callback", "javascript:alert(1)", "/relative", "https://", "ftp://w.example/x"],
)
def test_non_http_authenticator_is_refused(bad: str) -> None:
    with pytest.raises(InvalidArgumentError):
        auth_request_url(bad, "t")
    with pytest.raises(InvalidArgumentError):
        redirect_with_auth_response(bad, "t")


def test_empty_token_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        auth_request_url("https://w.example/", "")


def test_redirect_replaces_authresponse_case_insensitively_as_the_reference() -> None:
    url = redirect_with_auth_response("https://app.example/cb?AUTHRESPONSE=x&keep=1#top", "tok")
    assert url == "https://app.example/cb?keep=1&authResponse=tok#top"
    assert auth_response_from_url(url) == "tok"


def test_redirect_round_trips_a_real_response() -> None:
    url = redirect_with_auth_response("https://app.example.com/", EXAMPLE_B)
    assert auth_response_from_url(url) == EXAMPLE_B


# --- reading URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given_form",
    [
        "https://app.example/cb?authResponse=T&x=1",
        "https://app.example/cb?x=1&authResponse=T#frag",
        "?authResponse=T",
        "authResponse=T&state=s",
        "authResponse=T",
        "  https://app.example/cb?authResponse=T  ",
    ],
)
def test_auth_response_from_url_forms(given_form: str) -> None:
    assert auth_response_from_url(given_form) == "T"


@pytest.mark.parametrize(
    "bad",
    [
        "https://app.example/cb",
        "https://app.example/cb?other=1",
        "https://app.example/cb?authResponse=",
        "https://app.example/cb?authResponse",
        "?authResponse=a&authResponse=b",
        "authresponse=T",  # names are case-sensitive, as URLSearchParams.get
        "",
        "https://app.example/cb#authResponse=T",
    ],
)
def test_auth_response_from_url_refuses(bad: str) -> None:
    with pytest.raises(MalformedTokenError):
        auth_response_from_url(bad)


def test_auth_request_from_url_strips_the_legacy_scheme_prefix() -> None:
    assert auth_request_from_url("?authRequest=blockstack:T") == "T"
    with pytest.raises(MalformedTokenError):
        auth_request_from_url("?authRequest=blockstack:")


def test_non_string_is_a_usage_error() -> None:
    with pytest.raises(InvalidArgumentError):
        auth_response_from_url(b"authResponse=T")  # type: ignore[arg-type]


def test_huge_input_is_refused() -> None:
    with pytest.raises(MalformedTokenError):
        auth_response_from_url("authResponse=" + "a" * (300 * 1024))


@given(st.text(max_size=200))
def test_reading_any_string_returns_or_raises_our_error(text: str) -> None:
    try:
        token = auth_response_from_url(text)
    except AuthTokenError:
        return
    assert token


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50))
def test_any_token_round_trips_through_a_redirect(token: str) -> None:
    url = redirect_with_auth_response("https://app.example/cb?x=1", token)
    assert auth_response_from_url(url) == token
