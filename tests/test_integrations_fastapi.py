"""The FastAPI/Starlette integration end to end, with FastAPI's TestClient, on real stores
(memory, SQLite, a real redis-server): both sign-in flows signed by the library's wallet side,
the refusals, logout revoking cookie and bearer, account linking and one nonce raced 20 times."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from integration_helpers import (
    ADDRESS,
    AUTHENTICATOR,
    DOMAIN,
    KEY,
    ORIGIN,
    OTHER_KEY,
    URI,
    address_of,
    answer_auth_request,
    signed_message,
    siws_sign_in,
    wallet_account,
)
from starlette.applications import Starlette

from authtokens.auth_request import verify_auth_request
from authtokens.errors import SignInRefusedError
from authtokens.integrations import AuthConfig, Session, StacksAuth
from authtokens.integrations.fastapi import StacksSignIn, current_user, optional_user
from authtokens.keys import get_public_key
from authtokens.stacks_messages import sign_message
from authtokens.stores import AccountStore, MemoryStore, open_store
from authtokens.testing import Misbehaviour, TestWallet, sign_in_with_stacks
from authtokens.urls import auth_request_from_url

_prefixes = itertools.count()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'auth.db'}"
    return str(request.getfixturevalue("redis_url"))


def _store(url: str) -> AccountStore:
    if url.startswith("redis://"):
        from authtokens.stores.redis import RedisStore

        return RedisStore(url, prefix=f"it{next(_prefixes)}:")  # one keyspace per app
    return open_store(url)


def make_app(
    store_url: str = "memory", *, store: AccountStore | None = None, **options: Any
) -> tuple[FastAPI, StacksSignIn]:
    config = AuthConfig(
        domain=options.pop("domain", DOMAIN),
        uri=options.pop("uri", URI),
        store_url=store_url,
        authenticator_url=options.pop("authenticator_url", AUTHENTICATOR),
        keep_app_private_key=True,
        **options,
    )
    signin = StacksSignIn(StacksAuth(config, store=store or _store(store_url)))
    app = FastAPI()
    signin.install(app)

    @app.get("/me")
    async def me(session: Annotated[Session, Depends(current_user)]) -> dict[str, str]:
        return {"accountId": session.account_id}

    @app.get("/maybe")
    async def maybe(session: Annotated[Session | None, Depends(optional_user)]) -> dict[str, Any]:
        return {"accountId": session.account_id if session else None}

    return app, signin


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    app, _ = make_app(store_url)
    with TestClient(app, base_url=URI) as c:
        yield c


@contextmanager
def browser(client: TestClient) -> Iterator[TestClient]:
    """Another browser (an empty cookie jar) on the same client, so the same event loop."""
    saved = httpx.Cookies(client.cookies)
    client.cookies = httpx.Cookies()
    try:
        yield client
    finally:
        client.cookies = saved


def sign_in(client: Any, key: str = KEY, **kw: Any) -> Any:
    return siws_sign_in(client, key, **{"origin": ORIGIN, "domain": DOMAIN, "uri": URI, **kw})


def error(answer: Any) -> str:
    return str(answer.json()["error"])


# --- Sign-In with Stacks --------------------------------------------------------------------


def test_siws_sign_in_sets_session_and_bearer(client: TestClient) -> None:
    answer = sign_in(client)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True
    assert body["user"]["address"] == ADDRESS
    assert body["user"]["accountId"] == f"stacks:1:{ADDRESS}"
    assert body["user"]["method"] == "siws"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("authtokens_session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # http app
    session = client.get("/auth/session")
    assert session.status_code == 200
    assert session.json()["user"]["address"] == ADDRESS
    assert session.json()["session"]["method"] == "siws"
    assert session.json()["session"]["expiresAt"].endswith("Z")
    # The bearer token alone (an API client without the cookie) works too.
    with browser(client) as bare:
        assert bare.get("/auth/session").status_code == 401
        bearer = {"authorization": "Bearer " + body["token"]}
        assert bare.get("/auth/session", headers=bearer).json()["user"]["address"] == ADDRESS
        assert bare.get("/me", headers=bearer).json() == {"accountId": f"stacks:1:{ADDRESS}"}


def test_logout_revokes_cookie_and_bearer(client: TestClient) -> None:
    body = sign_in(client).json()
    old_cookie = client.cookies["authtokens_session"]
    bearer = {"authorization": "Bearer " + body["token"]}
    assert client.get("/me").status_code == 200
    answer = client.post("/auth/logout", headers={"origin": ORIGIN})
    assert answer.status_code == 200
    assert answer.json() == {"success": True, "ended": True}
    assert client.get("/auth/session").status_code == 401
    with browser(client) as replay:
        replay.cookies.set("authtokens_session", old_cookie)
        assert replay.get("/auth/session").status_code == 401
        assert error(replay.get("/me")) == "not_signed_in"
    with browser(client) as other:
        assert other.get("/auth/session", headers=bearer).status_code == 401
        assert error(other.get("/me", headers=bearer)) == "not_signed_in"
        assert other.get("/maybe", headers=bearer).json() == {"accountId": None}


def test_bearer_logout_needs_no_origin(client: TestClient) -> None:
    body = sign_in(client).json()
    bearer = {"authorization": "Bearer " + body["token"]}
    with browser(client) as api:
        assert api.post("/auth/logout", headers=bearer).json()["ended"] is True
    assert client.get("/auth/session").status_code == 401  # the browser's cookie died with it


def test_replayed_nonce_is_refused(client: TestClient) -> None:
    address = address_of(KEY)
    head = {"origin": ORIGIN}
    nonce = client.post("/auth/siws/nonce", json={"walletAddress": address}, headers=head)
    message, signature = signed_message(KEY, nonce.json()["nonce"], domain=DOMAIN, uri=URI)
    body = {"walletAddress": address, "message": message, "signature": signature}
    assert client.post("/auth/siws/verify", json=body, headers=head).status_code == 200
    again = client.post("/auth/siws/verify", json=body, headers=head)
    assert again.status_code == 401
    assert error(again) == "nonce_unknown"


def test_nonce_is_bound_to_its_address(client: TestClient) -> None:
    head = {"origin": ORIGIN}
    nonce = client.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    other = address_of(OTHER_KEY)
    message, signature = signed_message(OTHER_KEY, nonce.json()["nonce"], domain=DOMAIN, uri=URI)
    body = {"walletAddress": other, "message": message, "signature": signature}
    answer = client.post("/auth/siws/verify", json=body, headers=head)
    assert error(answer) == "nonce_unknown"


@pytest.mark.parametrize(
    "origin", [None, "null", "http://evil.example", "http://app.example.com:81"]
)
def test_foreign_origin_is_refused(client: TestClient, origin: str | None) -> None:
    head = {} if origin is None else {"origin": origin}
    nonce = client.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    assert nonce.status_code == 403
    assert error(nonce) == "origin_not_allowed"
    assert sign_in(client).status_code == 200
    logout = client.post("/auth/logout", headers=head)
    assert error(logout) == "origin_not_allowed"
    assert client.get("/auth/session").status_code == 200  # still signed in


def test_verify_with_foreign_origin_spends_nothing(client: TestClient) -> None:
    head = {"origin": ORIGIN}
    nonce = client.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    message, signature = signed_message(KEY, nonce.json()["nonce"], domain=DOMAIN, uri=URI)
    body = {"walletAddress": ADDRESS, "message": message, "signature": signature}
    evil = client.post("/auth/siws/verify", json=body, headers={"origin": "https://evil.example"})
    assert error(evil) == "origin_not_allowed"
    assert client.post("/auth/siws/verify", json=body, headers=head).status_code == 200


def test_expired_message_is_refused(client: TestClient) -> None:
    now = time.time()
    answer = sign_in(client, issued_at=now - 120, expiration_time=now - 61)
    assert answer.status_code == 401
    assert error(answer) == "expired"
    stale = sign_in(client, issued_at=now - 3600)
    assert error(stale) == "too_old"


def test_wrong_domain_is_refused_and_the_nonce_is_spent(client: TestClient) -> None:
    head = {"origin": ORIGIN}
    nonce = client.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    value = nonce.json()["nonce"]
    message, signature = signed_message(KEY, value, domain="evil.example", uri=URI)
    body = {"walletAddress": ADDRESS, "message": message, "signature": signature}
    answer = client.post("/auth/siws/verify", json=body, headers=head)
    assert answer.status_code == 401
    assert error(answer) == "domain_mismatch"
    # Consumed before verifying: the nonce cannot be tried again, even with a good message.
    message, signature = signed_message(KEY, value, domain=DOMAIN, uri=URI)
    body = {"walletAddress": ADDRESS, "message": message, "signature": signature}
    assert error(client.post("/auth/siws/verify", json=body, headers=head)) == "nonce_unknown"
    wrong_uri = sign_in(client, uri="http://app.example.com/other")
    assert error(wrong_uri) == "uri_mismatch"


def test_bad_requests(client: TestClient) -> None:
    head = {"origin": ORIGIN}
    for body in ({}, {"walletAddress": 5}, {"walletAddress": "SPnotanaddress"}):
        answer = client.post("/auth/siws/nonce", json=body, headers=head)
        assert (answer.status_code, error(answer)) == (400, "invalid_request")
    testnet = client.post(
        "/auth/siws/nonce", json={"walletAddress": ADDRESS, "chainId": 2147483648}, headers=head
    )
    assert error(testnet) == "chain_mismatch"
    junk = client.post("/auth/siws/verify", content=b"[1]", headers=head)
    assert error(junk) == "invalid_request"
    assert error(client.get("/me", headers={"authorization": "Bearer x.y.z"})) == "malformed"


def test_signature_of_another_key_is_refused(client: TestClient) -> None:
    head = {"origin": ORIGIN}
    nonce = client.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    message, _ = signed_message(KEY, nonce.json()["nonce"], domain=DOMAIN, uri=URI)
    forged = sign_message(OTHER_KEY, message)  # the right text, signed by someone else
    body = {"walletAddress": ADDRESS, "message": message, "signature": forged}
    answer = client.post("/auth/siws/verify", json=body, headers=head)
    assert (answer.status_code, error(answer)) == (401, "bad_signature")
    assert client.get("/auth/session").status_code == 401
    nonce = client.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    message, signature = signed_message(KEY, nonce.json()["nonce"], domain=DOMAIN, uri=URI)
    body = {
        "walletAddress": ADDRESS,
        "message": message,
        "signature": signature,
        "publicKey": get_public_key(OTHER_KEY),  # not the signer's
    }
    answer = client.post("/auth/siws/verify", json=body, headers=head)
    assert (answer.status_code, error(answer)) == (401, "public_key_mismatch")


# --- sessions and accounts -------------------------------------------------------------------


def test_sign_in_rotates_the_session(client: TestClient) -> None:
    sign_in(client)
    first = client.cookies["authtokens_session"]
    sign_in(client)
    second = client.cookies["authtokens_session"]
    assert first != second
    with browser(client) as stale:
        stale.cookies.set("authtokens_session", first)
        assert stale.get("/auth/session").status_code == 401


def test_account_linking_and_unlinking(client: TestClient) -> None:
    first = sign_in(client).json()["user"]
    other = address_of(OTHER_KEY)
    with browser(client) as anonymous:
        assert error(sign_in(anonymous, OTHER_KEY, path="/accounts/link")) == "not_signed_in"
    linked = sign_in(client, OTHER_KEY, path="/accounts/link").json()
    assert linked["linked"] is True
    assert linked["user"]["id"] == first["id"]
    assert linked["user"]["address"] == other
    assert [a["address"] for a in linked["user"]["accounts"]] == [ADDRESS, other]
    # Signing in with the second address alone finds the same user.
    with browser(client) as alone:
        assert sign_in(alone, OTHER_KEY).json()["user"]["id"] == first["id"]
    head = {"origin": ORIGIN}
    gone = client.post(
        "/auth/accounts/unlink", json={"accountId": f"stacks:1:{ADDRESS}"}, headers=head
    )
    assert gone.status_code == 200
    assert [a["address"] for a in gone.json()["user"]["accounts"]] == [other]
    last = client.post(
        "/auth/accounts/unlink", json={"accountId": f"stacks:1:{other}"}, headers=head
    )
    assert (last.status_code, error(last)) == (409, "last_account")
    unknown = client.post("/auth/accounts/unlink", json={"accountId": "stacks:1:SPX"}, headers=head)
    assert (unknown.status_code, error(unknown)) == (404, "account_not_linked")
    # The unlinked address now signs in as a user of its own, and cannot take the other one.
    with browser(client) as stranger:
        own = sign_in(stranger).json()["user"]
        assert own["id"] != first["id"]
        taken = sign_in(stranger, OTHER_KEY, path="/accounts/link")
        assert (taken.status_code, error(taken)) == (409, "account_taken")


def test_secure_cookie_on_https() -> None:
    app, _ = make_app(uri="https://example.com", domain="example.com")
    with TestClient(app, base_url="https://example.com") as client:
        answer = siws_sign_in(
            client, origin="https://example.com", domain="example.com", uri="https://example.com"
        )
        assert answer.status_code == 200, answer.text
        assert "Secure" in answer.headers["set-cookie"]


def test_plain_starlette_app() -> None:
    signin = StacksSignIn(AuthConfig(domain=DOMAIN, uri=URI))
    app = Starlette()
    signin.install(app)
    with TestClient(app, base_url=URI) as client:
        assert sign_in(client).status_code == 200
        assert client.get("/auth/session").json()["user"]["address"] == ADDRESS


# --- the legacy authRequest flow -------------------------------------------------------------


def test_legacy_flow_end_to_end(store_url: str) -> None:
    app, signin = make_app(store_url)
    account = wallet_account()
    with TestClient(app, base_url=URI) as client:
        start = client.get(
            "/auth/stacks/login", params={"next": "/dashboard?tab=1"}, follow_redirects=False
        )
        assert start.status_code == 303
        location = start.headers["location"]
        assert location.startswith(AUTHENTICATOR + "?authRequest=")
        request = verify_auth_request(auth_request_from_url(location))
        assert request.redirect_uri == URI + "/auth/stacks/callback"
        assert request.origin == URI
        login_cookie = start.headers["set-cookie"]
        assert "authtokens_login=" in login_cookie
        assert "HttpOnly" in login_cookie
        assert "Path=/auth/stacks" in login_cookie
        response = answer_auth_request(location, account)
        back = client.get(
            "/auth/stacks/callback", params={"authResponse": response}, follow_redirects=False
        )
        assert back.status_code == 303, back.text
        assert back.headers["location"] == "/dashboard?tab=1"
        session = client.get("/auth/session").json()
        user = session["user"]
        assert session["session"]["method"] == "legacy"
        assert user["did"] == "did:btc-addr:" + account.identity_address
        assert user["identityAddress"] == account.identity_address
        assert user["stxAddress"] == account.stx_address(testnet=False)
        app_key = account.app_private_key(URI)
        assert app_key not in back.text + str(session)
        sid = client.cookies["authtokens_session"]
        kept = asyncio.run(_read_session(signin, sid)) if store_url == "memory" else None
        if kept is not None:
            assert kept.app_private_key == app_key
        # The login was single use: the same answer again finds no pending login.
        again = client.get(
            "/auth/stacks/callback", params={"authResponse": response}, follow_redirects=False
        )
        assert (again.status_code, error(again)) == (400, "login_expired")
        # A new login of this browser does not accept the old answer
        client.get("/auth/stacks/login", follow_redirects=False)
        old = client.get(
            "/auth/stacks/callback", params={"authResponse": response}, follow_redirects=False
        )
        # (it was encrypted to the first login's transit key, which is gone)
        assert (old.status_code, error(old)) == (401, "decryption_failed")
        assert client.get("/auth/session").json()["user"]["did"] == user["did"]


async def _read_session(signin: StacksSignIn, sid: str) -> Session | None:
    return await signin.core.session(sid)


def test_legacy_callback_from_another_browser() -> None:
    app, _ = make_app()
    with TestClient(app, base_url=URI) as victim:
        start = victim.get("/auth/stacks/login", follow_redirects=False)
        response = answer_auth_request(start.headers["location"], wallet_account())
        callback = "/auth/stacks/callback"
        with browser(victim) as attacker:
            stolen = attacker.get(
                callback, params={"authResponse": response}, follow_redirects=False
            )
            assert (stolen.status_code, error(stolen)) == (400, "login_expired")
            assert attacker.get("/auth/session").status_code == 401
        # The victim's own pending login is untouched.
        back = victim.get(callback, params={"authResponse": response}, follow_redirects=False)
        assert back.status_code == 303


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x", ""]
)
def test_legacy_next_stays_on_this_origin(target: str) -> None:
    app, _ = make_app()
    with TestClient(app, base_url=URI) as client:
        start = client.get("/auth/stacks/login", params={"next": target}, follow_redirects=False)
        response = answer_auth_request(start.headers["location"], wallet_account())
        back = client.get(
            "/auth/stacks/callback", params={"authResponse": response}, follow_redirects=False
        )
        assert back.headers["location"] == "/"


def test_legacy_sign_in_links_to_a_signed_in_user() -> None:
    app, _ = make_app()
    with TestClient(app, base_url=URI) as client:
        user = sign_in(client).json()["user"]
        start = client.get("/auth/stacks/login", follow_redirects=False)
        response = answer_auth_request(start.headers["location"], wallet_account())
        client.get(
            "/auth/stacks/callback", params={"authResponse": response}, follow_redirects=False
        )
        session = client.get("/auth/session").json()["user"]
        assert session["id"] == user["id"]
        assert [a["method"] for a in session["accounts"]] == ["siws", "legacy"]


def test_legacy_flow_off_without_authenticator() -> None:
    app, _ = make_app(authenticator_url=None)
    with TestClient(app, base_url=URI) as client:
        answer = client.get("/auth/stacks/login", follow_redirects=False)
        assert (answer.status_code, error(answer)) == (404, "legacy_disabled")


# --- one nonce, twenty concurrent verifies ---------------------------------------------------


def _twin_stores(url: str) -> list[AccountStore]:
    """Two handles on one keyspace, as two processes of one app would have (memory: one)."""
    if url == "memory":
        return [MemoryStore()]
    if url.startswith("redis://"):
        from authtokens.stores.redis import RedisStore

        prefix = f"race{next(_prefixes)}:"
        return [RedisStore(url, prefix=prefix), RedisStore(url, prefix=prefix)]
    return [open_store(url), open_store(url)]


def test_twenty_concurrent_verifies_one_session(store_url: str) -> None:
    """20 verifies of one nonce race through two app instances on one store (SQLite, Redis;
    one instance for memory): exactly one gets a session."""

    async def run() -> list[httpx.Response]:
        apps = [make_app(store_url, store=store)[0] for store in _twin_stores(store_url)]
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url=URI) for a in apps
        ]
        head = {"origin": ORIGIN}
        first = await clients[0].post(
            "/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head
        )
        message, signature = signed_message(KEY, first.json()["nonce"], domain=DOMAIN, uri=URI)
        body = {"walletAddress": ADDRESS, "message": message, "signature": signature}
        answers = await asyncio.gather(
            *(
                clients[i % len(clients)].post("/auth/siws/verify", json=body, headers=head)
                for i in range(20)
            )
        )
        sessions = [
            await c.get("/auth/session", headers={"authorization": "Bearer " + a.json()["token"]})
            for c in clients
            for a in answers
            if a.status_code == 200
        ]
        for c in clients:
            await c.aclose()
        for a in apps:
            await a.state.authtokens.core.close()
        assert [s.status_code for s in sessions].count(200) >= 1
        return list(answers)

    answers = asyncio.run(run())
    assert sorted(a.status_code for a in answers) == [200] + [401] * 19
    assert {a.json()["error"] for a in answers if a.status_code == 401} == {"nonce_unknown"}


# --- the testing kit (authtokens.testing) against these routes -------------------------------


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (None, None),
        (Misbehaviour.WRONG_DOMAIN, "domain_mismatch"),
        (Misbehaviour.EXPIRED, "expired"),
        (Misbehaviour.WRONG_NONCE, "nonce_unknown"),
        (Misbehaviour.TAMPERED, "bad_signature"),
        (Misbehaviour.WRONG_KEY, "bad_signature"),
    ],
)
def test_testing_kit_signs_in(
    stacks_wallet: TestWallet, fault: Misbehaviour | None, code: str | None
) -> None:
    """`sign_in_with_stacks` (the pytest plugin's helper) against the FastAPI routes, with
    the Origin a browser would send as the client's default header."""
    app, _ = make_app()
    with TestClient(app, base_url=URI, headers={"origin": ORIGIN}) as client:
        if code is None:
            user = sign_in_with_stacks(client, stacks_wallet)
            session = client.get("/auth/session", headers=user.headers).json()
            assert session["user"]["address"] == user.address
            return
        with pytest.raises(SignInRefusedError) as refused:
            sign_in_with_stacks(client, stacks_wallet, misbehave=fault)
        assert (refused.value.status, refused.value.error) == (401, code)
        assert client.get("/auth/session").status_code == 401


def test_tokens_and_sessions_expire() -> None:
    """Bearer tokens live ``token_lifetime``, sessions ``session_lifetime`` (one clock)."""
    now = [time.time()]

    def clock() -> float:
        return now[0]

    config = AuthConfig(domain=DOMAIN, uri=URI, session_lifetime=600, token_lifetime=300)
    signin = StacksSignIn(StacksAuth(config, store=MemoryStore(clock=clock), clock=clock))
    app = FastAPI()
    signin.install(app)
    with TestClient(app, base_url=URI) as client:
        answer = sign_in(client)
        assert "Max-Age=600" in answer.headers["set-cookie"]
        bearer = {"authorization": "Bearer " + answer.json()["token"]}
        now[0] += 299
        assert client.get("/auth/session", headers=bearer).status_code == 200
        now[0] += 40  # past exp and the 30 s leeway
        assert error(client.get("/auth/session", headers=bearer)) == "expired"
        assert client.get("/auth/session").status_code == 200  # the cookie session lives on
        now[0] += 300
        assert error(client.get("/auth/session")) == "not_signed_in"


def test_error_statuses_tell_the_clients_fault_from_the_servers() -> None:
    from authtokens.errors import (
        IdCollisionError,
        InvalidArgumentError,
        InvalidSignatureError,
        OriginNotAllowedError,
        ReplayCacheFullError,
    )
    from authtokens.integrations.http import error_body

    assert error_body(ReplayCacheFullError("full")) == (503, {"error": "replay_cache_full"})
    assert error_body(IdCollisionError("again")) == (503, {"error": "id_collision"})
    assert error_body(InvalidSignatureError("no")) == (401, {"error": "bad_signature"})
    assert error_body(OriginNotAllowedError("no")) == (403, {"error": "origin_not_allowed"})
    assert error_body(InvalidArgumentError("no"))[0] == 400
