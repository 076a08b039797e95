"""Reference vectors from tools/vectors/generate_siws.mjs (@stacks/transactions and
@stacks/encryption 7.x): message signatures, addresses, Clarity values, SIP-018 and SIWS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from _vectors import cases

from authtokens.addresses import STACKS_TESTNET, stacks_address
from authtokens.clarity import Cl, ClarityValue, deserialize, serialize
from authtokens.errors import InvalidArgumentError, MalformedClarityValueError
from authtokens.siws import create_message, parse_message, verify_message
from authtokens.stacks_messages import (
    hash_message,
    recover_public_key,
    sign_message,
    sign_structured_data,
    structured_data_hash,
    verify_message_signature,
    verify_structured_data,
)


def build(d: dict[str, Any]) -> ClarityValue:
    """The Clarity value a vector describes (the same description the generator builds from)."""
    kind = d["type"]
    simple: dict[str, Any] = {
        "int": lambda: Cl.int(int(d["value"])),
        "uint": lambda: Cl.uint(int(d["value"])),
        "bool": lambda: Cl.bool(d["value"]),
        "buffer": lambda: Cl.buffer_from_hex(d["hex"]),
        "string-ascii": lambda: Cl.string_ascii(d["value"]),
        "string-utf8": lambda: Cl.string_utf8(d["value"]),
        "principal": lambda: Cl.principal(d["value"]),
        "none": Cl.none,
        "some": lambda: Cl.some(build(d["value"])),
        "ok": lambda: Cl.ok(build(d["value"])),
        "err": lambda: Cl.error(build(d["value"])),
        "list": lambda: Cl.list([build(v) for v in d["values"]]),
        "tuple": lambda: Cl.tuple({k: build(v) for k, v in d["fields"].items()}),
    }
    value: ClarityValue = simple[kind]()
    return value


# --- message signatures --------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("stacks_messages.json"))
def test_message_signature_vectors(case: dict[str, Any]) -> None:
    text = case["message"]
    assert hash_message(text).hex() == case["hash"]
    assert hash_message(text, legacy=True).hex() == case["legacy_hash"]
    assert sign_message(case["private_key"], text) == case["signatures"]["rsv"]
    # The key as the reference derives it (uncompressed for a 64-hex private key), and the
    # compressed form that recovery gives.
    pub, compressed = case["public_key"], case["public_key_compressed"]
    for form, sig in case["signatures"].items():
        assert recover_public_key(text, sig) == case["recovered"][form] == compressed, form
        got = verify_message_signature(text, sig, public_key=pub, address=case["address_mainnet"])
        assert got == compressed
        if pub == compressed:
            assert verify_message_signature(text, sig, address=case["address_mainnet"]) == pub
    assert case["reference_verifies"]["legacy_rsv"] is True  # the reference retries silently
    legacy = case["legacy_signature"]
    assert verify_message_signature(text, legacy, public_key=pub, legacy_prefix=True) == compressed
    with pytest.raises(Exception) as info:
        verify_message_signature(text, legacy, public_key=pub)
    assert getattr(info.value, "code", None) == "public_key_mismatch"
    assert stacks_address(pub) == case["address_mainnet"]
    assert stacks_address(pub, STACKS_TESTNET) == case["address_testnet"]


@pytest.mark.parametrize("case", cases("stacks_messages.json", key="addresses"))
def test_address_vectors(case: dict[str, Any]) -> None:
    assert stacks_address(case["public_key"]) == case["address_mainnet"]
    assert stacks_address(case["public_key"], STACKS_TESTNET) == case["address_testnet"]


# --- Clarity -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("clarity.json"))
def test_clarity_vectors(case: dict[str, Any]) -> None:
    value = build(case["value"])
    js_hex = case["stacks_js_hex"]
    assert serialize(value, key_order="stacks.js").hex() == js_hex
    assert deserialize(js_hex, key_order="stacks.js") == value
    if case["key_order_differs"]:
        assert serialize(value).hex() != js_hex
        with pytest.raises(MalformedClarityValueError):
            deserialize(js_hex)  # bytes Clarity itself never writes
        with pytest.raises(MalformedClarityValueError):
            deserialize(serialize(value), key_order="stacks.js")
        assert deserialize(serialize(value)) == value
    else:
        assert serialize(value).hex() == js_hex
        assert deserialize(js_hex) == value
    if case["locale_key_orders"] is not None:
        from authtokens.clarity import stacks_js_key_order

        assert stacks_js_key_order(case["value"]["fields"]) == case["locale_key_orders"]


# --- SIP-018 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("sip018.json"))
def test_sip018_vectors(case: dict[str, Any]) -> None:
    domain, message = build(case["domain"]), build(case["message"])
    assert serialize(domain).hex() == case["domain_hex"]
    js_hash = structured_data_hash(domain, message, key_order="stacks.js").hex()
    assert js_hash == case["hash"]
    assert (structured_data_hash(domain, message).hex() == case["hash"]) != case[
        "key_order_differs"
    ]
    assert (
        sign_structured_data(
            case["private_key"], domain=domain, message=message, key_order="stacks.js"
        )
        == case["signature"]
    )
    got = verify_structured_data(
        case["signature"], domain=domain, message=message, address=case["address_mainnet"]
    )
    assert got == case["public_key"] == case["recovered"]
    # As a stacks.js client sends them: the hex serializeCV wrote.
    got = verify_structured_data(
        case["signature"],
        domain=case["domain_hex"],
        message=case["message_hex"],
        address=case["address_mainnet"],
    )
    assert got == case["public_key"]


@pytest.mark.parametrize("case", cases("sip018.json", key="invalid_domains"))
def test_sip018_invalid_domains(case: dict[str, Any]) -> None:
    # We refuse what encodeStructuredDataBytes refuses, and also extra keys (SIP-018's domain
    # is exactly these three fields; the reference lets extras through).
    if case["name"] != "extra_key":
        assert case["reference_throws"] is True
    with pytest.raises(InvalidArgumentError):
        structured_data_hash(build(case["domain"]), Cl.uint(1))


# --- Sign-In with Stacks -------------------------------------------------------------------------


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@pytest.mark.parametrize("case", cases("siws.json"))
def test_siws_vectors(case: dict[str, Any]) -> None:
    f = case["fields"]
    issued = _time(f["issued_at"])
    assert issued is not None
    text = create_message(
        scheme=f["scheme"],
        domain=f["domain"],
        address=f["address"],
        statement=f["statement"],
        uri=f["uri"],
        chain_id=f["chain_id"],
        nonce=f["nonce"],
        issued_at=issued,
        expiration_time=_time(f["expiration_time"]),
        not_before=_time(f["not_before"]),
        request_id=f["request_id"],
        resources=f["resources"],
    )
    assert text == case["text"]
    assert hash_message(text).hex() == case["hash"]
    m = parse_message(text)
    assert (m.domain, m.address, m.nonce, m.chain_id) == (
        f["domain"],
        f["address"],
        f["nonce"],
        f["chain_id"],
    )
    assert m.resources == (None if f["resources"] is None else tuple(f["resources"]))
    result = verify_message(
        text,
        case["signature"],
        domain=f["domain"],
        nonce=f["nonce"],
        uri=f["uri"],
        scheme=f["scheme"],
        chain_id=f["chain_id"],
        address=f["address"],
        public_key=case["public_key"],
        now=issued,
    )
    assert result.address == case["address"] == f["address"]
    assert result.public_key == case["public_key"]
    assert result.account_id == case["account_id"]
