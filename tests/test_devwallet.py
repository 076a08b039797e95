"""authtokens wallet: the dev authenticator's pages and endpoints, through TestClient."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # Starlette 1.x nudges towards httpx2; httpx is what we ship
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from server_helpers import running_server

from authtokens import decode_auth_response, generate_transit_key, jwt, make_auth_request
from authtokens.auth_request import AuthRequest
from authtokens.cli import main
from authtokens.errors import (
    InvalidArgumentError,
    InvalidMnemonicError,
    ManifestFetchError,
    SignInRefusedError,
)
from authtokens.testing import TEST_MNEMONIC, Misbehaviour, TestWallet
from authtokens.testing.devwallet.app import create_app
from authtokens.testing.devwallet.keyfile import load_or_create_keyfile
from authtokens.urls import auth_request_url, auth_response_from_url

APP = "http://localhost:3000"
WALLET = "http://127.0.0.1:8999"


def _client(wallet: TestWallet | None = None, **options: Any) -> TestClient:
    options.setdefault("manifest_loader", None)
    app = create_app(wallet or TestWallet.from_mnemonic(TEST_MNEMONIC), **options)
    return TestClient(app, base_url=WALLET, follow_redirects=False)


def _request(transit: str, **kwargs: Any) -> str:
    return make_auth_request(transit, app_domain=APP, redirect_uri=APP + "/callback", **kwargs)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return html.unescape(found.group(1))


# --- pages ------------------------------------------------------------------------------


def test_index_warns_and_lists_accounts() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    page = _client(wallet).get("/").text
    assert "public test mnemonic" in page
    assert wallet.stx_address(0) in page
    assert wallet.stx_address(2) in page
    assert "/provider.js" in page


def test_a_private_mnemonic_gets_the_milder_warning() -> None:
    page = _client(TestWallet()).get("/").text
    assert "public test mnemonic" not in page
    assert "DEVELOPMENT WALLET" in page


def test_consent_page_shows_app_origin_scopes_and_accounts() -> None:
    token = _request(
        generate_transit_key(),
        scopes=["store_write", "email"],
        app_details={"name": "Pet <b>Shop</b>", "icon": APP + "/icon.png"},
    )
    c = _client()
    response = c.get("/auth", params={"authRequest": token})
    assert response.status_code == 200
    page = response.text
    assert "Pet &lt;b&gt;Shop&lt;/b&gt;" in page
    assert "<b>Shop" not in page
    assert f'src="{APP}/icon.png"' in page
    assert f"<code id=origin>{APP}</code>" in page
    assert "See your email address" in page
    assert "storage bucket" in page
    assert page.count("<option ") == 3
    assert "id=approve" in page
    assert "id=deny" in page


def test_approve_redirects_with_a_response_the_app_decodes() -> None:
    transit = generate_transit_key()
    token = _request(transit)
    c = _client()
    csrf = _csrf(c.get("/auth", params={"authRequest": token}).text)
    form = {"authRequest": token, "csrf": csrf, "account": "1", "decision": "approve"}
    response = c.post("/auth/answer", data=form)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(APP + "/callback?authResponse=")
    user = decode_auth_response(auth_response_from_url(location), transit)
    account = TestWallet.from_mnemonic(TEST_MNEMONIC).account(1)
    assert user.app_private_key == account.app_private_key(APP)


def test_deny_redirects_back_with_no_response() -> None:
    token = _request(generate_transit_key())
    c = _client()
    csrf = _csrf(c.get("/auth", params={"authRequest": token}).text)
    response = c.post(
        "/auth/answer",
        data={"authRequest": token, "csrf": csrf, "account": "0", "decision": "deny"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == APP + "/callback"


def test_forms_without_the_csrf_token_or_from_elsewhere_are_refused() -> None:
    token = _request(generate_transit_key())
    c = _client()
    csrf = _csrf(c.get("/auth", params={"authRequest": token}).text)
    form = {"authRequest": token, "account": "0", "decision": "approve"}
    assert c.post("/auth/answer", data={**form, "csrf": "guess"}).status_code == 403
    foreign = c.post(
        "/auth/answer", data={**form, "csrf": csrf}, headers={"origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert c.post("/auth/answer", data={**form, "csrf": csrf, "account": "7"}).status_code == 400


def test_a_failing_request_shows_every_failed_check_in_words() -> None:
    transit = generate_transit_key()
    payload = jwt.decode(_request(transit)).payload
    payload["redirect_uri"] = "https://evil.example/<x>"
    payload["iat"], payload["exp"] = payload["iat"] - 7200, payload["iat"] - 3600
    payload["scopes"] = ["store_write", "launch_missiles"]
    response = _client().get("/auth", params={"authRequest": jwt.sign(payload, transit)})
    assert response.status_code == 400
    page = response.text
    assert "failed 3 of" in page
    assert "redirect_uri is on the app&#x27;s origin" in page
    for code in ("redirect_origin_mismatch", "expired", "invalid_scope"):
        assert f"<code>{code}</code>" in page
    assert "pass · The signature verifies" in page
    assert "https://evil.example/&lt;x&gt;" in page
    assert "<x>" not in page
    assert "id=approve" not in page


def test_an_unreadable_request_is_shown_as_a_failed_format_check() -> None:
    c = _client()
    for query in ({"authRequest": "not-a-token"}, {}):
        response = c.get("/auth", params=query)
        assert response.status_code == 400
        assert "FAILED · The token is a well-formed compact JWT" in response.text


def test_a_tampered_form_token_is_refused_with_its_checks() -> None:
    token = _request(generate_transit_key())
    c = _client()
    csrf = _csrf(c.get("/auth", params={"authRequest": token}).text)
    head, body, sig = token.split(".")
    forged = f"{head}.{body[:-4]}AAAA.{sig}"
    response = c.post(
        "/auth/answer",
        data={"authRequest": forged, "csrf": csrf, "account": "0", "decision": "approve"},
    )
    assert response.status_code == 400
    assert "FAILED" in response.text


def test_auto_approve_redirects_at_once() -> None:
    transit = generate_transit_key()
    c = _client(auto_approve=True, auto_account=2)
    response = c.get("/auth", params={"authRequest": _request(transit)})
    assert response.status_code == 303
    user = decode_auth_response(auth_response_from_url(response.headers["location"]), transit)
    expected = TestWallet.from_mnemonic(TEST_MNEMONIC).account(2).app_private_key(APP)
    assert user.app_private_key == expected


def test_auto_approve_with_a_misbehaving_wallet_gives_a_refused_response() -> None:
    transit = generate_transit_key()
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC, misbehave=Misbehaviour.EXPIRED)
    c = _client(wallet, auto_approve=True)
    response = c.get("/auth", params={"authRequest": _request(transit)})
    from authtokens.errors import ExpiredTokenError

    with pytest.raises(ExpiredTokenError):
        decode_auth_response(auth_response_from_url(response.headers["location"]), transit)


def test_the_manifest_names_the_app_when_app_details_do_not() -> None:
    seen: list[str] = []

    async def loader(request: AuthRequest) -> dict[str, Any]:
        seen.append(request.manifest_uri)
        return {"name": "Manifest App", "icons": [{"src": "/m.png"}]}

    c = _client(manifest_loader=loader)
    page = c.get("/auth", params={"authRequest": _request(generate_transit_key())}).text
    assert seen == [APP + "/manifest.json"]
    assert "Manifest App" in page
    assert f'src="{APP}/m.png"' in page


def test_an_unreachable_manifest_is_a_note_not_an_error() -> None:
    async def loader(request: AuthRequest) -> dict[str, Any]:
        raise ManifestFetchError("could not fetch the manifest: refused")

    c = _client(manifest_loader=loader)
    response = c.get("/auth", params={"authRequest": _request(generate_transit_key())})
    assert response.status_code == 200
    assert "manifest_unreachable" in response.text
    assert f"An app at {APP}" in response.text


# --- token inspector --------------------------------------------------------------------


def test_inspector_shows_header_claims_times_and_checks() -> None:
    token = _request(generate_transit_key(), app_details={"name": "<i>x</i>", "icon": ""})
    c = _client()
    for response in (
        c.get("/inspect", params={"token": token}),
        c.post("/inspect", data={"token": auth_request_url(WALLET + "/auth", token)}),
    ):
        page = response.text
        assert "<p id=kind>authRequest</p>" in page
        assert "ES256K" in page
        assert "&lt;i&gt;x&lt;/i&gt;" in page
        assert "<i>x</i>" not in page
        assert re.search(r"<td>exp</td><td>\d+</td><td>\d{4}-\d\d-\d\dT", page)
        assert "pass · The signature verifies" in page


def test_inspector_checks_a_response_and_reports_garbage() -> None:
    transit = generate_transit_key()
    answer = TestWallet().answer_auth_request(_request(transit), misbehave=Misbehaviour.WRONG_KEY)
    c = _client()
    page = c.get("/inspect", params={"token": answer.token}).text
    assert "<p id=kind>authResponse</p>" in page
    assert "FAILED · The signature verifies" in page
    bad = c.post("/inspect", data={"token": "<script>"}).text
    assert "Not a readable token" in bad
    assert "<script>" not in bad.split("<style>")[0]
    assert "&lt;script&gt;" in bad


# --- the provider script and JSON-RPC ---------------------------------------------------


def test_provider_script_registers_like_wallets_do() -> None:
    for auto in (False, True):
        response = _client(auto_approve=auto).get("/provider.js")
        assert response.headers["content-type"].startswith("text/javascript")
        script = response.text
        assert f'"base": "{WALLET}"' in script
        assert f'"autoApprove": {"true" if auto else "false"}' in script
        assert "window.wbip_providers.push" in script
        assert "window.StacksProvider = provider" in script
        assert "/*CONFIG*/" not in script


def _rpc(c: TestClient, method: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
    body = {"jsonrpc": "2.0", "id": "r1", "method": method, "params": params or {}}
    return c.post("/rpc", json=body, headers={"origin": APP, **headers})


def test_rpc_auto_approve_answers_get_addresses_with_cors() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    c = _client(wallet, auto_approve=True)
    response = _rpc(c, "getAddresses", {"network": "testnet"})
    assert response.headers["access-control-allow-origin"] == APP
    body = response.json()
    assert body["status"] == "done"
    assert body["response"] == {
        "jsonrpc": "2.0",
        "id": "r1",
        "result": wallet.request("getAddresses", {"network": "testnet"}),
    }
    preflight = c.options("/rpc", headers={"origin": APP})
    assert preflight.status_code == 204
    assert "content-type" in preflight.headers["access-control-allow-headers"]


def test_rpc_refuses_other_origins_and_reports_bad_requests() -> None:
    c = _client(auto_approve=True, allowed_origins=["https://dapp.example"])
    assert _rpc(c, "getAddresses", origin="https://evil.example").status_code == 403
    assert _rpc(c, "getAddresses", origin="https://dapp.example").status_code == 200
    unknown = _rpc(c, "stx_transferStx").json()["response"]
    assert unknown["error"]["code"] == -32601
    bad = _rpc(c, "getAddresses", {"network": "moonnet"}).json()["response"]
    assert bad["error"]["code"] == -32602
    garbage = c.post("/rpc", content=b"[", headers={"origin": APP}).json()["response"]
    assert garbage["error"]["code"] == -32600


def test_rpc_consent_popup_approve() -> None:
    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    c = _client(wallet)
    created = _rpc(c, "getAddresses").json()
    assert created["status"] == "pending"
    request_id = created["request"]
    polled = c.get(f"/rpc/requests/{request_id}", headers={"origin": APP}).json()
    assert polled["status"] == "pending"
    page = c.get(f"/rpc/consent/{request_id}").text
    assert f"<code id=origin>{APP}</code>" in page
    assert "getAddresses" in page
    form = {"csrf": _csrf(page), "account": "1", "decision": "approve"}
    done = c.post(f"/rpc/consent/{request_id}", data=form)
    assert "window.close()" in done.text
    final = c.get(f"/rpc/requests/{request_id}", headers={"origin": APP}).json()
    assert final["response"]["result"] == wallet.request("getAddresses", account=1)
    assert c.get(f"/rpc/consent/{request_id}").status_code == 409


def test_rpc_consent_popup_deny_and_cancel() -> None:
    c = _client()
    denied = _rpc(c, "getAddresses").json()["request"]
    page = c.get(f"/rpc/consent/{denied}").text
    c.post(f"/rpc/consent/{denied}", data={"csrf": _csrf(page), "decision": "deny"})
    state = c.get(f"/rpc/requests/{denied}", headers={"origin": APP}).json()
    assert state["response"]["error"] == {"code": -32000, "message": "User rejected request"}
    cancelled = _rpc(c, "getAddresses").json()["request"]
    answer = c.post(f"/rpc/requests/{cancelled}/cancel", headers={"origin": APP}).json()
    assert answer["response"]["error"]["code"] == -32000


def test_rpc_requests_are_private_to_their_origin_and_forms_need_the_token() -> None:
    c = _client()
    request_id = _rpc(c, "getAddresses").json()["request"]
    other = c.get(f"/rpc/requests/{request_id}", headers={"origin": "http://localhost:4000"})
    assert other.status_code == 404
    assert c.get("/rpc/requests/nope", headers={"origin": APP}).status_code == 404
    assert c.get("/rpc/consent/nope").status_code == 404
    forged = c.post(f"/rpc/consent/{request_id}", data={"csrf": "x", "decision": "approve"})
    assert forged.status_code == 403
    assert c.get("/rpc/wait").status_code == 200
    assert c.get("/healthz").json() == {"status": "ok"}


def test_create_app_refuses_bad_options() -> None:
    with pytest.raises(InvalidArgumentError):
        create_app(TestWallet(), accounts=0)
    with pytest.raises(InvalidArgumentError):
        create_app(TestWallet(), accounts=2, auto_account=2)


# --- key file and command line ----------------------------------------------------------


def test_key_file_is_created_0600_with_the_test_mnemonic(tmp_path: Path) -> None:
    path = tmp_path / "state" / "wallet.json"
    created = load_or_create_keyfile(path)
    assert created.created
    assert created.is_test_mnemonic
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_keyfile(path, fresh=True)
    assert not again.created
    assert again.mnemonic == TEST_MNEMONIC


def test_fresh_key_file_and_refusals(tmp_path: Path) -> None:
    fresh = load_or_create_keyfile(tmp_path / "fresh.json", fresh=True)
    assert not fresh.is_test_mnemonic
    os.chmod(fresh.path, 0o644)
    with pytest.raises(InvalidArgumentError, match="chmod 600"):
        load_or_create_keyfile(fresh.path)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(InvalidArgumentError):
        load_or_create_keyfile(tmp_path / "bad.json")
    (tmp_path / "words.json").write_text('{"mnemonic": "abandon abandon"}', encoding="utf-8")
    with pytest.raises(InvalidMnemonicError):
        load_or_create_keyfile(tmp_path / "words.json")


def test_default_key_file_is_under_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert load_or_create_keyfile().path == tmp_path / "authtokens" / "dev-wallet.json"


def test_cli_wallet_refuses_a_bad_key_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.json").write_text("[]", encoding="utf-8")
    assert main(["wallet", "--key-file", str(tmp_path / "bad.json")]) == 2
    assert "no mnemonic" in capsys.readouterr().err


@contextlib.contextmanager
def _serve(tmp_path: Path, *flags: str) -> Iterator[tuple[str, list[str]]]:
    """``authtokens wallet`` in a subprocess on a free loopback port; yields its base URL and,
    after exit, its output lines (in the list)."""
    key_file = tmp_path / "k.json"

    def command(port: int) -> list[str]:
        command = [sys.executable, "-m", "authtokens", "wallet", "--port", str(port)]
        return [*command, "--key-file", str(key_file), "--no-manifest", *flags]

    log = tmp_path / "wallet.log"
    stderr: list[str] = []
    try:
        with running_server(
            command,
            cwd=Path.cwd(),
            log=lambda _: log,
            health="/healthz",
            env=dict(os.environ),
            timeout=20,
        ) as (base, _):
            yield base, stderr
    finally:
        if log.exists():
            stderr.extend(log.read_text(encoding="utf-8").splitlines())


def test_cli_wallet_serves_on_loopback_and_warns(tmp_path: Path) -> None:
    with _serve(tmp_path, "--auto-approve") as (base, stderr):
        with urllib.request.urlopen(base + "/provider.js", timeout=2) as r:  # noqa: S310
            assert b'"autoApprove": true' in r.read()
        assert stat.S_IMODE((tmp_path / "k.json").stat().st_mode) == 0o600
    assert any("PUBLIC TEST MNEMONIC" in line for line in stderr)
    assert any(str(tmp_path / "k.json") in line for line in stderr)


NODE = shutil.which("node")
DRIVER = Path(__file__).parent / "js" / "provider_driver.mjs"


def _drive(base: str, mode: str) -> dict[str, Any]:
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(DRIVER), base, mode], capture_output=True, text=True, timeout=60, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(NODE is None, reason="needs node to run the provider script")
@pytest.mark.parametrize(("mode", "account"), [("auto", 0), ("approve", 1)])
def test_provider_script_answers_a_page(tmp_path: Path, mode: str, account: int) -> None:
    from authtokens.stacks_messages import verify_message_signature

    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    flags = ["--auto-approve"] if mode == "auto" else []
    with _serve(tmp_path, *flags) as (base, _):
        out = _drive(base, mode)
    assert out["registered"] == ["AuthtokensDevWallet"]
    assert out["same"] is True
    assert out["popups"] == (0 if mode == "auto" else 3)
    addresses = out["addresses"]["resolved"]
    assert addresses["result"] == wallet.request("getAddresses", account=account)
    signed = out["signed"]["resolved"]["result"]
    signer = verify_message_signature(
        "Hello from a page", signed["signature"], address=wallet.stx_address(account)
    )
    assert signer == signed["publicKey"]
    assert out["unknown"]["rejected"]["error"]["code"] == -32601


@pytest.mark.skipif(NODE is None, reason="needs node to run the provider script")
@pytest.mark.parametrize("mode", ["deny", "close"])
def test_provider_script_rejects_when_the_user_says_no(tmp_path: Path, mode: str) -> None:
    with _serve(tmp_path) as (base, _):
        out = _drive(base, mode)
    for name in ("addresses", "signed"):
        assert out[name]["rejected"]["error"] == {
            "code": -32000,
            "message": "User rejected request",
        }


def test_sign_in_refused_error_carries_the_apps_answer() -> None:
    exc = SignInRefusedError("refused", status=401, error="domain_mismatch")
    assert (exc.code, exc.status, exc.error) == ("app_refused", 401, "domain_mismatch")


def test_rpc_sign_message_through_the_consent_popup_verifies() -> None:
    from authtokens.stacks_messages import verify_message_signature

    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    c = _client(wallet)
    request_id = _rpc(c, "stx_signMessage", {"message": "Sign <in> to Example"}).json()["request"]
    page = c.get(f"/rpc/consent/{request_id}").text
    assert "Sign &lt;in&gt; to Example" in page
    c.post(
        f"/rpc/consent/{request_id}",
        data={"csrf": _csrf(page), "account": "2", "decision": "approve"},
    )
    result = c.get(f"/rpc/requests/{request_id}", headers={"origin": APP}).json()["response"]
    signer = verify_message_signature(
        "Sign <in> to Example", result["result"]["signature"], address=wallet.stx_address(2)
    )
    assert signer == result["result"]["publicKey"]


def test_the_consent_popup_runs_the_wallet_checks_on_siws_messages() -> None:
    from authtokens.siws import create_message

    wallet = TestWallet.from_mnemonic(TEST_MNEMONIC)
    c = _client(wallet)

    def consent(text: str) -> str:
        request_id = _rpc(c, "stx_signMessage", {"message": text}).json()["request"]
        page: str = c.get(f"/rpc/consent/{request_id}").text
        return page

    def siws(**fields: Any) -> str:
        base = {"domain": "localhost:3000", "address": wallet.stx_address(2), "uri": APP}
        return create_message(**{**base, "nonce": "abcdefgh1", **fields})

    assert "id=warnings" not in consent(siws())
    assert "id=warnings" not in consent("Just a plain message")
    phishing = consent(siws(domain="bank.example"))
    assert "id=warnings" in phishing
    assert "domain_mismatch: message is for &#x27;bank.example&#x27;" in phishing
    stranger = TestWallet().stx_address(0)
    assert "address_mismatch" in consent(siws(address=stranger))
    assert "expired" in consent(
        siws(issued_at=time.time() - 300, expiration_time=time.time() - 200)
    )


def test_the_consent_popup_shows_structured_data_decoded() -> None:
    from authtokens.clarity import Cl, serialize_hex

    c = _client()
    domain = Cl.tuple(
        {"name": Cl.string_ascii("Pets"), "version": Cl.string_ascii("1"), "chain-id": Cl.uint(1)}
    )
    params = {"domain": serialize_hex(domain), "message": serialize_hex(Cl.string_ascii("hi"))}
    request_id = _rpc(c, "stx_signStructuredMessage", params).json()["request"]
    page = c.get(f"/rpc/consent/{request_id}").text
    assert "Pets" in page
    assert "StringAsciiCV(value=&#x27;hi&#x27;)" in page


def test_pages_cannot_be_framed_and_leak_no_referrer() -> None:
    c = _client()
    response = c.get("/auth", params={"authRequest": _request(generate_transit_key())})
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"
    digest = base64.b64encode(hashlib.sha256(b"window.close()").digest()).decode()
    assert f"'sha256-{digest}'" in c.get("/").headers["content-security-policy"]
