"""`authtokens.origins` against the browser's answer, over a generated corpus of tricky URLs.

``tests/vectors/origins.json`` holds, for a few thousand URLs (hosts in every IPv4, IPv6, IDN
and percent-encoded spelling, userinfo, ports, separators, case, trailing dots, surrounding
junk), what Node's ``new URL(x)`` says: the origin or a throw. It is written by
``node tools/vectors/origins.mjs tests/vectors/origins.json`` (Node built-ins only).

Every origin the library returns must be the browser's. Every URL the library refuses must
be refused by Node too, or hit one of the library's documented refusals (`Refusal`), and the
test names which one, or be one of the few hosts listed below that Node 20's ada (2.9)
accepts and the URL standard refuses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authtokens.errors import InvalidArgumentError
from authtokens.origins import (
    Origin,
    Refusal,
    ascii_url,
    bare_origin_of,
    has_userinfo,
    origin_of,
    own_refusal,
    same_origin,
    strict_origin_of,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "origins.json").read_text("utf-8"))
CASES: list[tuple[str, str | None, str, bool]] = [
    (c[0], c[1], c[2], c[3]) for c in VECTORS["cases"]
]

# Hosts Node 20 (ada 2.9) accepts and the library refuses, with the reason. Each is refused by
# the URL standard as it stands, and by newer parsers.
STRICTER_THAN_NODE20 = {
    # UTS #46 CheckBidi (RFC 5893 rule 1: a right-to-left label starts with R or AL), which
    # the URL standard sets and ada 4 applies.
    "xn--1-1mc": "Bidi rule: label 1ب starts with a digit",
    "xn--cib": "Bidi rule: label ٣ (Arabic-Indic digit) starts with an AN character",
    # UTS #46 validity: a label must not decode to another xn-- label (Node 26 refuses it).
    "xn--xn---epa": "decodes to xn--é, another ACE label",
}
_AMBIGUOUS = set("\\\x7f" + "".join(chr(c) for c in range(0x21)))


def _authority(url: str) -> str:
    """Independent of the library: the authority Node read (special schemes only)."""
    text = url.strip("".join(chr(c) for c in range(0x21)))
    for c in "\t\n\r":
        text = text.replace(c, "")
    rest = text.split(":", 1)[1].lstrip("/\\")
    for i, c in enumerate(rest):
        if c in "/\\?#":
            return rest[:i]
    return rest


def _expected_refusal(url: str, protocol: str, credentials: bool, strict: bool) -> Refusal | None:
    """Which documented refusal applies to a URL Node accepts, in the library's order."""
    if len(url) > 4096:
        return Refusal.TOO_LONG
    if any(0xD800 <= ord(c) <= 0xDFFF for c in url):
        return Refusal.NOT_UNICODE
    if strict and not _AMBIGUOUS.isdisjoint(url):
        return Refusal.AMBIGUOUS
    if protocol not in ("http:", "https:"):
        return Refusal.SCHEME
    if strict and (credentials or "@" in _authority(url)):
        return Refusal.USERINFO
    if "ẞ" in unquote(_authority(url).rpartition("@")[2]):
        return Refusal.UNSTABLE_HOST
    return None


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 3000
    accepted = [c for c in CASES if c[1] not in (None, "null")]
    assert len(accepted) >= 1500
    assert len(CASES) - len(accepted) >= 1500
    hosts = {c[1].split("://")[1] for c in accepted if c[1]}
    assert any(h.startswith("[") for h in hosts)  # IPv6
    assert any("xn--" in h for h in hosts)  # IDN
    assert "127.0.0.1:3000" in hosts


