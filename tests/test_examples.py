"""The runnable examples: the demo, the dapp backend driven by the wallet example."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from protocol_helpers import APP_KEY, MNEMONIC

from authtokens import Wallet
from authtokens.errors import InvalidTokenError
from authtokens.urls import auth_request_from_url

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
APP_ORIGIN = "http://localhost:5000"
WALLET_URL = "http://localhost:8888/auth"
IDENTITY_ADDRESS = "1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def wallet_example() -> ModuleType:
    return _load("wallet")


@pytest.fixture(scope="module")
def backend() -> ModuleType:
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    return _load("dapp_backend")


def test_demo_runs_and_exits_0() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo.py")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "same app key on both sides: yes" in result.stdout
    assert "tampered response: refused, bad_signature" in result.stdout
    assert "OK: the round trip works" in result.stdout
    assert APP_KEY not in result.stdout  # only public keys are shown


def test_full_round_trip_through_the_backend_and_the_wallet(
    backend: ModuleType, wallet_example: ModuleType
) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(backend.create_app(APP_ORIGIN, WALLET_URL), base_url=APP_ORIGIN)
    login = client.get("/login", follow_redirects=False)
    assert login.status_code == 303
    location = login.headers["location"]
    assert location.startswith(WALLET_URL + "?authRequest=")
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie

    # The wallet side, with the example's own functions.
    request = wallet_example.review(location)
    assert request.redirect_uri == APP_ORIGIN + "/callback"
    shown = "\n".join(wallet_example.describe(request))
    assert "Example dapp wants you to sign in" in shown
    assert "Read and write data" in shown
    account = Wallet.from_mnemonic(MNEMONIC).account(0)
    callback_url = wallet_example.answer(request, account)
    assert callback_url.startswith(APP_ORIGIN + "/callback?authResponse=")

    parts = urlsplit(callback_url)
    answer = client.get(f"{parts.path}?{parts.query}")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "identity_address": IDENTITY_ADDRESS,
        "decentralized_id": f"did:btc-addr:{IDENTITY_ADDRESS}",
        "hub_url": "https://hub.blockstack.org",
    }
    assert account.app_private_key(APP_ORIGIN) not in answer.text

    # The state is single-use: the same callback again finds no pending sign-in.
    again = client.get(f"{parts.path}?{parts.query}")
    assert again.status_code == 400
    assert again.json() == {"error": "no_sign_in_pending"}


def test_callback_without_login_is_refused(backend: ModuleType) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(backend.create_app(APP_ORIGIN, WALLET_URL), base_url=APP_ORIGIN)
    response = client.get("/callback?authResponse=abc")
    assert response.status_code == 400
    assert response.json() == {"error": "no_sign_in_pending"}


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 400, "malformed"),
        ("authResponse=a&authResponse=b", 400, "malformed"),
        ("authResponse=not.a.token", 400, "malformed"),
    ],
)
def test_malformed_callbacks_are_400(
    backend: ModuleType, query: str, status: int, code: str
) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(backend.create_app(APP_ORIGIN, WALLET_URL), base_url=APP_ORIGIN)
    client.get("/login", follow_redirects=False)
    response = client.get(f"/callback?{query}")
    assert response.status_code == status
    assert response.json() == {"error": code}


def test_an_answer_to_another_sign_in_is_refused(
    backend: ModuleType, wallet_example: ModuleType
) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(backend.create_app(APP_ORIGIN, WALLET_URL), base_url=APP_ORIGIN)
    first = client.get("/login", follow_redirects=False).headers["location"]
    client.get("/login", follow_redirects=False)  # a second sign-in replaces the cookie
    account = Wallet.from_mnemonic(MNEMONIC).account(0)
    stale = wallet_example.answer(wallet_example.review(first), account)
    parts = urlsplit(stale)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 401
    assert response.json()["error"] in ("request_mismatch", "decryption_failed")


def test_wallet_review_refuses_a_tampered_request(wallet_example: ModuleType) -> None:
    from authtokens import generate_transit_key, make_auth_request

    token = make_auth_request(generate_transit_key(), app_domain=APP_ORIGIN)
    head, payload, signature = token.split(".")
    with pytest.raises(InvalidTokenError):
        wallet_example.review(f"{head}.{payload}.{signature[::-1]}")
    assert auth_request_from_url(f"?authRequest={token}") == token


def test_wallet_example_command_line(
    wallet_example: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from authtokens import generate_transit_key, make_auth_request

    token = make_auth_request(generate_transit_key(), app_domain=APP_ORIGIN)
    monkeypatch.setattr(sys, "stdin", io.StringIO(MNEMONIC))
    assert wallet_example.main([f"{WALLET_URL}?authRequest={token}"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(APP_ORIGIN + "/?authResponse=")
    assert f"{APP_ORIGIN} wants you to sign in" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("not a mnemonic"))
    assert wallet_example.main([token]) == 2
    assert wallet_example.main(["garbage"]) == 1
