"""`examples/django_app` started as the README says (``manage.py migrate``, then ``runserver
HOST:PORT --noreload`` in a scratch working directory), then both flows over real HTTP, with
the page's csrftoken cookie sent back as X-CSRFToken as the front end does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

pytest.importorskip("django")

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "examples" / "django_app" / "manage.py"


@pytest.fixture
def example(tmp_path: Path) -> Iterator[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("AUTH_DOMAIN", "AUTH_URI", "AUTH_NONCE_STORE", "AUTH_DEV_PROVIDER"):
        env.pop(name, None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, str(MANAGE), "migrate"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with running_server(
        lambda port: [sys.executable, str(MANAGE), "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=tmp_path,
        log=lambda _: tmp_path / "server.log",
        health="/healthz",
        env=env,
        timeout=30,
    ) as (base, _):
        yield base
    assert (tmp_path / "authtokens-django.sqlite3").exists()


class CsrfClient(httpx.Client):
    """Sends the csrftoken cookie back as X-CSRFToken, as the example's front end does."""

    def post(self, url: Any, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        token = self.cookies.get("csrftoken")
        if token:
            headers["X-CSRFToken"] = token
        return super().post(url, headers=headers, **kw)


def test_example_siws_over_http(example: str) -> None:
    host = example.removeprefix("http://")
    with CsrfClient(base_url=example) as browser:
        home = browser.get("/")
        assert 'id="siws-button"' in home.text
        assert "csrftoken" in browser.cookies
        answer = siws_sign_in(browser, origin=example, domain=host, uri=example)
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        assert browser.get("/auth/session").json()["user"]["address"] == ADDRESS
        user = re.search(r'<dl id="user"[^>]*>(.*?)</dl>', browser.get("/").text)
        assert user is not None
        assert ADDRESS in user.group(1)
        check_logout_revokes(browser, example, "sessionid", token)


def test_example_legacy_flow_over_http(example: str) -> None:
    account = wallet_account()
    with CsrfClient(base_url=example) as browser:
        browser.get("/")
        start = browser.get("/auth/stacks/login", params={"next": "/"})
        assert start.status_code == 303
        response = answer_auth_request(start.headers["location"], account)
        back = browser.get("/auth/stacks/callback", params={"authResponse": response})
        assert back.status_code == 303, back.text
        user = browser.get("/auth/session").json()["user"]
        assert user["did"] == "did:btc-addr:" + account.identity_address
        assert account.identity_address in browser.get("/").text


@needs_reference
def test_example_signs_in_what_the_reference_signed(example: str) -> None:
    """Done-when of issue 12, on Django: reference-signed SIWS and a wallet-sdk 7
    authResponse sign in; logout ends cookie and bearer."""
    host = example.removeprefix("http://")
    with CsrfClient(base_url=example) as browser:
        browser.get("/")
        answer = reference_siws_sign_in(browser, origin=example, domain=host, uri=example)
        assert answer.status_code == 200, answer.text
        token = answer.json()["token"]
        assert browser.get("/auth/session").json()["user"]["address"] == ADDRESS
        check_logout_revokes(browser, example, "sessionid", token)
    account = wallet_account()
    with CsrfClient(base_url=example) as browser:
        browser.get("/")
        start = browser.get("/auth/stacks/login")
        response = reference_auth_response(start.headers["location"])
        back = browser.get("/auth/stacks/callback", params={"authResponse": response})
        assert back.status_code == 303, back.text
        user = browser.get("/auth/session").json()["user"]
        assert user["did"] == "did:btc-addr:" + account.identity_address
