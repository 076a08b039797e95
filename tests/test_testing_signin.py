"""sign_in_with_stacks against a small Starlette app that verifies with the library (no mocks)."""

from __future__ import annotations

import json
import secrets
import warnings
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from authtokens.errors import InvalidArgumentError, InvalidTokenError, SignInRefusedError
from authtokens.siws import generate_nonce, parse_message, verify_message
from authtokens.testing import Misbehaviour, TestWallet, sign_in_with_stacks

with warnings.catch_warnings():  # Starlette 1.x nudges towards httpx2; httpx is what we ship
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

DOMAIN = "app.localhost"
URI = "http://app.localhost"


def make_app(domain: str = DOMAIN, uri: str = URI) -> Starlette:
    """Both better-auth SIWS endpoints, a nonce bound to address and chain, single use."""
    nonces: dict[str, tuple[str, int]] = {}
    sessions: dict[str, dict[str, Any]] = {}

    async def nonce(request: Request) -> JSONResponse:
        body = await request.json()
        issued = generate_nonce()
        nonces[issued] = (body["walletAddress"], body.get("chainId", 1))
        return JSONResponse({"nonce": issued})

    async def verify(request: Request) -> JSONResponse:
        body = await request.json()
        chain = body.get("chainId", 1)
        try:
            sent = parse_message(body["message"]).nonce
            if nonces.pop(sent, None) != (body["walletAddress"], chain):
                return JSONResponse({"error": "nonce_unknown"}, 401)
            signed_in = verify_message(
                body["message"],
                body["signature"],
                domain=domain,
                uri=uri,
                nonce=sent,
                chain_id=chain,
                address=body["walletAddress"],
                public_key=body.get("publicKey"),
            )
        except InvalidTokenError as exc:
            return JSONResponse({"error": exc.code}, 401)
        token = secrets.token_urlsafe(16)
        user = {"address": signed_in.address, "accountId": signed_in.account_id}
        sessions[token] = user
        return JSONResponse({"token": token, "success": True, "user": user})

    async def me(request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        user = sessions.get(token)
        return JSONResponse(user or {"error": "unauthorized"}, 200 if user else 401)

    return Starlette(
        routes=[
            Route("/auth/siws/nonce", nonce, methods=["POST"]),
            Route("/auth/siws/verify", verify, methods=["POST"]),
            Route("/me", me),
        ]
    )


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app(), base_url=URI)


def test_sign_this_user_into_my_app(client: TestClient, stacks_wallet: TestWallet) -> None:
    user = sign_in_with_stacks(client, stacks_wallet)
    assert client.get("/me", headers=user.headers).json()["address"] == user.address


def test_the_session_names_the_wallets_account(
    client: TestClient, stacks_wallet: TestWallet
) -> None:
    user = sign_in_with_stacks(client, stacks_wallet, account=2, statement="Welcome back.")
    assert user.address == stacks_wallet.stx_address(2)
    assert user.public_key == stacks_wallet.account(2).stx_public_key
    assert user.user == {"address": user.address, "accountId": f"stacks:1:{user.address}"}
    message = parse_message(user.message)
    assert (message.domain, message.uri, message.statement) == (DOMAIN, URI, "Welcome back.")


def test_testnet_sign_in(client: TestClient, stacks_wallet: TestWallet) -> None:
    user = sign_in_with_stacks(client, stacks_wallet, chain_id=2147483648)
    assert user.address.startswith("ST")
    assert user.user["accountId"] == f"stacks:2147483648:{user.address}"


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Misbehaviour.WRONG_KEY, "bad_signature"),
        (Misbehaviour.TAMPERED, "bad_signature"),
        (Misbehaviour.EXPIRED, "expired"),
        (Misbehaviour.WRONG_DOMAIN, "domain_mismatch"),
        (Misbehaviour.WRONG_NONCE, "nonce_unknown"),
    ],
)
def test_a_misbehaving_wallet_is_refused(
    client: TestClient, stacks_wallet: TestWallet, fault: Misbehaviour, code: str
) -> None:
    with pytest.raises(SignInRefusedError) as refused:
        sign_in_with_stacks(client, stacks_wallet, misbehave=fault)
    assert (refused.value.status, refused.value.error) == (401, code)


@pytest.mark.stacks_wallet(misbehave=Misbehaviour.WRONG_DOMAIN)
def test_a_wallet_level_misbehaviour_applies_too(
    client: TestClient, stacks_wallet: TestWallet
) -> None:
    with pytest.raises(SignInRefusedError, match="domain_mismatch"):
        sign_in_with_stacks(client, stacks_wallet)


def test_a_misbehaviour_that_does_not_apply_is_a_usage_error(
    client: TestClient, stacks_wallet: TestWallet
) -> None:
    with pytest.raises(InvalidArgumentError, match="does not apply"):
        sign_in_with_stacks(client, stacks_wallet, misbehave=Misbehaviour.WRONG_TRANSIT_KEY)


def test_a_missing_endpoint_is_a_refusal(stacks_wallet: TestWallet) -> None:
    client = TestClient(make_app(), base_url=URI)
    with pytest.raises(SignInRefusedError) as refused:
        sign_in_with_stacks(client, stacks_wallet, prefix="/api/auth")
    assert refused.value.status == 404


def test_the_default_testserver_host_gets_a_hint(stacks_wallet: TestWallet) -> None:
    with pytest.raises(InvalidArgumentError, match="base_url"):
        sign_in_with_stacks(TestClient(make_app()), stacks_wallet)


class DjangoStyleClient:
    """The calling convention of django.test.Client, over the same ASGI app."""

    def __init__(self, app: Starlette, host: str) -> None:
        self.defaults = {"HTTP_HOST": host}
        self._client = TestClient(app, base_url=f"http://{host}")

    def post(self, path: str, data: str, content_type: str) -> Any:
        return self._client.post(path, content=data, headers={"content-type": content_type})


def test_a_django_style_client(stacks_wallet: TestWallet) -> None:
    client = DjangoStyleClient(
        make_app(domain="localhost:8000", uri="http://localhost:8000"), "localhost:8000"
    )
    user = sign_in_with_stacks(client, stacks_wallet)
    assert parse_message(user.message).domain == "localhost:8000"
    assert json.loads(json.dumps(user.user))["address"] == user.address
