"""The Django integration with Django's test client, its ORM on an SQLite file and, for the
nonce store, also a real redis-server: both flows, the refusals, CSRF, logout revoking cookie
and bearer, linking, and 20 concurrent verifies of one nonce from 20 threads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

django = pytest.importorskip("django")

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from integration_helpers import (  # noqa: E402
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


class Answer:
    """A Django test response with the httpx names the shared helpers use."""

    def __init__(self, response: Any) -> None:
        self.status_code: int = response.status_code
        self.headers = response.headers
        self.text: str = response.content.decode()

    def json(self) -> Any:
        return json.loads(self.text)


class Browser:
    """A Django test client that sends JSON, the Origin it is given and, like the example's
    front end, the ``csrftoken`` cookie back as ``X-CSRFToken``."""

    def __init__(self, *, csrf: bool = True) -> None:
        self.client = Client(enforce_csrf_checks=csrf, SERVER_NAME=DOMAIN)

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        token = self.client.cookies.get("csrftoken")
        if token is not None and "x-csrftoken" not in {k.lower() for k in out}:
            out["X-CSRFToken"] = token.value
        return out

    def post(self, url: str, *, json: Any = None, headers: dict[str, str] | None = None) -> Answer:
        body = "" if json is None else _dumps(json)
        return Answer(
            self.client.post(
                url, data=body, content_type="application/json", headers=self._headers(headers)
            )
        )

    def get(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        return Answer(self.client.get(url, data=params or {}, headers=headers or {}))

    def cookie(self, name: str) -> str | None:
        morsel = self.client.cookies.get(name)
        return None if morsel is None else str(morsel.value)


def _dumps(value: Any) -> str:
    return json.dumps(value)


def _configure(tmp: Path) -> None:
    if settings.configured:
        return
    settings.configure(
        SECRET_KEY="test-only",
        ALLOWED_HOSTS=[DOMAIN],
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sessions",
            "authtokens.integrations.django",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        AUTHENTICATION_BACKENDS=["authtokens.integrations.django.backends.StacksAccountBackend"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp / "django.sqlite3"),
                "OPTIONS": {"timeout": 30},
            }
        },
        ROOT_URLCONF=__name__,
        USE_TZ=True,
        AUTHTOKENS={},
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _csrf_page(request: Any) -> Any:
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    get_token(request)  # sets the csrftoken cookie, as the example's page does
    return HttpResponse("ok")


def _urlpatterns() -> list[Any]:
    from django.urls import include, path

    return [
        path("auth/", include("authtokens.integrations.django.urls")),
        path("page", _csrf_page),
    ]


def __getattr__(name: str) -> Any:  # ROOT_URLCONF: built once Django is set up
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


@pytest.fixture(params=["database", "redis"])
def nonce_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    _configure(tmp_path_factory.mktemp("django"))
    store = "database" if request.param == "database" else request.getfixturevalue("redis_url")
    _use({"NONCE_STORE": store})
    yield store
    from authtokens.integrations.django.models import StacksAccount

    StacksAccount.objects.all().delete()  # each test starts without users' accounts


def _use(extra: dict[str, Any]) -> None:
    from authtokens.integrations.django.conf import auth_settings
    from authtokens.integrations.django.service import service

    settings.AUTHTOKENS = {
        "DOMAIN": DOMAIN,
        "URI": URI,
        "AUTHENTICATOR_URL": AUTHENTICATOR,
        "KEEP_APP_PRIVATE_KEY": True,
        **extra,
    }
    auth_settings.cache_clear()
    service.cache_clear()


def browser() -> Browser:
    b = Browser()
    b.get("/page")
    return b


def sign_in(b: Browser, key: str = KEY, **kw: Any) -> Any:
    return siws_sign_in(b, key, **{"origin": ORIGIN, "domain": DOMAIN, "uri": URI, **kw})


def error(answer: Answer) -> str:
    return str(answer.json()["error"])


def test_siws_sign_in_session_and_logout(nonce_store: str) -> None:
    b = browser()
    answer = sign_in(b)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True
    assert body["user"]["address"] == ADDRESS
    assert body["user"]["accountId"] == f"stacks:1:{ADDRESS}"
    session = b.get("/auth/session").json()
    assert session["user"]["address"] == ADDRESS
    assert session["session"]["method"] == "siws"
    from django.contrib.auth import get_user_model

    from authtokens.integrations.django.models import SignInEvent, StacksAccount

    account = StacksAccount.objects.get(account_id=f"stacks:1:{ADDRESS}")
    assert account.user == get_user_model().objects.get(pk=body["user"]["id"])
    assert SignInEvent.objects.filter(event="sign_in", account_id=account.account_id).exists()
    bearer = {"authorization": "Bearer " + body["token"]}
    api = Browser()
    assert api.get("/auth/session", headers=bearer).json()["user"]["address"] == ADDRESS
    old_cookie = b.cookie(settings.SESSION_COOKIE_NAME)
    assert b.post("/auth/logout", headers={"origin": ORIGIN}).json()["ended"] is True
    assert b.get("/auth/session").status_code == 401
    stale = Browser()
    stale.client.cookies[settings.SESSION_COOKIE_NAME] = old_cookie or ""
    assert stale.get("/auth/session").status_code == 401
    assert error(api.get("/auth/session", headers=bearer)) == "not_signed_in"


def test_bearer_logout(nonce_store: str) -> None:
    b = browser()
    token = sign_in(b).json()["token"]
    api = Browser()
    bearer = {"authorization": "Bearer " + token}
    assert api.post("/auth/logout", headers=bearer).json()["ended"] is True
    assert b.get("/auth/session").status_code == 401  # the browser's session ended with it


def test_refusals(nonce_store: str) -> None:
    b = browser()
    head = {"origin": ORIGIN}
    nonce = b.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    message, signature = signed_message(KEY, nonce.json()["nonce"], domain=DOMAIN, uri=URI)
    body = {"walletAddress": ADDRESS, "message": message, "signature": signature}
    assert b.post("/auth/siws/verify", json=body, headers=head).status_code == 200
    replay = b.post("/auth/siws/verify", json=body, headers=head)
    assert (replay.status_code, error(replay)) == (401, "nonce_unknown")
    foreign = b.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers={})
    assert (foreign.status_code, error(foreign)) == (403, "origin_not_allowed")
    evil = {"origin": "http://evil.example"}
    foreign = b.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=evil)
    assert foreign.status_code == 403
    assert error(sign_in(b, domain="evil.example")) == "domain_mismatch"
    now = time.time()
    assert error(sign_in(b, issued_at=now - 120, expiration_time=now - 61)) == "expired"
    no_csrf = b.post(
        "/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers={**head, "X-CSRFToken": "x"}
    )
    assert (no_csrf.status_code, error(no_csrf)) == (403, "csrf_failed")
    from authtokens.integrations.django.models import SignInEvent

    codes = set(SignInEvent.objects.filter(event="refused").values_list("code", flat=True))
    assert {"nonce_unknown", "origin_not_allowed", "domain_mismatch", "expired"} <= codes


def test_linking(nonce_store: str) -> None:
    b = browser()
    first = sign_in(b).json()["user"]
    before = b.cookie(settings.SESSION_COOKIE_NAME)
    linked = sign_in(b, OTHER_KEY, path="/accounts/link").json()
    assert linked["linked"] is True
    assert linked["user"]["id"] == first["id"]
    assert b.cookie(settings.SESSION_COOKIE_NAME) != before  # rotated at sign-in
    stale = Browser()
    stale.client.cookies[settings.SESSION_COOKIE_NAME] = before or ""
    assert stale.get("/auth/session").status_code == 401  # the old session is gone
    assert [a["address"] for a in linked["user"]["accounts"]] == [ADDRESS, address_of(OTHER_KEY)]
    alone = browser()
    assert sign_in(alone, OTHER_KEY).json()["user"]["id"] == first["id"]
    head = {"origin": ORIGIN}
    gone = b.post("/auth/accounts/unlink", json={"accountId": f"stacks:1:{ADDRESS}"}, headers=head)
    assert gone.status_code == 200, gone.text
    last = b.post(
        "/auth/accounts/unlink",
        json={"accountId": f"stacks:1:{address_of(OTHER_KEY)}"},
        headers=head,
    )
    assert (last.status_code, error(last)) == (409, "last_account")
    stranger = browser()
    assert sign_in(stranger).json()["user"]["id"] != first["id"]
    taken = sign_in(stranger, OTHER_KEY, path="/accounts/link")
    assert (taken.status_code, error(taken)) == (409, "account_taken")


def test_legacy_flow(nonce_store: str) -> None:
    account = wallet_account()
    b = browser()
    start = b.get("/auth/stacks/login", params={"next": "/after"})
    assert start.status_code == 303
    location = start.headers["location"]
    assert location.startswith(AUTHENTICATOR + "?authRequest=")
    response = answer_auth_request(location, account)
    back = b.get("/auth/stacks/callback", params={"authResponse": response})
    assert back.status_code == 303, back.text
    assert back.headers["location"] == "/after"
    user = b.get("/auth/session").json()["user"]
    assert user["did"] == "did:btc-addr:" + account.identity_address
    assert user["stxAddress"] == account.stx_address(testnet=False)
    again = b.get("/auth/stacks/callback", params={"authResponse": response})
    assert (again.status_code, error(again)) == (400, "login_expired")
    other = browser()
    other.get("/auth/stacks/login")
    replayed = other.get("/auth/stacks/callback", params={"authResponse": response})
    assert replayed.status_code == 401


def test_twenty_concurrent_verifies_one_session(nonce_store: str) -> None:
    from django.db import connection

    from authtokens.integrations.django.models import SignInEvent

    b = browser()
    head = {"origin": ORIGIN}
    nonce = b.post("/auth/siws/nonce", json={"walletAddress": ADDRESS}, headers=head)
    message, signature = signed_message(KEY, nonce.json()["nonce"], domain=DOMAIN, uri=URI)
    body = {"walletAddress": ADDRESS, "message": message, "signature": signature}
    browsers = [Browser(csrf=False) for _ in range(20)]
    answers: list[Answer] = []
    gate = threading.Barrier(20)
    lock = threading.Lock()
    sign_ins = SignInEvent.objects.filter(event="sign_in").count()

    def attempt(one: Browser) -> None:
        try:
            gate.wait()
            answer = one.post("/auth/siws/verify", json=body, headers=head)
            with lock:
                answers.append(answer)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(one,)) for one in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] + [401] * 19
    assert {error(a) for a in answers if a.status_code == 401} == {"nonce_unknown"}
    assert SignInEvent.objects.filter(event="sign_in").count() == sign_ins + 1


def test_database_nonce_store_checks_as_the_other_stores(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`DatabaseNonceStore` binds, bounds and judges with the shared `NonceStoreBase`."""
    _configure(tmp_path_factory.mktemp("django"))
    from authtokens.errors import InvalidAddressError, InvalidArgumentError, NonceUnknownError
    from authtokens.integrations.django.stores import DatabaseNonceStore
    from authtokens.siws import CHAIN_TESTNET

    now = 1_800_000_000.0
    clock = [now]
    store = DatabaseNonceStore(clock=lambda: clock[0])
    with pytest.raises(InvalidArgumentError):
        store.issue(ADDRESS, 5)
    with pytest.raises(InvalidAddressError):
        store.issue(ADDRESS, CHAIN_TESTNET)
    with pytest.raises(InvalidArgumentError):
        store.issue(ADDRESS, 1, ttl=0)
    kept, other, lapsed = (store.issue(ADDRESS, 1, ttl=60) for _ in range(3))
    with pytest.raises(NonceUnknownError, match="another account"):
        store.consume(other, address_of(OTHER_KEY), 1)
    clock[0] = now + 59
    store.consume(kept, ADDRESS, 1)  # the store's clock, not the wall clock
    with pytest.raises(NonceUnknownError, match="not issued here"):
        store.consume(kept, ADDRESS, 1)
    clock[0] = now + 60
    with pytest.raises(NonceUnknownError, match="expired"):
        store.consume(lapsed, ADDRESS, 1)
