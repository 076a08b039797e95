"""Scenario 3: the Textile-style WebSocket challenge from a browser page, WebCrypto Ed25519."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from server_helpers import URI, server_process
from sites import static_site

from authtokens.server.session import verify_session_token

PAGES = Path(__file__).parent / "pages"


def test_websocket_challenge_signed_by_webcrypto_ed25519(page: Page, tmp_path: Path) -> None:
    with (
        static_site(PAGES) as origin,
        server_process("memory", tmp_path, "--allowed-origin", origin) as base,
    ):
        ws = base.replace("http://", "ws://")
        page.goto(f"{origin}/ws_challenge.html?server={ws}")
        page.click("#sign-in")
        expect(page.locator("#status")).to_have_text(re.compile("^signed in as "), timeout=15_000)
        status = page.locator("#status").inner_text()
        token = page.locator("#token").inner_text()
        jwks = httpx.get(base + "/.well-known/jwks.json").json()

    pubkey = status.removeprefix("signed in as ")
    claims = verify_session_token(token, jwks, issuer=URI, audience=URI)
    assert claims.sub == "ed25519:" + pubkey


def test_websocket_challenge_from_a_foreign_origin_is_refused(page: Page, tmp_path: Path) -> None:
    # The page's origin is not on the allowlist: the server refuses the socket, the page never
    # gets a challenge to sign.
    with static_site(PAGES) as origin, server_process("memory", tmp_path) as base:
        ws = base.replace("http://", "ws://")
        page.goto(f"{origin}/ws_challenge.html?server={ws}")
        page.click("#sign-in")
        expect(page.locator("#status")).to_have_text("error: socket", timeout=15_000)
        assert page.locator("#token").inner_text() == ""
