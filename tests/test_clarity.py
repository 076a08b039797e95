"""Clarity values: construction, consensus serialisation, strict deserialisation, SIP-018."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtokens.clarity import (
    MAX_DEPTH,
    Cl,
    ClarityValue,
    ListCV,
    TupleCV,
    deserialize,
    serialize,
    serialize_hex,
    stacks_js_key_order,
)
from authtokens.errors import (
    AddressMismatchError,
    InvalidArgumentError,
    MalformedClarityValueError,
)
from authtokens.stacks_messages import (
    sign_structured_data,
    structured_data_hash,
    verify_structured_data,
)

KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801"
PUB = "02215340da140268f8a472af9c2b67952fe0a68337665482dae84886adea0945c1"
MAINNET = "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"

# spec siws.md §6 C
DOMAIN_C = (
    "0c0000000308636861696e2d69640100000000000000000000000000000001046e616d650d0000000b4578616d"
    "706c65204170700776657273696f6e0d00000005312e302e30"
)
MESSAGE_C = (
    "0c0000000906616374696f6e0d000000077369676e2d696e06616d6f756e7400ffffffffffffffffffffffffff"
    "fffffb05666c6167730b000000020304086772656574696e670e0000000b68c3a96c6c6f20f09fa68a046d656d"
    "6f0a0200000004deadbeef056e6f6e63650d0000000a666f6f62617262617a3103726573070902746f0616a46f"
    "f88886c2ef9762d970b4d2c63678835bd39d0d736f6d652d636f6e74726163740377686f0516e6c05355e0c990"
    "ffad19a5e9bda394a9c5003429"
)
HASH_C = "783e49c094aa23803aa80a2957f2c9d58ed06c8be38dd99c3493d351db724570"
SIG_C = (
    "8c317c34f707b2d6ff03e8fc9f5cd40bcb3c9abfa39ee3686e980b2af7d440f252db46da4866b04170b3f954b3"
    "ba13478ea008766e1d8809036452f1824a9e1a01"
)


def _domain_c() -> TupleCV:
    return Cl.tuple(
        {
            "name": Cl.string_ascii("Example App"),
            "version": Cl.string_ascii("1.0.0"),
            "chain-id": Cl.uint(1),
        }
    )


def _message_c() -> TupleCV:
    return Cl.tuple(
        {
            "action": Cl.string_ascii("sign-in"),
            "amount": Cl.int(-5),
            "flags": Cl.list([Cl.bool(True), Cl.bool(False)]),
            "greeting": Cl.string_utf8("héllo 🦊"),
            "memo": Cl.some(Cl.buffer_from_hex("deadbeef")),
            "nonce": Cl.string_ascii("foobarbaz1"),
            "res": Cl.ok(Cl.none()),
            "to": Cl.principal("SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7.some-contract"),
            "who": Cl.principal(MAINNET),
        }
    )


def test_spec_example_c_serialisation() -> None:
    assert serialize_hex(_domain_c()) == DOMAIN_C
    assert Cl.serialize(_message_c()) == MESSAGE_C
    assert deserialize(MESSAGE_C) == _message_c()
    assert Cl.deserialize(bytes.fromhex(DOMAIN_C)) == _domain_c()


def test_spec_example_c_sip018() -> None:
    assert structured_data_hash(_domain_c(), _message_c()).hex() == HASH_C
    assert sign_structured_data(KEY, domain=_domain_c(), message=_message_c()) == SIG_C
    got = verify_structured_data(SIG_C, domain=DOMAIN_C, message=MESSAGE_C, address=MAINNET)
    assert got == PUB
    other = Cl.tuple({**_message_c().to_dict(), "nonce": Cl.string_ascii("foobarbaz2")})
    with pytest.raises(AddressMismatchError):
        verify_structured_data(SIG_C, domain=_domain_c(), message=other, address=MAINNET)


# spec §5: stacks.js sorts tuple keys with localeCompare.
MIXED = {k: Cl.uint(i) for i, k in enumerate(["a_b", "a-b", "B", "a", "a1"])}


def test_tuple_key_orders() -> None:
    assert stacks_js_key_order(MIXED) == ["a", "a_b", "a-b", "a1", "B"]
    assert Cl.tuple(MIXED).keys() == ["B", "a", "a-b", "a1", "a_b"]
    clarity = serialize(Cl.tuple(MIXED))
    js = serialize(Cl.tuple(MIXED), key_order="stacks.js")
    assert clarity != js
    assert deserialize(clarity) == Cl.tuple(MIXED)
    with pytest.raises(MalformedClarityValueError):  # Clarity never writes the stacks.js order
        deserialize(js)
    assert deserialize(js, key_order="stacks.js") == Cl.tuple(MIXED)
    with pytest.raises(MalformedClarityValueError):
        deserialize(clarity, key_order="stacks.js")


@pytest.mark.parametrize("order", ["clarity", "stacks.js"])
def test_sip018_accepts_either_tuple_order(order: str) -> None:
    message = Cl.tuple(MIXED)
    sig = sign_structured_data(
        KEY,
        domain=_domain_c(),
        message=message,
        key_order="stacks.js" if order == "stacks.js" else "clarity",
    )
    assert verify_structured_data(sig, domain=_domain_c(), message=message, address=MAINNET) == PUB


@pytest.mark.parametrize(
    "domain",
    [
        Cl.tuple({"name": Cl.string_ascii("x"), "version": Cl.string_ascii("1")}),
        Cl.tuple(
            {
                "name": Cl.string_ascii("x"),
                "version": Cl.string_ascii("1"),
                "chain-id": Cl.uint(1),
                "extra": Cl.uint(1),
            }
        ),
        Cl.tuple(
            {"name": Cl.string_utf8("x"), "version": Cl.string_ascii("1"), "chain-id": Cl.uint(1)}
        ),
        Cl.tuple(
            {"name": Cl.string_ascii("x"), "version": Cl.string_ascii("1"), "chain-id": Cl.int(1)}
        ),
        Cl.uint(1),
    ],
    ids=["missing_chain_id", "extra_key", "utf8_name", "int_chain_id", "not_a_tuple"],
)
def test_sip018_domain_checked(domain: ClarityValue) -> None:
    with pytest.raises(InvalidArgumentError):
        structured_data_hash(domain, Cl.uint(1))


REFUSED = [
    ("", "empty"),
    ("01" + "00" * 15, "truncated_uint"),
    ("0100000000000000000000000000000001" + "00", "trailing"),
    ("0f", "unknown_type"),
    ("0200000005aabb", "buffer_past_end"),
    ("0d00000001ff", "non_ascii"),
    ("0d0000000107", "control_in_ascii"),
    ("0e00000002c328", "bad_utf8"),
    ("0e00000003eda080", "surrogate_utf8"),
    ("0c00000000", "empty_tuple"),
    ("0c00000002016203016109", "unsorted_keys"),
    ("0c000000020161030161 04".replace(" ", ""), "duplicate_keys"),
    ("0c00000001013103", "key_starts_with_digit"),
    ("0c0000000100" + "03", "empty_key"),
    ("0c00000001" + "81" + "61" * 129 + "03", "key_too_long"),
    ("05" + "20" + "00" * 20, "principal_version"),
    ("06" + "16" + "00" * 20 + "02" + "2e61", "contract_name"),
    ("0bffffffff", "list_count_past_end"),
    ("0a" * (MAX_DEPTH + 1) + "09", "too_deep"),
    ("02" + (2 * 1024 * 1024).to_bytes(4, "big").hex(), "buffer_too_large"),
    ("zz", "not_hex"),
]


@pytest.mark.parametrize("hex_", [pytest.param(h, id=why) for h, why in REFUSED])
def test_deserialize_refuses(hex_: str) -> None:
    with pytest.raises(MalformedClarityValueError) as info:
        deserialize(hex_)
    assert info.value.code == "malformed_clarity_value"


def test_depth_cap_is_exact() -> None:
    ok = "0a" * MAX_DEPTH + "09"
    assert deserialize(ok) is not None


@pytest.mark.parametrize(
    "build",
    [
        lambda: Cl.uint(-1),
        lambda: Cl.uint(2**128),
        lambda: Cl.int(2**127),
        lambda: Cl.int(True),
        lambda: Cl.string_ascii("é"),
        lambda: Cl.string_utf8("\ud800"),
        lambda: Cl.tuple({}),
        lambda: Cl.tuple({"1a": Cl.none()}),
        lambda: Cl.principal("SPnope"),
        lambda: Cl.principal(MAINNET + ".bad name"),
        lambda: Cl.buffer_from_hex("abc"),
        lambda: Cl.some(1),  # type: ignore[arg-type]
    ],
)
def test_constructors_refuse_impossible_values(build: object) -> None:
    with pytest.raises(InvalidArgumentError):
        build()  # type: ignore[operator]


def test_values_compare_by_value() -> None:
    assert Cl.tuple({"a": Cl.uint(1), "b": Cl.none()}) == Cl.tuple(
        {"b": Cl.none(), "a": Cl.uint(1)}
    )
    assert serialize(Cl.uint(1)) != serialize(Cl.int(1))
    values: list[ClarityValue] = [Cl.uint(1), Cl.int(1)]
    assert values[0] != values[1]
    assert Cl.bool(True) != Cl.bool(False)
    assert hash(Cl.list([Cl.uint(1)])) == hash(ListCV((Cl.uint(1),)))
    assert Cl.principal(MAINNET).address == MAINNET
    assert Cl.principal(MAINNET.lower()).address == MAINNET


_names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_!?+<>=/*-]{0,10}", fullmatch=True)
_leaves = st.one_of(
    st.integers(-(2**127), 2**127 - 1).map(Cl.int),
    st.integers(0, 2**128 - 1).map(Cl.uint),
    st.booleans().map(Cl.bool),
    st.binary(max_size=40).map(Cl.buffer),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20).map(
        Cl.string_ascii
    ),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20).map(Cl.string_utf8),
    st.just(Cl.none()),
    st.sampled_from([MAINNET, MAINNET + ".a-contract"]).map(Cl.principal),
)
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        inner.map(Cl.some),
        inner.map(Cl.ok),
        inner.map(Cl.error),
        st.lists(inner, max_size=4).map(Cl.list),
        st.dictionaries(_names, inner, min_size=1, max_size=4).map(Cl.tuple),
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_values)
def test_round_trip(value: ClarityValue) -> None:
    data = serialize(value)
    assert deserialize(data) == value
    assert serialize(deserialize(data)) == data
    js = serialize(value, key_order="stacks.js")
    assert deserialize(js, key_order="stacks.js") == value


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_deserialize_any_bytes(data: bytes) -> None:
    try:
        value = deserialize(data)
    except MalformedClarityValueError:
        return
    assert serialize(value) == data  # strict: only canonical bytes parse
