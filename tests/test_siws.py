"""Sign-In with Stacks: create, strict parse, verify (spec siws.md §1, §4, §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtokens.addresses import STACKS_TESTNET, c32check_encode, stacks_address
from authtokens.errors import (
    AuthTokenError,
    InvalidArgumentError,
    InvalidMessageFieldError,
    InvalidTokenError,
    MalformedMessageError,
    UsageError,
)
from authtokens.siws import (
    CHAIN_TESTNET,
    account_id,
    create_message,
    generate_nonce,
    parse_account_id,
    parse_message,
    verify_message,
    wallet_check,
)
from authtokens.stacks_messages import hash_message, sign_digest_rsv, sign_message

KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801"
PUB = "02215340da140268f8a472af9c2b67952fe0a68337665482dae84886adea0945c1"
MAINNET = "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"
TESTNET = "ST3KC0MTNW34S1ZXD36JYKFD3JJMWA01M55DSJ4JE"
OTHER_KEY = "0000000000000000000000000000000000000000000000000000000000000001"

# spec siws.md §6 A and B: made by sign-in-with-stacks 0.3.0, signed by signMessageHashRsv.
TEXT_A = (
    "example.com wants you to sign in with your Stacks account:\n"
    "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY\n\n\nURI: https://example.com/path\nVersion: 1\n"
    "Chain ID: 1\nNonce: foobarbaz1\nIssued At: 2026-11-30T00:00:00.000Z"
)
HASH_A = "340fea0dcbae436c070f74fbf16a571f95d38bdbae678c1d1a1f07306b89986d"
SIG_A = (
    "d4341c98f792236cb3ddda2ebb73bd36a7d8de2955eb37e75802057d18330a0a599a8f15440cff65a193a0b1b4"
    "bcd8862a542da2d8aff7ad5c048c0d33c775eb00"
)
TEXT_B = (
    "https://app.example.org:8443 wants you to sign in with your Stacks account:\n"
    "ST3KC0MTNW34S1ZXD36JYKFD3JJMWA01M55DSJ4JE\n\nSign in to Example. No fee.\n\n"
    "URI: https://app.example.org:8443/login\nVersion: 1\nChain ID: 2147483648\n"
    "Nonce: Zx81kQ0pLm2\nIssued At: 2026-11-30T12:34:56.789Z\n"
    "Expiration Time: 2026-11-30T12:44:56.789Z\nNot Before: 2026-11-30T12:34:00.000Z\n"
    "Request ID: req-42\nResources:\n"
    "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n"
    "- https://example.com/my-web2-claim.json"
)
HASH_B = "15c21aaab813091a8295c5a47d8ac111f86b74438be83562ee805cc59fe4fde5"
SIG_B = (
    "a9ec314b82b4b5a4ec058844de57384795a9604cd9f30ff4323186593e87e8554e957fefdbb80cb3677bda4c5a"
    "76a6632d4231b3b97bb1339256c0a63b6813ba01"
)
T0 = datetime(2026, 11, 30, tzinfo=UTC)
TB = datetime(2026, 11, 30, 12, 34, 56, 789000, tzinfo=UTC)


def test_spec_example_a() -> None:
    text = create_message(
        domain="example.com",
        address=MAINNET,
        uri="https://example.com/path",
        nonce="foobarbaz1",
        issued_at=T0,
    )
    assert text == TEXT_A
    assert hash_message(text).hex() == HASH_A
    assert sign_message(KEY, text) == SIG_A
    result = verify_message(
        TEXT_A, SIG_A, domain="example.com", nonce="foobarbaz1", now=T0 + timedelta(seconds=5)
    )
    assert (result.address, result.public_key) == (MAINNET, PUB)
    assert result.account_id == "stacks:1:" + MAINNET
    assert result.message.statement is None
    assert result.message.resources is None


def test_spec_example_b() -> None:
    text = create_message(
        scheme="https",
        domain="app.example.org:8443",
        address=TESTNET,
        statement="Sign in to Example. No fee.",
        uri="https://app.example.org:8443/login",
        chain_id=CHAIN_TESTNET,
        nonce="Zx81kQ0pLm2",
        issued_at=TB,
        expiration_time=TB + timedelta(minutes=10),
        not_before=datetime(2026, 11, 30, 12, 34, tzinfo=UTC).timestamp(),
        request_id="req-42",
        resources=[
            "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
            "https://example.com/my-web2-claim.json",
        ],
    )
    assert text == TEXT_B
    assert hash_message(text).hex() == HASH_B
    assert sign_message(KEY, text) == SIG_B
    result = verify_message(
        TEXT_B,
        SIG_B,
        domain="app.example.org:8443",
        nonce="Zx81kQ0pLm2",
        uri="https://app.example.org:8443/login",
        scheme="https",
        chain_id=CHAIN_TESTNET,
        address=TESTNET,
        public_key=PUB,
        now=TB,
    )
    assert result.account_id == f"stacks:2147483648:{TESTNET}"
    msg = result.message
    assert msg.request_id == "req-42"
    assert msg.resources is not None
    assert len(msg.resources) == 2


def test_parse_round_trips_example_b() -> None:
    m = parse_message(TEXT_B)
    again = create_message(
        domain=m.domain,
        address=m.address,
        uri=m.uri,
        nonce=m.nonce,
        chain_id=m.chain_id,
        issued_at=m.issued_at,
        statement=m.statement,
        expiration_time=m.expiration_time,
        not_before=m.not_before,
        request_id=m.request_id,
        resources=m.resources,
        scheme=m.scheme,
    )
    assert again == TEXT_B


def _signed(text: str, key: str = KEY) -> tuple[str, str]:
    return text, sign_message(key, text)


def _msg(**fields: Any) -> str:
    base: dict[str, Any] = {
        "domain": "example.com",
        "address": MAINNET,
        "uri": "https://example.com/path",
        "nonce": "foobarbaz1",
        "issued_at": T0,
    }
    base.update(fields)
    return create_message(**base)


EXPECT: dict[str, Any] = {"domain": "example.com", "nonce": "foobarbaz1", "now": T0}

# One case per refusal code: (message fields, verify overrides, signature change).
REFUSALS: dict[str, tuple[dict[str, Any], dict[str, Any], str | None]] = {
    "domain_mismatch": ({"domain": "evil.com", "uri": "https://evil.com/"}, {}, None),
    "uri_mismatch": ({"uri": "https://evil.com/path"}, {}, None),
    "scheme_mismatch": ({"scheme": "http"}, {"scheme": "https"}, None),
    "nonce_mismatch": ({}, {"nonce": "otherNonce1"}, None),
    "chain_mismatch": (
        {"address": TESTNET, "chain_id": CHAIN_TESTNET},
        {"chain_id": 1},
        None,
    ),
    "address_mismatch": ({}, {"address": stacks_address("03" + PUB[2:])}, None),
    "issued_in_future": ({"issued_at": T0 + timedelta(seconds=61)}, {}, None),
    "too_old": ({"issued_at": T0 - timedelta(seconds=661)}, {}, None),
    "expired": ({"expiration_time": T0 - timedelta(seconds=60)}, {}, None),
    "not_yet_valid": ({"not_before": T0 + timedelta(seconds=61)}, {}, None),
    "public_key_mismatch": (
        {},
        {"public_key": "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
        None,
    ),
    "bad_signature": ({}, {}, "other_key"),
    "malformed_message": ({}, {}, "tamper_text"),
}


@pytest.mark.parametrize("code", list(REFUSALS))
def test_refusal_codes(code: str) -> None:
    fields, overrides, change = REFUSALS[code]
    text, sig = _signed(_msg(**fields), OTHER_KEY if change == "other_key" else KEY)
    if change == "tamper_text":
        text = "\n" + text
    with pytest.raises(InvalidTokenError) as info:
        verify_message(text, sig, **{**EXPECT, **overrides})
    assert info.value.code == code


def test_leeway_edges_accept() -> None:
    for fields in (
        {"issued_at": T0 + timedelta(seconds=60)},
        {"issued_at": T0 - timedelta(seconds=660)},
        {"expiration_time": T0 - timedelta(seconds=59)},
        {"not_before": T0 + timedelta(seconds=60)},
    ):
        text, sig = _signed(_msg(**fields))
        assert verify_message(text, sig, **EXPECT).address == MAINNET
    text, sig = _signed(_msg(issued_at=T0 - timedelta(days=1)))
    assert verify_message(text, sig, **{**EXPECT, "max_age": None}).address == MAINNET


def test_legacy_prefix_opt_in() -> None:
    text = _msg()
    sig = sign_digest_rsv(KEY, hash_message(text, legacy=True))
    with pytest.raises(InvalidTokenError) as info:
        verify_message(text, sig, **EXPECT)
    assert info.value.code == "bad_signature"
    assert verify_message(text, sig, **EXPECT, legacy_prefix=True).public_key == PUB


def test_vrs_signature_accepted() -> None:
    text, sig = _signed(_msg())
    assert verify_message(text, sig[128:] + sig[:128], **EXPECT).address == MAINNET


def test_expected_values_are_required() -> None:
    text, sig = _signed(_msg())
    with pytest.raises(InvalidArgumentError):
        verify_message(text, sig, domain="example.com", nonce="", now=T0)
    with pytest.raises(InvalidArgumentError):
        verify_message(text, sig, domain="", nonce="foobarbaz1", now=T0)


# --- create refuses what createSiwsMessage refuses ------------------------------------------


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"chain_id": 0}, "chain_zero"),
        ({"chain_id": 2**32}, "chain_too_big"),
        ({"chain_id": True}, "chain_bool"),
        ({"domain": "example"}, "domain_no_tld"),
        ({"domain": "exa mple.com"}, "domain_space"),
        ({"domain": "256.1.1.1"}, "domain_bad_ip"),
        ({"domain": "example.com:123456"}, "domain_long_port"),
        ({"nonce": "short1"}, "nonce_short"),
        ({"nonce": "foobar-baz"}, "nonce_not_alnum"),
        ({"uri": "not a uri"}, "uri_space"),
        ({"uri": "/relative"}, "uri_no_scheme"),
        ({"uri": "https://x.com/%zz"}, "uri_bad_escape"),
        ({"version": "2"}, "version"),
        ({"scheme": "1http"}, "scheme"),
        ({"statement": "two\nlines"}, "statement_newline"),
        ({"request_id": "r\nNonce: forged123"}, "request_id_newline"),
        ({"scheme": "ht,tp"}, "scheme_comma"),
        ({"address": "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JZ"}, "address_checksum"),
        ({"resources": ["https://ok.com", "bad uri"]}, "resource"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_create_refuses(fields: dict[str, Any], why: str) -> None:
    with pytest.raises(InvalidMessageFieldError) as info:
        _msg(**fields)
    assert isinstance(info.value, UsageError), why


@pytest.mark.parametrize(
    "domain", ["example.com", "a.b.example.co:8080", "127.0.0.1", "10.0.0.1:3000", "localhost:3000"]
)
def test_create_accepts_domains(domain: str) -> None:
    assert parse_message(_msg(domain=domain)).domain == domain


def test_create_details() -> None:
    # Empty optionals are absent, as in the reference; an empty resource list is a bare label.
    assert _msg(statement="", request_id="", scheme="") == TEXT_A
    assert _msg(resources=[]).endswith("\nResources:")
    assert parse_message(_msg(resources=[])).resources == ()
    # Times written as toISOString writes them.
    assert "Issued At: 2026-11-30T00:00:00.123Z" in _msg(issued_at=T0.timestamp() + 0.1239)
    # Non-canonical address spellings are written canonically.
    assert _msg(address=MAINNET.lower().replace("s", "S", 1)) == TEXT_A


# --- strict parsing ---------------------------------------------------------------------------


def _replace(old: str, new: str) -> str:
    assert old in TEXT_A
    return TEXT_A.replace(old, new, 1)


BAD_TEXTS = {
    "leading_text": "hello\n" + TEXT_A,
    "trailing_newline": TEXT_A + "\n",
    "trailing_text": TEXT_A + "\nExtra: 1",
    "crlf": TEXT_A.replace("\n", "\r\n"),
    "version_2": _replace("Version: 1", "Version: 2"),
    "label_case": _replace("Chain ID:", "Chain Id:"),
    "unknown_chain": _replace("Chain ID: 1", "Chain ID: 5"),
    "chain_leading_zero": _replace("Chain ID: 1", "Chain ID: 01"),
    "wrong_network": _replace("Chain ID: 1", "Chain ID: 2147483648"),
    "address_checksum": _replace("54BYX1JY", "54BYX1JZ"),
    "address_lower": _replace(MAINNET, MAINNET.lower()),
    "time_no_zone": _replace("00:00:00.000Z", "00:00:00.000"),
    "time_bad_day": _replace("2026-11-30", "2026-02-30"),
    "time_lower_t": _replace("30T00", "30t00"),
    "nonce_short": _replace("foobarbaz1", "foo"),
    "order_swapped": _replace("Version: 1\nChain ID: 1", "Chain ID: 1\nVersion: 1"),
    "bad_domain": _replace("example.com wants", "exa_mple.com wants"),
    "bad_uri": _replace("https://example.com/path", "https://example.com/pa th"),
    "two_blank_lines_missing": _replace("\n\n\nURI", "\n\nURI"),
    "not_before_first": TEXT_A + "\nNot Before: 2026-11-30T00:00:00.000Z"
    "\nExpiration Time: 2026-11-30T00:00:00.000Z",
    "empty": "",
}


@pytest.mark.parametrize("text", list(BAD_TEXTS.values()), ids=list(BAD_TEXTS))
def test_parse_refuses(text: str) -> None:
    with pytest.raises(MalformedMessageError) as info:
        parse_message(text)
    assert info.value.code == "malformed_message"


def test_parse_accepts_rfc3339_forms_and_39_char_addresses() -> None:
    m = parse_message(_replace("2026-11-30T00:00:00.000Z", "2026-11-30T01:30:00+01:30"))
    assert m.issued_at == T0
    # A HASH160 starting with 0x01 gives a 39-character address (the reference cannot read).
    address = c32check_encode(22, b"\x01" + b"\x22" * 19)
    assert len(address) == 39
    assert parse_message(_msg(address=address)).address == address
    # Leading zero bytes make shorter addresses still: the burn address has 29 characters.
    burn = "SP000000000000000000002Q6VF78"
    assert parse_message(_msg(address=burn)).address == burn


def test_statement_with_resources_word() -> None:
    text = _msg(statement="Resources: none here", resources=["https://a.example.com/x"])
    m = parse_message(text)
    assert m.statement == "Resources: none here"
    assert m.resources == ("https://a.example.com/x",)


_line = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=14).map("\n".join))
def test_parse_any_text(text: str) -> None:
    try:
        parse_message(text)
    except MalformedMessageError:
        pass


@settings(max_examples=300, deadline=None)
@given(
    st.data(),
    st.integers(0, len(TEXT_B) - 1),
    st.text(max_size=3),
)
def test_parse_mutations(data: st.DataObject, pos: int, insert: str) -> None:
    cut = data.draw(st.integers(0, 3))
    text = TEXT_B[:pos] + insert + TEXT_B[pos + cut :]
    try:
        m = parse_message(text)
    except MalformedMessageError:
        return
    assert m.version == "1"
    assert m.chain_id in (1, CHAIN_TESTNET)


_alnum = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8)


@settings(max_examples=150, deadline=None)
@given(
    nonce=_alnum,
    statement=st.one_of(st.none(), _line),
    request_id=st.one_of(st.none(), _line),
    seconds=st.integers(0, 253402300799),
    ms=st.integers(0, 999),
    testnet=st.booleans(),
    resources=st.one_of(st.none(), st.lists(st.sampled_from(["https://a.b/c", "ipfs://x"]))),
    hash160=st.one_of(
        st.binary(min_size=20, max_size=20),
        st.integers(0, 19).map(lambda z: b"\x00" * z + b"\x01" * (20 - z)),
    ),
)
def test_create_parse_round_trip(
    hash160: bytes,
    nonce: str,
    statement: str | None,
    request_id: str | None,
    seconds: int,
    ms: int,
    testnet: bool,
    resources: list[str] | None,
) -> None:
    issued = datetime.fromtimestamp(seconds, UTC) + timedelta(milliseconds=ms)
    text = create_message(
        domain="example.com",
        address=c32check_encode(26 if testnet else 22, hash160),
        chain_id=CHAIN_TESTNET if testnet else 1,
        uri="https://example.com/",
        nonce=nonce,
        issued_at=issued,
        statement=statement,
        request_id=request_id,
        resources=resources,
    )
    m = parse_message(text)
    assert m.address == c32check_encode(26 if testnet else 22, hash160)
    assert m.nonce == nonce
    assert m.issued_at == issued
    assert m.statement == (statement or None)
    assert m.request_id == (request_id or None)
    assert m.resources == (None if resources is None else tuple(resources))


# --- nonces and account ids ---------------------------------------------------------------------


def test_generate_nonce() -> None:
    nonces = {generate_nonce() for _ in range(200)}
    assert len(nonces) == 200
    assert all(len(n) >= 17 and n.isascii() and n.isalnum() for n in nonces)
    with pytest.raises(InvalidArgumentError):
        generate_nonce(8)


def test_account_ids() -> None:
    assert account_id(MAINNET, 1) == f"stacks:1:{MAINNET}"
    assert account_id(TESTNET.lower().replace("s", "S", 1), CHAIN_TESTNET).endswith(TESTNET)
    assert parse_account_id(f"stacks:2147483648:{TESTNET}") == (CHAIN_TESTNET, TESTNET)
    assert stacks_address(PUB, STACKS_TESTNET) == TESTNET
    bad: list[Callable[[], object]] = [
        lambda: account_id(TESTNET, 1),
        lambda: account_id(MAINNET, 5),
        lambda: parse_account_id(f"eip155:1:{MAINNET}"),
        lambda: parse_account_id(f"stacks:01:{MAINNET}"),
        lambda: parse_account_id(f"stacks:1:{MAINNET.lower()}"),
        lambda: parse_account_id("stacks:1"),
    ]
    for call in bad:
        with pytest.raises(AuthTokenError):
            call()


# --- the wallet's check before signing ----------------------------------------------------------


def test_wallet_check_passes_for_the_right_site() -> None:
    assert (
        wallet_check(TEXT_A, origin="https://example.com", address=MAINNET, chain_id=1, now=T0)
        == []
    )
    got = wallet_check(
        TEXT_B,
        origin="https://app.example.org:8443",
        address=TESTNET,
        chain_id=CHAIN_TESTNET,
        now=TB,
    )
    assert got == []


@pytest.mark.parametrize(
    ("kwargs", "codes"),
    [
        ({"origin": "https://evil.example.com"}, ["domain_mismatch"]),
        ({"origin": "http://example.com"}, ["scheme_mismatch"]),
        ({"chain_id": CHAIN_TESTNET}, ["chain_mismatch"]),
        ({"address": stacks_address("03" + PUB[2:])}, ["address_mismatch"]),
        ({"now": T0 - timedelta(minutes=5)}, ["issued_in_future"]),
        ({"now": T0 + timedelta(hours=1)}, ["too_old"]),
        (
            {"origin": "https://evil.example.com", "chain_id": CHAIN_TESTNET},
            ["domain_mismatch", "chain_mismatch"],
        ),
    ],
    ids=["domain", "scheme", "chain", "address", "future", "old", "two_at_once"],
)
def test_wallet_check_reports_each_failure(kwargs: dict[str, Any], codes: list[str]) -> None:
    args: dict[str, Any] = {
        "origin": "https://example.com",
        "address": MAINNET,
        "chain_id": 1,
        "now": T0,
        **kwargs,
    }
    assert [e.code for e in wallet_check(TEXT_A, **args)] == codes


def test_wallet_check_expired_and_malformed() -> None:
    text = _msg(expiration_time=T0 + timedelta(seconds=30))
    args: dict[str, Any] = {"origin": "https://example.com", "address": MAINNET, "chain_id": 1}
    assert [e.code for e in wallet_check(text, **args, now=T0 + timedelta(seconds=90))] == [
        "expired"
    ]
    assert [e.code for e in wallet_check("nope", **args, now=T0)] == ["malformed_message"]
    with pytest.raises(InvalidArgumentError):
        wallet_check(TEXT_A, origin="example.com", address=MAINNET, chain_id=1, now=T0)
    local = _msg(domain="localhost:3000", uri="http://localhost:3000/")
    args["origin"] = "http://localhost:3000"
    assert wallet_check(local, **args, now=T0) == []


# --- check_message: every check reported ---------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "failed"),
    [
        ({}, {}),
        ({"domain": "example.org"}, {"domain": "domain_mismatch", "uri": "uri_mismatch"}),
        ({"uri": "https://example.com/other"}, {"uri": "uri_mismatch"}),
        ({"scheme": "https"}, {"scheme": "scheme_mismatch"}),
        ({"chain_id": 2147483648}, {"chain_id": "chain_mismatch"}),
        ({"address": TESTNET}, {"address": "address_mismatch"}),
        ({"nonce": "otherNonce1"}, {"nonce": "nonce_mismatch"}),
        ({"now": 1796000000.0, "max_age": 60}, {"issued_at": "too_old"}),
        ({"now": 1795990000.0}, {"issued_at": "issued_in_future"}),
    ],
)
def test_check_message_reports_each_check(expect: dict[str, Any], failed: dict[str, str]) -> None:
    from authtokens.siws import check_message

    args: dict[str, Any] = {"domain": "example.com", "nonce": "foobarbaz1", "now": 1795996860.0}
    report = check_message(TEXT_A, SIG_A, **(args | expect))
    codes = {c.name: c.code for c in report.checks if not c.passed}
    assert codes == failed
    assert report.ok is (not failed)
    assert report.account_id == f"stacks:1:{MAINNET}"
    assert report.public_key == "02215340da140268f8a472af9c2b67952fe0a68337665482dae84886adea0945c1"
    if not failed:  # the same verdict as verify_message
        assert verify_message(TEXT_A, SIG_A, **args).public_key == report.public_key