@pytest.mark.parametrize("strict", [False, True], ids=["origin_of", "strict_origin_of"])
def test_every_origin_is_the_browsers(strict: bool) -> None:
    parse = strict_origin_of if strict else origin_of
    wrong: list[tuple[str, str | None, str]] = []
    refusals: dict[Refusal | str, int] = {}
    for url, expected, protocol, credentials in CASES:
        got: str | None = None
        error = ""
        try:
            got = str(parse(url))
        except InvalidArgumentError as exc:
            error = str(exc)
        if got is not None:
            if got != expected:
                wrong.append((url, expected, got))
            continue
        if expected is None or expected == "null":
            continue  # Node refuses it too, or gives it no origin
        reason = _expected_refusal(url, protocol, credentials, strict)
        if reason is None:
            labels = expected.split("://")[1].split(":")[0].split(".")
            known = [label for label in labels if label in STRICTER_THAN_NODE20]
            if not known:
                wrong.append((url, expected, f"refused: {error}"))
            key = known[0] if known else "?"
            refusals[key] = refusals.get(key, 0) + 1
            continue
        # the documented refusal, and that one
        assert own_refusal(url, strict=strict) is reason, url
        assert error.startswith(reason.value), (url, error)
        refusals[reason] = refusals.get(reason, 0) + 1
    assert wrong == []
    # the corpus reaches each documented refusal
    assert Refusal.SCHEME in refusals
    assert Refusal.TOO_LONG in refusals
    assert Refusal.NOT_UNICODE in refusals
    assert Refusal.UNSTABLE_HOST in refusals
    if strict:
        assert Refusal.AMBIGUOUS in refusals
        assert Refusal.USERINFO in refusals


def test_the_issues_examples() -> None:
    assert str(origin_of("https://🦊.example")) == "https://xn--9s9h.example"
    assert str(origin_of("https://münchen.example")) == "https://xn--mnchen-3ya.example"
    assert str(origin_of("HTTPS://EXAMPLE.COM:443/")) == "https://example.com"
    assert str(origin_of("http://127.1:3000/")) == "http://127.0.0.1:3000"
    assert origin_of("http://127.1:3000/") == Origin("http", "127.0.0.1", 3000)
    assert origin_of("http://[::1]/") == Origin("http", "[::1]", 80)
    for url in ("https://🦊.example", "https://münchen.example", "http://127.1:3000/"):
        assert strict_origin_of(url) == origin_of(url)


def test_each_refusal() -> None:
    cases: list[tuple[Any, Refusal, bool]] = [
        (b"https://a.example", Refusal.NOT_A_STRING, False),
        ("https://a.example/" + "x" * 4096, Refusal.TOO_LONG, False),
        ("https://a.example/\ud800", Refusal.NOT_UNICODE, False),
        ("ftp://a.example", Refusal.SCHEME, False),
        ("javascript:alert(1)//https://a.example", Refusal.SCHEME, False),
        ("https://ẞ.example", Refusal.UNSTABLE_HOST, False),
        ("https://%E1%BA%9E.example", Refusal.UNSTABLE_HOST, False),
        ("https://a.example\\@b.example", Refusal.AMBIGUOUS, True),
        ("https://a.example /", Refusal.AMBIGUOUS, True),
        ("https://a.example@b.example", Refusal.USERINFO, True),
        ("https://@b.example", Refusal.USERINFO, True),
        ("https:user:pw@b.example", Refusal.USERINFO, True),
    ]
    for url, refusal, strict in cases:
        assert own_refusal(url, strict=strict) is refusal, url
        with pytest.raises(InvalidArgumentError, match="^" + refusal.value.replace("+", r"\+")):
            (strict_origin_of if strict else origin_of)(url)
    # userinfo is dropped, not refused, by the plain parser (the browser's reading)
    assert str(origin_of("https://a.example@b.example")) == "https://b.example"
    assert own_refusal("https://ẞ@b.example") is None  # only the host matters


def test_invalid_punycode_labels_are_refused() -> None:
    # ada 4 keeps these; Node (and the URL standard) refuse them
    for host in ("xn--zz.com", "xn--a.com", "xn--.com", "xn--a.xn--nxa", "XN--ZZ.com"):
        with pytest.raises(InvalidArgumentError, match="Punycode"):
            origin_of(f"https://{host}/")
    assert str(origin_of("https://XN--BCHER-KVA.example")) == "https://xn--bcher-kva.example"


