"""Sign-in in a real browser: the FastAPI example, the dev wallet and the real @stacks/connect 8.

Scenario 1, the legacy flow: the example's authenticator link, the dev wallet's consent page,
approve (or deny), back in the dapp signed in; a tampered request shown as an error page.
Scenario 2, Connect 8: "Sign in with Stacks", Connect's own wallet picker, getAddresses, the SIWS
message, stx_signMessage through the dev wallet's provider script, the backend's verify; a
message naming another domain refused. Scenario 4: logout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect
from sites import Apps, example_with_wallet

from authtokens import jwt
from authtokens.encoding import b64url_encode

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "examples" / "frontend" / "dist" / "signin.js"
TIMEOUT = 20_000


@pytest.fixture(autouse=True)
def _bundle_built() -> None:
    if not BUNDLE.exists():
        pytest.skip("the Connect 8 front end is not built: run make frontend")


@pytest.fixture
def consenting(tmp_path: Path) -> Iterator[Apps]:
    """The dev wallet asks before it answers (consent page, popups)."""
    with example_with_wallet(tmp_path) as apps:
        yield apps


@pytest.fixture
def auto(tmp_path: Path) -> Iterator[Apps]:
    """The dev wallet in test mode: every valid request answered at once."""
    with example_with_wallet(tmp_path, "--auto-approve") as apps:
        yield apps


def signed_in(page: Page, method: str) -> str:
    """Wait until the dapp's own page (server-rendered) shows a user; return the address."""
    user = page.locator("#user")
    expect(user).to_have_attribute("data-signed-in", "true", timeout=TIMEOUT)
    expect(user).to_contain_text(method)
    return user.locator("dd").first.inner_text()


# --- scenario 1: the legacy authenticator flow --------------------------------------------------


def test_legacy_flow_consent_and_approve(page: Page, consenting: Apps) -> None:
    page.goto(consenting.app + "/")
    page.click("#legacy-link")
    # The dev wallet's consent page: the app's origin, its scopes in words, an account picker.
    page.wait_for_url(consenting.wallet + "/auth?*", timeout=TIMEOUT)
    expect(page.locator("body")).to_contain_text(consenting.app)
    expect(page.locator("#account")).to_be_visible()
    page.select_option("#account", "1")
    page.click("#approve")
    page.wait_for_url(consenting.app + "/", timeout=TIMEOUT)
    identity = signed_in(page, "legacy")
    expect(page.locator("#user")).to_contain_text("did:btc-addr:" + identity)
    session = page.request.get(consenting.app + "/auth/session")
    assert session.ok
    assert session.json()["user"]["method"] == "legacy"


def test_legacy_flow_deny_leaves_the_user_signed_out(page: Page, consenting: Apps) -> None:
    page.goto(consenting.app + "/")
    page.click("#legacy-link")
    page.wait_for_url(consenting.wallet + "/auth?*", timeout=TIMEOUT)
    page.click("#deny")
    # Back on the dapp with no authResponse: nobody is signed in.
    page.wait_for_url(re.compile(re.escape(consenting.app) + r"/.*"), timeout=TIMEOUT)
    assert page.request.get(consenting.app + "/auth/session").status == 401
    page.goto(consenting.app + "/")
    expect(page.locator("#user")).to_have_attribute("data-signed-in", "false")


def test_legacy_flow_tampered_request_shows_every_failed_check(
    page: Page, consenting: Apps
) -> None:
    # The authRequest the dapp makes, with one claim changed after signing.
    login = httpx.get(consenting.app + "/auth/stacks/login", follow_redirects=False)
    token = parse_qs(urlsplit(login.headers["location"]).query)["authRequest"][0]
    decoded = jwt.decode(token)
    payload = {**decoded.payload, "redirect_uri": "https://evil.example/"}
    header, _, signature = token.split(".")
    tampered = ".".join([header, b64url_encode(json.dumps(payload).encode()), signature])
    response = page.goto(f"{consenting.wallet}/auth?authRequest={tampered}")
    assert response is not None
    assert response.status == 400
    checks = page.locator("#checks")
    expect(checks).to_contain_text("signature")
    expect(checks).to_contain_text("redirect")
    expect(page.locator("#approve")).to_have_count(0)


# --- scenario 2: Sign in with Stacks on @stacks/connect 8 ---------------------------------------


def pick_dev_wallet(page: Page) -> None:
    """Connect 8's own wallet picker lists the provider the dev wallet's script registered."""
    modal = page.locator("connect-modal")
    entry = modal.locator("li, div").filter(has_text="authtokens dev wallet").last
    expect(entry).to_be_visible(timeout=TIMEOUT)
    modal.get_by_role("button", name="Connect").first.click()


def test_connect8_sign_in_with_stacks(page: Page, auto: Apps) -> None:
    page.goto(auto.app + "/")
    page.click("#siws-button")
    pick_dev_wallet(page)
    status = page.locator("#auth-status")
    expect(status).to_have_attribute("data-state", "signed-in", timeout=TIMEOUT)
    shown = status.inner_text().removeprefix("signed in as ")
    assert re.fullmatch(r"SP[0-9A-Z]{38,39}", shown), shown
    page.reload()
    assert signed_in(page, "siws") == shown
    session = page.request.get(auto.app + "/auth/session").json()["user"]
    assert session["address"] == shown
    assert session["accountId"] == "stacks:1:" + shown


def test_connect8_with_consent_popup(page: Page, consenting: Apps) -> None:
    page.goto(consenting.app + "/")
    page.click("#siws-button")
    with page.expect_popup(timeout=TIMEOUT) as first:
        pick_dev_wallet(page)
    first.value.click("#approve")  # getAddresses
    with page.expect_popup(timeout=TIMEOUT) as second:
        pass
    popup = second.value
    # The wallet shows the message it is asked to sign, and no domain warning for this site.
    expect(popup.locator("body")).to_contain_text("wants you to sign in with your Stacks account")
    expect(popup.locator("body")).not_to_contain_text("domain_mismatch")
    popup.click("#approve")
    expect(page.locator("#auth-status")).to_have_attribute(
        "data-state", "signed-in", timeout=TIMEOUT
    )


def test_connect8_message_for_another_domain_is_refused(page: Page, auto: Apps) -> None:
    page.goto(auto.app + "/")
    # The page signs a message naming another site (what a phishing page would relay).
    page.evaluate(
        """() => {
            window.outcome = window.authtokens
                .signInWithStacks({ domain: "evil.example" })
                .then(() => "accepted", (error) => error.code || String(error));
        }"""
    )
    pick_dev_wallet(page)
    outcome = page.evaluate("() => window.outcome")
    assert outcome == "domain_mismatch"
    assert page.request.get(auto.app + "/auth/session").status == 401


# --- scenario 4: logout ---------------------------------------------------------------------------


def test_logout_ends_the_session(page: Page, auto: Apps) -> None:
    page.goto(auto.app + "/")
    page.click("#siws-button")
    pick_dev_wallet(page)
    expect(page.locator("#auth-status")).to_have_attribute(
        "data-state", "signed-in", timeout=TIMEOUT
    )
    assert page.request.get(auto.app + "/auth/session").ok
    page.click("#logout-button")
    page.wait_for_load_state()
    expect(page.locator("#user")).to_have_attribute("data-signed-in", "false", timeout=TIMEOUT)
    assert page.request.get(auto.app + "/auth/session").status == 401
