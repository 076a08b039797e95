"""Sign-In with Stacks on `authtokens serve`: POST /siws/nonce and /siws/verify.

The clients here know nothing of the library's SIWS code: the message is written from the spec
(siws.md §1), signed with coincurve over the digest written in `server_helpers.stacks_digest`,
and sent in the better-auth SIWS request shapes. One client is the reference signer itself
(`tools/vectors/siws_client.mjs`: @stacks/encryption ``hashMessage`` + @stacks/transactions
``signMessageHashRsv``); it needs ``tools/vectors/node_modules`` and is skipped without it,
except under ``make interop`` (``AUTHTOKENS_REQUIRE_NODE=1``), where it must run.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from coincurve import PrivateKey
from server_helpers import (
    DOMAIN,
    ORIGIN,
    REPO,
    URI,
    client,
    make_config,
    make_signer,
    server_process,
    sign_rsv,
    stacks_digest,
)

from authtokens.addresses import STACKS_MAINNET, STACKS_TESTNET, stacks_address
from authtokens.errors import NonceUnknownError, RateLimitedError
from authtokens.server.config import RateLimits
from authtokens.server.session import verify_session_token
from authtokens.server.siws_routes import StoreNonces
from authtokens.stores import MemoryStore

TESTNET_CHAIN = 2147483648
LIMITS = "challenge-ip=100000/60,challenge-key=100000/60,verify-ip=100000/60,verify-key=100000/60"
JS_CLIENT = REPO / "tools" / "vectors" / "siws_client.mjs"


# --- a client written from the spec -----------------------------------------------------------


def iso(t: float) -> str:
    """JS ``Date.toISOString()``: UTC, milliseconds, ``Z``."""
    d = datetime.fromtimestamp(t, UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def siws_text(
    *,
    address: str,
    nonce: str,
    domain: str = DOMAIN,
    uri: str = URI,
    chain_id: int = 1,
    issued_at: float | None = None,
    expiration: float | None = None,
) -> str:
    """The message as createSiwsMessage writes it without a statement (spec siws.md §1)."""
    text = (
        f"{domain} wants you to sign in with your Stacks account:\n{address}\n\n\n"
        f"URI: {uri}\nVersion: 1\nChain ID: {chain_id}\nNonce: {nonce}\n"
        f"Issued At: {iso(time.time() if issued_at is None else issued_at)}"
    )
    if expiration is not None:
        text += f"\nExpiration Time: {iso(expiration)}"
    return text


class Wallet:
    """A key and its address; signs as wallets answer ``stx_signMessage`` (RSV hex)."""

    def __init__(self, testnet: bool = False) -> None:
        self.secret = PrivateKey()
        self.public_key = self.secret.public_key.format(compressed=True).hex()
        version = STACKS_TESTNET if testnet else STACKS_MAINNET
        self.address = stacks_address(self.public_key, version)

    def sign(self, text: str) -> str:
        return sign_rsv(self.secret, stacks_digest(text)).hex()


def post(http: Any, path: str, body: Any, origin: str | None = ORIGIN) -> httpx.Response:
    headers = {"origin": origin} if origin else {}
    response: httpx.Response = http.post(path, json=body, headers=headers)
    return response


def nonce_for(http: Any, address: str, **extra: Any) -> str:
    r = post(http, "/siws/nonce", {"walletAddress": address, **extra})
    assert r.status_code == 200, r.text
    nonce: str = r.json()["nonce"]
    return nonce


def sign_in_body(http: Any, wallet: Wallet, **message: Any) -> dict[str, Any]:
    """Ask for a nonce, write and sign the message: the /siws/verify body."""
    text = siws_text(address=wallet.address, nonce=nonce_for(http, wallet.address), **message)
    return {"walletAddress": wallet.address, "message": text, "signature": wallet.sign(text)}


# --- in process ---------------------------------------------------------------------------------


def test_sign_in_answers_the_better_auth_shape_and_a_session_token() -> None:
    wallet = Wallet()
    with client() as http:
        issued = post(http, "/siws/nonce", {"walletAddress": wallet.address, "chainId": 1})
        assert issued.status_code == 200
        answer = issued.json()
        assert set(answer) == {"nonce", "domain", "uri", "chainId", "expiresAt"}
        assert (answer["domain"], answer["uri"], answer["chainId"]) == (DOMAIN, URI, 1)
        assert len(answer["nonce"]) >= 17
        assert answer["nonce"].isalnum()
        text = siws_text(address=wallet.address, nonce=answer["nonce"])
        r = post(
            http,
            "/siws/verify",
            {
                "walletAddress": wallet.address,
                "message": text,
                "signature": wallet.sign(text),
                "chainId": 1,
                "publicKey": wallet.public_key,
            },
        )
        assert r.status_code == 200, r.text
        assert r.headers["access-control-allow-origin"] == ORIGIN
        body = r.json()
        account = f"stacks:1:{wallet.address}"
        assert body["success"] is True
        assert body["user"] == {
            "id": "stx:" + wallet.address,
            "address": wallet.address,
            "accountId": account,
            "chainId": 1,
            "publicKey": wallet.public_key,
        }
        config = make_config()
        claims = verify_session_token(
            body["token"],
            make_signer(config).jwks(),
            issuer=config.issuer,
            audience=config.audience,
        )
        assert claims.sub == "stx:" + wallet.address
        assert claims.claims["account_id"] == account


def test_testnet_server_signs_in_testnet_accounts_only() -> None:
    wallet, mainnet = Wallet(testnet=True), Wallet()
    with client(stacks_network=STACKS_TESTNET) as http:
        r = post(http, "/siws/nonce", {"walletAddress": mainnet.address})
        assert (r.status_code, r.json()) == (400, {"error": "invalid_request"})
        r = post(http, "/siws/nonce", {"walletAddress": wallet.address, "chainId": 1})
        assert (r.status_code, r.json()) == (401, {"error": "chain_mismatch"})
        body = sign_in_body(http, wallet, chain_id=TESTNET_CHAIN)
        r = post(http, "/siws/verify", {**body, "chainId": TESTNET_CHAIN})
        assert r.status_code == 200, r.text
        assert r.json()["user"]["accountId"] == f"stacks:{TESTNET_CHAIN}:{wallet.address}"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_request"),
        ({"walletAddress": 5}, 400, "invalid_request"),
        ({"walletAddress": "SP000000000000000000002Q6VF78"[:-1]}, 400, "invalid_request"),
        ({"walletAddress": "SP37JJX3D"}, 400, "invalid_request"),  # c32check of an empty payload
        ({"walletAddress": "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY", "chainId": "1"}, 400,
         "invalid_request"),
        ({"walletAddress": "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY", "chainId": True}, 400,
         "invalid_request"),
    ],
)  # fmt: skip
def test_nonce_refuses_malformed_requests(body: dict[str, Any], status: int, code: str) -> None:
    with client() as http:
        r = post(http, "/siws/nonce", body)
        assert (r.status_code, r.json()) == (status, {"error": code})


def test_lower_case_wallet_address_is_read_canonically() -> None:
    wallet = Wallet()
    with client() as http:
        nonce = nonce_for(http, wallet.address.lower())
        text = siws_text(address=wallet.address, nonce=nonce)
        body = {"walletAddress": wallet.address.lower(), "message": text}
        r = post(http, "/siws/verify", {**body, "signature": wallet.sign(text)})
        assert r.status_code == 200, r.text
        assert r.json()["user"]["address"] == wallet.address


def test_the_json_front_door_applies() -> None:
    with client(max_body=512) as http:
        r = http.post("/siws/nonce", content=b"walletAddress=x", headers={"origin": ORIGIN})
        assert (r.status_code, r.json()) == (415, {"error": "unsupported_media_type"})
        r = post(http, "/siws/verify", {"message": "x" * 600})
        assert (r.status_code, r.json()) == (413, {"error": "too_large"})
        r = http.options(
            "/siws/verify",
            headers={"origin": ORIGIN, "access-control-request-method": "POST"},
        )
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == ORIGIN


def test_siws_endpoints_are_rate_limited() -> None:
    wallet = Wallet()
    limits = RateLimits.parse("challenge-ip=100/60,challenge-key=2/60,verify-ip=3/60")
    with client(rate_limits=limits) as http:
        assert [
            post(http, "/siws/nonce", {"walletAddress": wallet.address}).status_code
            for _ in range(3)
        ] == [200, 200, 429]
        body = {"walletAddress": wallet.address, "message": "x", "signature": "00"}
        codes = [post(http, "/siws/verify", body).json()["error"] for _ in range(4)]
        assert codes == ["malformed_message"] * 3 + ["rate_limited"]


class _CountingStore(MemoryStore):
    """Records every store call a request makes (the operation names, in order)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def hit(self, counters: Any) -> list[int]:
        self.calls.append("hit")
        return await super().hit(counters)

    async def put_new_limited(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("put_new_limited")
        return await super().put_new_limited(*args, **kwargs)

    async def take_limited(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("take_limited")
        return await super().take_limited(*args, **kwargs)

    async def record_user(self, key_id: str, key_type: str) -> Any:
        self.calls.append("record_user")
        return await super().record_user(key_id, key_type)


def test_each_siws_step_is_one_store_round_trip_with_its_rate_limits() -> None:
    wallet = Wallet()
    store = _CountingStore()
    limits = RateLimits.parse("challenge-ip=100/60,challenge-key=100/60,verify-ip=100/60")
    with client(store=store, rate_limits=limits) as http:
        nonce = nonce_for(http, wallet.address)
        assert store.calls == ["put_new_limited"]
        store.calls.clear()
        text = siws_text(address=wallet.address, nonce=nonce)
        body = {"walletAddress": wallet.address, "message": text, "signature": wallet.sign(text)}
        assert post(http, "/siws/verify", body).status_code == 200
        assert store.calls == ["take_limited", "record_user"]
        store.calls.clear()
        # A message refused before its nonce is looked up still counts, in one round trip.
        bad = {"walletAddress": wallet.address, "message": "x", "signature": "00"}
        assert post(http, "/siws/verify", bad).json()["error"] == "malformed_message"
        assert store.calls == ["hit"]


def test_over_a_limit_no_nonce_is_stored_or_taken() -> None:
    address = Wallet().address

    async def run() -> None:
        store = MemoryStore()
        nonces = StoreNonces(store)
        over = [("siws-verify-ip:1.2.3.4", 60, 0)]
        with pytest.raises(RateLimitedError, match="siws-verify-ip"):
            await nonces.limited(over).issue(address, 1)
        assert store._challenges == {}
        nonce = await nonces.issue(address, 1)
        limited = nonces.limited(over)
        with pytest.raises(RateLimitedError):
            await limited.consume(nonce, address, 1)
        assert limited.counted
        await nonces.limited([("siws-verify-ip:5.6.7.8", 60, 1)]).consume(nonce, address, 1)
        with pytest.raises(NonceUnknownError):
            await nonces.consume(nonce, address, 1)

    asyncio.run(run())


def test_challenge_flow_reads_addresses_as_the_library_does() -> None:
    wallet = Wallet()
    # Another last character (a random address may end in Z already) breaks the checksum.
    broken = wallet.address[:-1] + ("Y" if wallet.address.endswith("Z") else "Z")
    with client() as http:
        for bad in ("SP37JJX3D", broken, "sp", wallet.address + "0"):
            r = post(http, "/auth/challenge", {"address": bad})
            assert (r.status_code, r.json()) == (400, {"error": "invalid_request"}), bad
        r = post(http, "/auth/challenge", {"address": wallet.address.lower()})
        assert r.status_code == 200
        assert r.json()["address"] == wallet.address
        assert wallet.address in r.json()["message"]


class _FullStore(MemoryStore):
    async def put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        return False


def test_an_id_that_collides_three_times_is_an_internal_error() -> None:
    wallet = Wallet()
    with client(store=_FullStore()) as http:
        r = post(http, "/siws/nonce", {"walletAddress": wallet.address})
        assert (r.status_code, r.json()) == (500, {"error": "internal_error"})
        r = post(http, "/auth/challenge", {"address": wallet.address})
        assert (r.status_code, r.json()) == (500, {"error": "internal_error"})


# --- over HTTP, against `authtokens serve` --------------------------------------------------------


@pytest.fixture(scope="module")
def memory_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("siws-memory")
    with server_process("memory", workdir, "--rate-limits", LIMITS) as url:
        yield url


@pytest.fixture
def http(memory_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=memory_server, timeout=10) as c:
        yield c


def _refusal(http: httpx.Client, body: dict[str, Any], origin: str | None = ORIGIN) -> Any:
    r = post(http, "/siws/verify", body, origin=origin)
    return r.status_code, r.json()


def test_sign_in_over_http(http: httpx.Client) -> None:
    wallet = Wallet()
    r = post(http, "/siws/verify", sign_in_body(http, wallet))
    assert r.status_code == 200, r.text
    assert r.json()["user"]["accountId"] == f"stacks:1:{wallet.address}"
    jwks = http.get("/.well-known/jwks.json").json()
    claims = verify_session_token(r.json()["token"], jwks, issuer=URI, audience=URI)
    assert claims.claims["account_id"] == f"stacks:1:{wallet.address}"


def test_replayed_nonce(http: httpx.Client) -> None:
    body = sign_in_body(http, Wallet())
    assert post(http, "/siws/verify", body).status_code == 200
    assert _refusal(http, body) == (401, {"error": "nonce_unknown"})


def test_wrong_domain(http: httpx.Client) -> None:
    body = sign_in_body(http, Wallet(), domain="evil.example.com")
    assert _refusal(http, body) == (401, {"error": "domain_mismatch"})


def test_wrong_uri(http: httpx.Client) -> None:
    body = sign_in_body(http, Wallet(), uri="http://localhost:3001/elsewhere")
    assert _refusal(http, body) == (401, {"error": "uri_mismatch"})


def test_wrong_chain(http: httpx.Client) -> None:
    wallet = Wallet()
    testnet = {"walletAddress": Wallet(testnet=True).address, "chainId": TESTNET_CHAIN}
    r = post(http, "/siws/nonce", testnet)
    assert (r.status_code, r.json()) == (401, {"error": "chain_mismatch"})
    body = sign_in_body(http, wallet)
    assert _refusal(http, {**body, "chainId": TESTNET_CHAIN}) == (401, {"error": "chain_mismatch"})


def test_address_mismatch(http: httpx.Client) -> None:
    signer, claimed = Wallet(), Wallet()
    body = sign_in_body(http, signer)
    refusal = _refusal(http, {**body, "walletAddress": claimed.address})
    assert refusal == (401, {"error": "address_mismatch"})


def test_nonce_of_another_address(http: httpx.Client) -> None:
    owner, thief = Wallet(), Wallet()
    text = siws_text(address=thief.address, nonce=nonce_for(http, owner.address))
    body = {"walletAddress": thief.address, "message": text, "signature": thief.sign(text)}
    assert _refusal(http, body) == (401, {"error": "nonce_unknown"})


def test_expired(http: httpx.Client) -> None:
    now = time.time()
    body = sign_in_body(http, Wallet(), issued_at=now - 400, expiration=now - 300)
    assert _refusal(http, body) == (401, {"error": "expired"})


def test_too_old(http: httpx.Client) -> None:
    body = sign_in_body(http, Wallet(), issued_at=time.time() - 3600)
    assert _refusal(http, body) == (401, {"error": "too_old"})


def test_bad_signature_spends_the_nonce(http: httpx.Client) -> None:
    wallet, other = Wallet(), Wallet()
    body = sign_in_body(http, wallet)
    forged = {**body, "signature": other.sign(body["message"])}
    assert _refusal(http, forged) == (401, {"error": "bad_signature"})
    assert _refusal(http, body) == (401, {"error": "nonce_unknown"})  # taken before the check


def test_public_key_mismatch(http: httpx.Client) -> None:
    body = sign_in_body(http, Wallet())
    refusal = _refusal(http, {**body, "publicKey": Wallet().public_key})
    assert refusal == (401, {"error": "public_key_mismatch"})


def test_malformed_message(http: httpx.Client) -> None:
    body = sign_in_body(http, Wallet())
    body["message"] = "Hello\n" + body["message"]
    assert _refusal(http, body) == (401, {"error": "malformed_message"})


def test_foreign_origin(http: httpx.Client) -> None:
    wallet = Wallet()
    r = post(http, "/siws/nonce", {"walletAddress": wallet.address}, origin="https://evil.example")
    assert (r.status_code, r.json()) == (403, {"error": "origin_not_allowed"})
    body = sign_in_body(http, wallet)
    refusal = _refusal(http, body, origin="https://evil.example")
    assert refusal == (403, {"error": "origin_not_allowed"})
    assert post(http, "/siws/verify", body).status_code == 200  # the refusal took nothing


async def _concurrent_verifies(url: str, body: dict[str, Any], n: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        return list(
            await asyncio.gather(
                *(
                    http.post("/siws/verify", json=body, headers={"origin": ORIGIN})
                    for _ in range(n)
                )
            )
        )


@pytest.mark.parametrize("store", ["memory", "sqlite", "redis"])
def test_fifty_concurrent_verifies_of_one_nonce_give_one_session(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = {
        "memory": "memory",
        "sqlite": "sqlite:///siws.db",
        "redis": request.getfixturevalue("redis_url") if store == "redis" else "",
    }[store]
    with server_process(url, tmp_path, "--rate-limits", LIMITS) as base:
        with httpx.Client(base_url=base, timeout=10) as http:
            body = sign_in_body(http, Wallet())
        answers = asyncio.run(_concurrent_verifies(base, body, 50))
    outcomes = Counter((r.status_code, r.json().get("error")) for r in answers)
    assert outcomes == {(200, None): 1, (401, "nonce_unknown"): 49}
    tokens = [r.json()["token"] for r in answers if r.status_code == 200]
    assert len(tokens) == 1


# --- the reference signer as the client ----------------------------------------------------------


def _node_or_skip() -> str:
    node = shutil.which("node")
    ready = node is not None and (REPO / "tools" / "vectors" / "node_modules").is_dir()
    if not ready:
        reason = "node or tools/vectors/node_modules missing (cd tools/vectors && npm ci)"
        if os.environ.get("AUTHTOKENS_REQUIRE_NODE"):
            pytest.fail(reason + ": required by make interop")
        pytest.skip(reason)
    assert node is not None
    return node


def _key() -> str:
    """A 66-hex private key: the trailing 01 makes stacks.js use the compressed public key, as
    wallets do (a 64-hex key would be read as one with an uncompressed public key)."""
    return PrivateKey().secret.hex() + "01"


def _js_client(node: str, base: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [node, str(JS_CLIENT), "--url", base, "--origin", ORIGIN, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_reference_signer_signs_in(memory_server: str) -> None:
    node = _node_or_skip()
    secret = PrivateKey()
    result = _js_client(node, memory_server, "--key", secret.secret.hex() + "01")
    address = stacks_address(secret.public_key.format(compressed=True), STACKS_MAINNET)
    assert result["address"] == address
    assert result["status"] == 200, result
    assert result["body"]["user"]["accountId"] == f"stacks:1:{address}"
    jwks = httpx.get(memory_server + "/.well-known/jwks.json").json()
    claims = verify_session_token(result["body"]["token"], jwks, issuer=URI, audience=URI)
    assert claims.sub == "stx:" + address


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_reference_signer_fifty_concurrent_verifies(store: str, tmp_path: Path) -> None:
    node = _node_or_skip()
    url = "memory" if store == "memory" else "sqlite:///siws.db"
    with server_process(url, tmp_path, "--rate-limits", LIMITS) as base:
        result = _js_client(node, base, "--key", _key(), "--concurrent", "50")
    assert result["statuses"] == {"200": 1, "401": 49}
    assert result["errors"] == {"nonce_unknown": 49}
    assert result["tokens"] == 1


def test_reference_signer_wrong_domain(memory_server: str) -> None:
    node = _node_or_skip()
    result = _js_client(node, memory_server, "--key", _key(), "--domain", "evil.example.com")
    assert (result["status"], result["body"]) == (401, {"error": "domain_mismatch"})