def test_ascii_url_names_the_checked_host() -> None:
    assert ascii_url("https://faß.example/mé.json") == "https://xn--fa-hia.example/m%C3%A9.json"
    assert ascii_url("HTTPS://🦊.example:443") == "https://xn--9s9h.example/"
    with pytest.raises(InvalidArgumentError):
        ascii_url("https://a@faß.example/")


def test_bare_origins() -> None:
    assert str(bare_origin_of("HTTP://LocalHost:80/")) == "http://localhost"
    assert str(bare_origin_of("http://127.1")) == "http://127.0.0.1"
    assert str(bare_origin_of("https://münchen.example")) == "https://xn--mnchen-3ya.example"
    for bad in ("*", "http://*.example", "null", "http://a/b", "http://a?x", "http://a#x",
                "http:a.example", "http://u@a.example", "ftp://a", ""):  # fmt: skip
        with pytest.raises(InvalidArgumentError):
            bare_origin_of(bad)


def test_has_userinfo() -> None:
    assert has_userinfo("https://app.example.com@evil.example/")
    assert has_userinfo("https://@evil.example/")
    assert has_userinfo("https:\\\\u:p@evil.example/")
    assert has_userinfo("ftp://u@evil.example/")
    assert not has_userinfo("https://evil.example/@x")
    assert not has_userinfo("https://evil.example\\@x")
    assert not has_userinfo("not a url @ all")
    assert not has_userinfo("mailto:a@b.example")


def test_same_origin() -> None:
    assert same_origin("https://bücher.example/a", "https://xn--bcher-kva.example:443/b")
    assert same_origin("http://127.1", "http://127.0.0.1:80/")
    assert not same_origin("https://аpp.example.com/", "https://app.example.com/")
    assert not same_origin("javascript:1", "javascript:1")


# --- properties ------------------------------------------------------------------------------

_pieces = st.sampled_from(
    ["https", "http", "HTTP", "ftp", "javascript", ":", "//", "/", "\\", "@", "[", "]", "%",
     "%41", "%00", ".", "xn--", "127", "0x", "::1", "ü", "🦊", "ẞ", " ", "\t", "#", "?", "*"]
)  # fmt: skip
_urls = st.lists(_pieces | st.text(max_size=6), max_size=12).map("".join)


@given(url=_urls | st.text(max_size=80))
def test_any_string_gives_an_origin_or_the_librarys_error(url: str) -> None:
    for parse in (origin_of, strict_origin_of, bare_origin_of, ascii_url):
        try:
            result = parse(url)
        except InvalidArgumentError:
            continue
        if isinstance(result, Origin):
            assert origin_of(str(result)) == result  # an origin parses back to itself
    assert has_userinfo(url) in (True, False)
    assert same_origin(url, url) in (True, False)


@given(value=st.none() | st.integers() | st.binary(max_size=8) | st.lists(st.text(), max_size=2))
def test_non_strings_raise_the_librarys_error(value: object) -> None:
    for parse in (origin_of, strict_origin_of, bare_origin_of, ascii_url):
        with pytest.raises(InvalidArgumentError):
            parse(value)  # type: ignore[arg-type]


def test_origin_errors_name_the_claim_once() -> None:
    # issue 9: "redirect_uri: redirect_uri '…'" had the prefix twice
    from authtokens import make_auth_request

    key = "e9b1edf5b74865cf5b9d0b18cde1da7ad6c0e25f4849c40c2a0870413146898a"
    for uri, message in [
        ("https://evil.example/", "redirect_uri 'https://evil.example/' is not on the origin"),
        ("https://u@app.example.com/", "redirect_uri: URL has userinfo"),
    ]:
        with pytest.raises(InvalidArgumentError) as caught:
            make_auth_request(key, app_domain="https://app.example.com", redirect_uri=uri)
        assert str(caught.value).startswith(message)
