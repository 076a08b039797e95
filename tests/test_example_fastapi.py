"""`examples/fastapi_app.py` started as a newcomer starts it (a subprocess, a free port, state in
its working directory), then both sign-in flows over real HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest
from integration_helpers import (
    ADDRESS,
    answer_auth_request,
    check_logout_revokes,
    needs_reference,
    reference_auth_response,
    reference_siws_sign_in,
    siws_sign_in,
    wallet_account,
)
from server_helpers import running_server

ROOT = Path(__file__).resolve().parent.parent


def running(
    argv: Callable[[int], list[str]], workdir: Path, health: str, env: dict[str, str]
) -> AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    """A process of ours on a free port of 127.0.0.1, until the block ends."""
    log = workdir / f"{Path(argv(0)[1]).stem}.log"
    return running_server(argv, cwd=workdir, log=lambda _: log, health=health, env=env)


def start_example(
    workdir: Path, authenticator: str
) -> AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("AUTH_DOMAIN", "AUTH_URI", "AUTH_STORE", "AUTH_DEV_PROVIDER"):
        env.pop(name, None)
    env["AUTH_AUTHENTICATOR"] = authenticator
    script = str(ROOT / "examples" / "fastapi_app.py")

    def argv(port: int) -> list[str]:
        return [sys.executable, script, "--host", "127.0.0.1", "--port", str(port)]

    return running(argv, workdir, "/healthz", env)


@pytest.fixture
def example(tmp_path: Path) -> Iterator[str]:
    with start_example(tmp_path, "http://127.0.0.1:8800/auth") as (base, _):
        yield base
    assert (tmp_path / "authtokens-fastapi.db").exists()  # state on disk, in the cwd


def test_example_siws_over_http(example: str) -> None:
    host = example.removeprefix("http://")
    with httpx.Client(base_url=example) as browser:
        home = browser.get("/")
        assert 'id="siws-button"' in home.text
        assert 'id="logout-button"' in home.text
        assert 'id="auth-status"' in home.text
        assert 'src="/static/signin.js"' in home.text
        assert 'data-signed-in="false"' in home.text
        answer = siws_sign_in(browser, origin=example, domain=host, uri=example)
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        assert browser.get("/auth/session").json()["user"]["address"] == ADDRESS
        home = browser.get("/")
        user = re.search(r'<dl id="user"[^>]*>(.*?)</dl>', home.text)
        assert user is not None
        assert ADDRESS in user.group(1)
        check_logout_revokes(browser, example, "authtokens_session", token)


def test_example_refuses_another_domain(example: str) -> None:
    with httpx.Client(base_url=example) as browser:
        answer = siws_sign_in(browser, origin=example, domain="evil.example", uri=example)
        assert (answer.status_code, answer.json()) == (401, {"error": "domain_mismatch"})


def test_example_legacy_flow_over_http(example: str) -> None:
    account = wallet_account()
    with httpx.Client(base_url=example) as browser:
        start = browser.get("/auth/stacks/login", params={"next": "/"})
        assert start.status_code == 303
        location = start.headers["location"]
        assert location.startswith("http://127.0.0.1:8800/auth?authRequest=")
        response = answer_auth_request(location, account)
        back = browser.get("/auth/stacks/callback", params={"authResponse": response})
        assert back.status_code == 303, back.text
        assert back.headers["location"] == "/"
        user = browser.get("/auth/session").json()["user"]
        assert user["did"] == "did:btc-addr:" + account.identity_address
        assert user["stxAddress"] == account.stx_address(testnet=False)
        assert account.identity_address in browser.get("/").text
        assert browser.post("/auth/logout", headers={"origin": example}).status_code == 200
        assert browser.get("/auth/session").status_code == 401


@needs_reference
def test_example_signs_in_what_the_reference_signed(example: str) -> None:
    """Done-when of issue 12: a SIWS message signed by @stacks/transactions and an
    authResponse made by @stacks/wallet-sdk 7 sign in; logout ends cookie and bearer."""
    host = example.removeprefix("http://")
    with httpx.Client(base_url=example) as browser:
        answer = reference_siws_sign_in(browser, origin=example, domain=host, uri=example)
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        assert browser.get("/auth/session").json()["user"]["address"] == ADDRESS
        check_logout_revokes(browser, example, "authtokens_session", token)
    account = wallet_account()
    with httpx.Client(base_url=example) as browser:
        start = browser.get("/auth/stacks/login")
        response = reference_auth_response(start.headers["location"])
        back = browser.get("/auth/stacks/callback", params={"authResponse": response})
        assert back.status_code == 303, back.text
        user = browser.get("/auth/session").json()["user"]
        assert user["did"] == "did:btc-addr:" + account.identity_address
        assert user["stxAddress"] == account.stx_address(testnet=False)


def test_example_with_the_dev_wallet(tmp_path: Path) -> None:
    """The legacy link, followed through `authtokens wallet --auto-approve` and back."""

    def argv(port: int) -> list[str]:
        argv = [sys.executable, "-m", "authtokens", "wallet", "--auto-approve"]
        return [*argv, "--port", str(port), "--key-file", str(tmp_path / "wallet.json")]

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (
        running(argv, tmp_path, "/provider.js", env) as (wallet, _),
        start_example(tmp_path, wallet + "/auth") as (base, _),
        httpx.Client(base_url=base, follow_redirects=True) as browser,
    ):
        home = browser.get("/auth/stacks/login", params={"next": "/"})
        assert home.status_code == 200
        assert [str(r.url).split("?")[0] for r in home.history] == [
            base + "/auth/stacks/login",
            wallet + "/auth",
            base + "/auth/stacks/callback",
        ]
        user = browser.get("/auth/session").json()["user"]
        assert user["method"] == "legacy"
        assert user["identityAddress"] in home.text  # the page shows who signed in


def test_example_page_escapes_what_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The profile's STX address is the wallet's claim: whatever it holds is shown as text."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "fastapi_example", ROOT / "examples" / "fastapi_app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from authtokens.integrations import AuthConfig, Session

    hostile = '"><img src=x onerror=alert(1)>'
    session = Session(
        id="s",
        user_id="u",
        method="legacy",
        account_id="did:btc-addr:1X",
        address="1X",
        chain_id=None,
        created_at=0,
        expires_at=1,
        identity_address="1X",
        did="did:btc-addr:1X",
        stx_address=hostile,
    )
    monkeypatch.setenv(
        "AUTH_DEV_PROVIDER", 'http://127.0.0.1:8800/provider.js"><script>x()</script>'
    )
    page = module.page(AuthConfig(domain="a.example.com", uri="http://a.example.com"), session)
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>x()" not in page
    assert 'src="http://127.0.0.1:8800/provider.js&quot;&gt;&lt;script&gt;' in page
