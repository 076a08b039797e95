"""stx_signMessage digests, RSV/VRS signatures and recovery (spec siws.md §2, §6)."""

from __future__ import annotations

import pytest

from authtokens.addresses import STACKS_TESTNET, stacks_address
from authtokens.errors import (
    AddressMismatchError,
    InvalidAddressError,
    InvalidKeyError,
    InvalidSignatureError,
    PublicKeyMismatchError,
)
from authtokens.keys import CURVE_ORDER
from authtokens.stacks_messages import (
    hash_message,
    recover_public_key,
    sign_message,
    verify_message_signature,
)

# spec siws.md §6
KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801"
PUB = "02215340da140268f8a472af9c2b67952fe0a68337665482dae84886adea0945c1"
MAINNET = "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"
TESTNET = "ST3KC0MTNW34S1ZXD36JYKFD3JJMWA01M55DSJ4JE"
TEXT_A = (
    "example.com wants you to sign in with your Stacks account:\n"
    f"{MAINNET}\n\n\nURI: https://example.com/path\nVersion: 1\nChain ID: 1\n"
    "Nonce: foobarbaz1\nIssued At: 2026-11-30T00:00:00.000Z"
)
HASH_A = "340fea0dcbae436c070f74fbf16a571f95d38bdbae678c1d1a1f07306b89986d"
SIG_A = (
    "d4341c98f792236cb3ddda2ebb73bd36a7d8de2955eb37e75802057d18330a0a"
    "599a8f15440cff65a193a0b1b4bcd8862a542da2d8aff7ad5c048c0d33c775eb00"
)


def _high_s(rsv: str) -> str:
    raw = bytes.fromhex(rsv)
    s = CURVE_ORDER - int.from_bytes(raw[32:64], "big")
    return (raw[:32] + s.to_bytes(32, "big") + bytes((raw[64] ^ 1,))).hex()


def _vrs(rsv: str) -> str:
    return rsv[128:] + rsv[:128]


def test_spec_example_a_digest_and_signature() -> None:
    assert hash_message(TEXT_A).hex() == HASH_A
    assert sign_message(KEY, TEXT_A) == SIG_A
    assert sign_message(KEY[:64], TEXT_A.encode()) == SIG_A


def test_spec_key_addresses() -> None:
    assert stacks_address(PUB) == MAINNET
    assert stacks_address(PUB, STACKS_TESTNET) == TESTNET


@pytest.mark.parametrize("form", ["rsv", "vrs", "high_s", "high_s_vrs"])
def test_signature_forms_verify(form: str) -> None:
    sig = {
        "rsv": SIG_A,
        "vrs": _vrs(SIG_A),
        "high_s": _high_s(SIG_A),
        "high_s_vrs": _vrs(_high_s(SIG_A)),
    }[form]
    assert recover_public_key(TEXT_A, sig) == PUB
    assert verify_message_signature(TEXT_A, sig, address=MAINNET) == PUB
    assert verify_message_signature(TEXT_A, sig, public_key=PUB, address=MAINNET) == PUB
    assert verify_message_signature(TEXT_A, sig.upper()) == PUB


def test_legacy_prefix_only_on_opt_in() -> None:
    legacy = hash_message(TEXT_A, legacy=True)
    assert legacy != hash_message(TEXT_A)
    from authtokens.stacks_messages import sign_digest_rsv

    sig = sign_digest_rsv(KEY, legacy)
    with pytest.raises(AddressMismatchError):
        verify_message_signature(TEXT_A, sig, address=MAINNET)
    with pytest.raises(PublicKeyMismatchError):
        verify_message_signature(TEXT_A, sig, public_key=PUB)
    assert verify_message_signature(TEXT_A, sig, address=MAINNET, legacy_prefix=True) == PUB


def test_wrong_address_and_key() -> None:
    with pytest.raises(AddressMismatchError):
        verify_message_signature(TEXT_A, SIG_A, address=stacks_address("03" + PUB[2:]))
    other = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    with pytest.raises(PublicKeyMismatchError):
        verify_message_signature(TEXT_A, SIG_A, public_key=other)
    with pytest.raises(AddressMismatchError):  # key and address disagree before any check
        verify_message_signature(TEXT_A, SIG_A, public_key=PUB, address=stacks_address(other))


def test_tampered_text_is_not_the_signer() -> None:
    with pytest.raises(AddressMismatchError):
        verify_message_signature(TEXT_A + " ", SIG_A, address=MAINNET)


@pytest.mark.parametrize(
    "sig",
    [
        "",
        "zz" * 65,
        SIG_A[:-2],
        SIG_A + "00",
        SIG_A[:128] + "05",  # recovery id out of range, and first byte 0xd4 is no VRS id
        "00" * 65,
        "00" + "ff" * 64,
    ],
    ids=["empty", "not_hex", "short", "long", "bad_recid", "zeros", "r_s_out_of_range"],
)
def test_malformed_signatures(sig: str) -> None:
    with pytest.raises(InvalidSignatureError) as info:
        verify_message_signature(TEXT_A, sig, address=MAINNET)
    assert info.value.code == "bad_signature"


def test_caller_arguments_are_usage_errors() -> None:
    with pytest.raises(InvalidKeyError):
        verify_message_signature(TEXT_A, SIG_A, public_key="02" * 10)
    with pytest.raises(InvalidAddressError):
        verify_message_signature(TEXT_A, SIG_A, address="SPnot-an-address")
    with pytest.raises(InvalidKeyError):
        sign_message("00" * 32, TEXT_A)


def test_a_signature_over_the_stacksjs_key_order_needs_an_expectation() -> None:
    # Signed over stacks.js' tuple order, the signature also "recovers" to some stranger's key
    # under Clarity's order: with no public_key or address, no key may be named.
    from authtokens.clarity import Cl
    from authtokens.errors import InvalidArgumentError
    from authtokens.stacks_messages import sign_structured_data, verify_structured_data

    domain = Cl.tuple(
        {"name": Cl.string_ascii("App"), "version": Cl.string_ascii("1"), "chain-id": Cl.uint(1)}
    )
    message = Cl.tuple({name: Cl.uint(i) for i, name in enumerate(["a_b", "a-b", "B", "a", "a1"])})
    signature = sign_structured_data(KEY, domain=domain, message=message, key_order="stacks.js")
    with pytest.raises(InvalidArgumentError, match="more than one key"):
        verify_structured_data(signature, domain=domain, message=message)
    assert verify_structured_data(signature, domain=domain, message=message, address=MAINNET) == PUB
    assert verify_structured_data(signature, domain=domain, message=message, public_key=PUB) == PUB


def test_an_rsv_signature_that_also_reads_as_vrs_needs_an_expectation() -> None:
    # About 1 RSV signature in 64 starts with a byte <= 3 and so also reads as VRS.
    from authtokens.errors import InvalidArgumentError

    text = next(
        t for t in (f"message {i}" for i in range(10_000)) if int(sign_message(KEY, t)[:2], 16) <= 3
    )
    signature = sign_message(KEY, text)
    with pytest.raises(InvalidArgumentError, match="more than one key"):
        verify_message_signature(text, signature)
    assert verify_message_signature(text, signature, address=MAINNET) == PUB
    assert recover_public_key(text, signature) == PUB  # RSV first, as wallets sign
