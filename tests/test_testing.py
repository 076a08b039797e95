"""authtokens.testing.TestWallet: accounts, the legacy answer, SIP-030, misbehaviour."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

import pytest

from authtokens import decode_auth_response, generate_transit_key, make_auth_request
from authtokens.bip39 import validate_mnemonic
from authtokens.clarity import Cl, serialize_hex
from authtokens.errors import (
    DecryptionError,
    ExpiredTokenError,
    InvalidArgumentError,
    InvalidMnemonicError,
    InvalidSignatureError,
    InvalidTokenError,
    RedirectOriginError,
    UnsupportedMethodError,
)
from authtokens.stacks_messages import verify_message_signature, verify_structured_data
from authtokens.testing import TEST_MNEMONIC, AuthAnswer, Misbehaviour, TestWallet
from authtokens.urls import auth_request_url, auth_response_from_url
from authtokens.wallet import Wallet

APP = "https://app.example.com"


def _request(transit: str, **kwargs: object) -> str:
    return make_auth_request(transit, app_domain=APP, **kwargs)  # type: ignore[arg-type]


def test_test_mnemonic_is_clarinets_devnet_deployer() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    assert wallet.stx_address(0, network="testnet") == "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"


def test_fresh_wallet_has_a_valid_random_mnemonic() -> None:
    one, two = TestWallet(), TestWallet()
    assert validate_mnemonic(one.mnemonic) == one.mnemonic
    assert len(one.mnemonic.split()) == 24
    assert one.mnemonic != two.mnemonic
    assert one.mnemonic not in repr(one)


def test_accounts_are_wallet_sdks() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    reference = Wallet.from_mnemonic(TEST_MNEMONIC).account(3)
    assert wallet.account(3) == reference
    assert wallet.account(3) is wallet.account(3)


def test_invalid_mnemonic_and_options_are_refused() -> None:
    with pytest.raises(InvalidMnemonicError):
        TestWallet.from_mnemonic("abandon " * 11 + "abandon")
    with pytest.raises(InvalidArgumentError):
        TestWallet(network="moonnet")
    with pytest.raises(InvalidArgumentError):
        TestWallet(misbehave="expired")  # type: ignore[arg-type]


def test_not_collected_as_a_test_class() -> None:
    assert TestWallet.__test__ is False


def test_answer_auth_request_signs_the_user_in() -> None:
    transit = generate_transit_key()
    token = _request(transit, redirect_uri=APP + "/callback?x=1")
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    answer = wallet.answer_auth_request(token, account=1)
    assert isinstance(answer, AuthAnswer)
    assert answer.redirect_url.startswith(APP + "/callback?x=1&authResponse=")
    assert auth_response_from_url(answer.redirect_url) == answer.token
    user = decode_auth_response(answer.token, transit)
    account = wallet.account(1)
    assert user.app_private_key == account.app_private_key(APP) == answer.app_private_key
    assert user.identity_address == account.identity_address
    assert user.profile is not None
    assert user.profile["stxAddress"]["mainnet"] == account.stx_mainnet_address


def test_answer_accepts_the_authenticator_url() -> None:
    transit = generate_transit_key()
    url = auth_request_url("http://127.0.0.1:8999/auth", _request(transit))
    answer = TestWallet().answer_auth_request(url)
    assert decode_auth_response(answer.token, transit).app_private_key == answer.app_private_key


def test_a_bad_request_is_refused_as_a_wallet_refuses() -> None:
    transit = generate_transit_key()
    token = _request(transit, now=time.time() - 7200, expires_at=time.time() - 3600)
    with pytest.raises(ExpiredTokenError):
        TestWallet().answer_auth_request(token)


def test_a_request_with_a_foreign_redirect_is_refused() -> None:
    from authtokens import jwt

    transit = generate_transit_key()
    payload = jwt.decode(_request(transit)).payload
    payload["redirect_uri"] = "https://evil.example/"
    with pytest.raises(RedirectOriginError):
        TestWallet().answer_auth_request(jwt.sign(payload, transit))


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Misbehaviour.WRONG_KEY, InvalidSignatureError),
        (Misbehaviour.TAMPERED, InvalidSignatureError),
        (Misbehaviour.EXPIRED, ExpiredTokenError),
        (Misbehaviour.WRONG_TRANSIT_KEY, DecryptionError),
    ],
)
def test_misbehaving_answers_are_refused_by_the_app(
    fault: Misbehaviour, error: type[Exception]
) -> None:
    transit = generate_transit_key()
    token = _request(transit)
    per_call = TestWallet().answer_auth_request(token, misbehave=fault)
    on_wallet = TestWallet(misbehave=fault).answer_auth_request(token)
    for answer in (per_call, on_wallet):
        assert answer.misbehaviour is fault
        with pytest.raises(error):
            decode_auth_response(answer.token, transit)


def test_wrong_domain_gives_the_app_another_key() -> None:
    transit = generate_transit_key()
    wallet = TestWallet()
    answer = wallet.answer_auth_request(_request(transit), misbehave=Misbehaviour.WRONG_DOMAIN)
    user = decode_auth_response(answer.token, transit)
    assert user.app_private_key == answer.app_private_key
    assert user.app_private_key != wallet.account(0).app_private_key(APP)


def test_a_misbehaviour_that_does_not_apply_is_refused_per_call() -> None:
    with pytest.raises(InvalidArgumentError, match="does not apply"):
        TestWallet().answer_auth_request(
            _request(generate_transit_key()), misbehave=Misbehaviour.WRONG_NONCE
        )
    with pytest.raises(InvalidArgumentError, match="does not apply"):
        TestWallet().request("getAddresses", misbehave=Misbehaviour.WRONG_KEY)


def test_get_addresses_has_leathers_shape() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC, misbehave=Misbehaviour.WRONG_KEY)
    account = wallet.account(2)
    assert wallet.request("getAddresses", account=2) == {
        "addresses": [
            {
                "symbol": "STX",
                "address": account.stx_mainnet_address,
                "publicKey": account.stx_public_key,
            }
        ]
    }
    testnet = wallet.request("stx_getAddresses", {"network": "testnet"})
    assert testnet["addresses"][0]["address"] == "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"
    assert TestWallet(network="devnet").request("getAddresses")["addresses"][0]["address"][:2] == (
        "ST"
    )


def test_unknown_methods_and_bad_params_are_usage_errors() -> None:
    wallet = TestWallet()
    with pytest.raises(UnsupportedMethodError):
        wallet.request("stx_transferStx", {"amount": "1"})
    with pytest.raises(InvalidArgumentError):
        wallet.request("getAddresses", {"network": "moonnet"})
    with pytest.raises(InvalidArgumentError):
        wallet.request("getAddresses", ["mainnet"])  # type: ignore[arg-type]


def test_importing_authtokens_testing_does_not_import_pytest() -> None:
    code = "import sys, authtokens.testing; print('pytest' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


# --- SIP-030 signing --------------------------------------------------------------------

DOMAIN = Cl.tuple(
    {
        "name": Cl.string_ascii("Example App"),
        "version": Cl.string_ascii("1.0.0"),
        "chain-id": Cl.uint(1),
    }
)
MESSAGE = Cl.tuple({"action": Cl.string_ascii("sign-in"), "nonce": Cl.string_ascii("foobarbaz1")})


def test_sign_message_answers_rsv_and_public_key_that_verify() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    account = wallet.account(1)
    answer = wallet.request("stx_signMessage", {"message": "Hello, World!"}, account=1)
    assert set(answer) == {"signature", "publicKey"}
    assert re.fullmatch(r"[0-9a-f]{130}", answer["signature"])
    assert answer["signature"][128:] in ("00", "01")
    assert answer["publicKey"] == account.stx_public_key
    signer = verify_message_signature(
        "Hello, World!", answer["signature"], address=account.stx_mainnet_address
    )
    assert signer == account.stx_public_key


def test_sign_structured_message_takes_connects_hex() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    account = wallet.account(0)
    params = {"domain": serialize_hex(DOMAIN), "message": "0x" + serialize_hex(MESSAGE)}
    answer = wallet.request("stx_signStructuredMessage", params)
    assert answer["publicKey"] == account.stx_public_key
    signer = verify_structured_data(
        answer["signature"], domain=DOMAIN, message=MESSAGE, address=account.stx_mainnet_address
    )
    assert signer == account.stx_public_key
    # Leather's stx_signMessage with messageType "structured" answers the same.
    same = wallet.request("stx_signMessage", {**params, "messageType": "structured"})
    assert same == answer
    assert wallet.request("stx_signStructuredMessage", {"domain": DOMAIN, "message": MESSAGE}) == (
        answer
    )


@pytest.mark.parametrize("fault", [Misbehaviour.WRONG_KEY, Misbehaviour.TAMPERED])
def test_misbehaving_message_signatures_do_not_verify(fault: Misbehaviour) -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    address = wallet.stx_address(0)
    answer = wallet.request("stx_signMessage", {"message": "hi"}, misbehave=fault)
    assert answer["publicKey"] == wallet.account(0).stx_public_key
    with pytest.raises(InvalidTokenError):
        verify_message_signature("hi", answer["signature"], address=address)
    params = {"domain": serialize_hex(DOMAIN), "message": serialize_hex(MESSAGE)}
    structured = TestWallet(TEST_MNEMONIC, misbehave=fault).request(
        "stx_signStructuredMessage", params
    )
    with pytest.raises(InvalidTokenError):
        verify_structured_data(
            structured["signature"], domain=DOMAIN, message=MESSAGE, address=address
        )


def test_wrong_domain_structured_signature_fails_under_the_apps_domain() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    params = {"domain": serialize_hex(DOMAIN), "message": serialize_hex(MESSAGE)}
    answer = wallet.request(
        "stx_signStructuredMessage", params, misbehave=Misbehaviour.WRONG_DOMAIN
    )
    with pytest.raises(InvalidTokenError):
        verify_structured_data(
            answer["signature"], domain=DOMAIN, message=MESSAGE, public_key=answer["publicKey"]
        )
    with pytest.raises(InvalidArgumentError, match="does not apply"):
        wallet.request("stx_signMessage", {"message": "x"}, misbehave=Misbehaviour.WRONG_DOMAIN)


def test_bad_signing_params_are_usage_errors() -> None:
    wallet = TestWallet()
    cases: list[tuple[str, dict[str, Any]]] = [
        ("stx_signMessage", {}),
        ("stx_signMessage", {"message": 5}),
        ("stx_signStructuredMessage", {"domain": "zz", "message": serialize_hex(MESSAGE)}),
        ("stx_signStructuredMessage", {"domain": serialize_hex(MESSAGE), "message": "0c"}),
        (
            "stx_signStructuredMessage",
            {"domain": serialize_hex(MESSAGE), "message": serialize_hex(MESSAGE)},
        ),
    ]
    for method, params in cases:
        with pytest.raises(InvalidArgumentError):
            wallet.request(method, params)
