"""The HTTP two-step sign-in (POST /auth/challenge, POST /auth/verify), in process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from coincurve import PrivateKey
from server_helpers import (
    ORIGIN,
    URI,
    client,
    der,
    ed25519_key,
    make_app,
    sign_rsv,
    stacks_digest,
)

from authtokens import jwt as es256k
from authtokens.addresses import STACKS_MAINNET, stacks_address
from authtokens.clarity import deserialize_hex
from authtokens.server.config import RateLimits
from authtokens.server.session import verify_session_token
from authtokens.stacks_messages import structured_data_hash
from authtokens.stores import MemoryStore

Signer = Callable[[dict[str, Any]], Any]


def signin(c: Any, request: dict[str, Any], sign: Signer, **headers: str) -> httpx.Response:
    r = c.post("/auth/challenge", json=request, headers=headers)
    assert r.status_code == 200, r.text
    challenge = r.json()
    response: httpx.Response = c.post(
        "/auth/verify", json={"id": challenge["id"], "signature": sign(challenge)}, headers=headers
    )
    return response


def ed_signer(key: Any) -> Signer:
    return lambda ch: key.sign(ch["message"].encode()).hex()


def stacks_signer(secret: PrivateKey, form: str = "rsv") -> Signer:
    def sign(ch: dict[str, Any]) -> Any:
        rsv = sign_rsv(secret, stacks_digest(ch["message"]), high_s=form == "high-s")
        if form == "vrs":
            return (rsv[64:] + rsv[:64]).hex()
        if form == "der":
            return der(rsv[:64]).hex()
        if form == "buffer":
            return {"type": "Buffer", "data": list(rsv)}
        return rsv.hex()

    return sign


def check_token(body: dict[str, Any], c: Any, sub: str) -> None:
    assert set(body) >= {"token", "key", "sig", "msg", "pubkey", "expiresIn"}
    jwks = c.get("/.well-known/jwks.json").json()
    claims = verify_session_token(body["token"], jwks, issuer=URI, audience=URI)
    assert claims.sub == sub == body["sub"]
    assert body["msg"].endswith("Z")
    assert abs(time.time() + 900 - claims.exp) < 5


@pytest.mark.parametrize("form", ["libp2p", "hex"])
def test_ed25519_sign_in(form: str) -> None:
    key, raw_hex, libp2p = ed25519_key()
    with client() as c:
        r = signin(c, {"pubkey": libp2p if form == "libp2p" else raw_hex}, ed_signer(key))
        assert r.status_code == 200, r.text
        check_token(r.json(), c, "ed25519:" + libp2p)
        assert r.json()["pubkey"] == libp2p
        user = asyncio.run(c.app.state.service.store.get_user("ed25519:" + libp2p))  # type: ignore[attr-defined]
        assert user is not None
        assert user.sign_ins == 1


@pytest.mark.parametrize("form", ["rsv", "vrs", "der", "high-s", "buffer"])
def test_stacks_message_sign_in(form: str) -> None:
    secret = PrivateKey()
    pub = secret.public_key.format(compressed=True).hex()
    with client() as c:
        r = c.post("/auth/challenge", json={"pubkey": pub})
        ch = r.json()
        assert ch["scheme"] == "stacks-message"
        address = stacks_address(pub, STACKS_MAINNET)
        assert f"with your Stacks account:\n{address}\n" in ch["message"]
        r = c.post(
            "/auth/verify", json={"id": ch["id"], "signature": stacks_signer(secret, form)(ch)}
        )
        assert r.status_code == 200, r.text
        check_token(r.json(), c, "secp256k1:" + pub)


def test_stacks_address_only_sign_in() -> None:
    secret = PrivateKey()
    address = stacks_address(secret.public_key.format(compressed=True), STACKS_MAINNET)
    with client() as c:
        r = signin(c, {"address": address}, stacks_signer(secret))
        assert r.status_code == 200, r.text
        check_token(r.json(), c, "stx:" + address)
        stranger = stacks_signer(PrivateKey())
        assert signin(c, {"address": address}, stranger).json() == {"error": "invalid_signature"}


def test_sip018_sign_in() -> None:
    secret = PrivateKey()
    pub = secret.public_key.format(compressed=True).hex()

    def sign(ch: dict[str, Any]) -> str:
        domain = deserialize_hex(ch["domainHex"])
        message = deserialize_hex(ch["structuredMessageHex"])
        # The message tuple carries the same nonce the text shows.
        assert ch["nonce"].encode() in bytes.fromhex(ch["structuredMessageHex"])
        return sign_rsv(secret, structured_data_hash(domain, message)).hex()

    with client() as c:
        r = signin(c, {"pubkey": pub, "scheme": "sip018"}, sign)
        assert r.status_code == 200, r.text
        # A plain-message signature over the text is not a SIP-018 signature.
        r = signin(c, {"pubkey": pub, "scheme": "sip018"}, stacks_signer(secret))
        assert r.json() == {"error": "invalid_signature"}


def test_jws_es256k_sign_in() -> None:
    secret = PrivateKey()
    pub = secret.public_key.format(compressed=True).hex()

    def sign(ch: dict[str, Any]) -> str:
        now = int(time.time())
        payload = {"nonce": ch["nonce"], "aud": URI, "iat": now, "exp": now + 60}
        return es256k.sign(payload, secret.secret.hex())

    with client() as c:
        r = signin(c, {"pubkey": pub, "scheme": "jws-es256k"}, sign)
        assert r.status_code == 200, r.text


def test_replay_refused_same_code_as_unknown_and_expired() -> None:
    key, raw_hex, _ = ed25519_key()
    now = [1_900_000_000.0]
    with client(clock=lambda: now[0]) as c:
        ch = c.post("/auth/challenge", json={"pubkey": raw_hex}).json()
        body = {"id": ch["id"], "signature": ed_signer(key)(ch)}
        assert c.post("/auth/verify", json=body).status_code == 200
        replay = c.post("/auth/verify", json=body)
        unknown = c.post("/auth/verify", json={**body, "id": "A" * 22})
        ch2 = c.post("/auth/challenge", json={"pubkey": raw_hex}).json()
        now[0] += 301
        expired = c.post("/auth/verify", json={"id": ch2["id"], "signature": ed_signer(key)(ch2)})
        for r in (replay, unknown, expired):
            assert (r.status_code, r.json()) == (401, {"error": "challenge_expired"})


def test_wrong_signature_refused_and_challenge_burnt() -> None:
    key, raw_hex, _ = ed25519_key()
    other, _, _ = ed25519_key()
    with client() as c:
        ch = c.post("/auth/challenge", json={"pubkey": raw_hex}).json()
        r = c.post("/auth/verify", json={"id": ch["id"], "signature": ed_signer(other)(ch)})
        assert (r.status_code, r.json()) == (401, {"error": "invalid_signature"})
        r = c.post("/auth/verify", json={"id": ch["id"], "signature": ed_signer(key)(ch)})
        assert r.json() == {"error": "challenge_expired"}
        # A signature over other bytes than the issued message.
        ch = c.post("/auth/challenge", json={"pubkey": raw_hex}).json()
        forged = key.sign(ch["message"].replace("localhost", "evil").encode()).hex()
        assert c.post("/auth/verify", json={"id": ch["id"], "signature": forged}).status_code == 401


def test_foreign_origin_refused_allowed_origin_gets_cors() -> None:
    key, raw_hex, _ = ed25519_key()
    with client() as c:
        for path in ("/auth/challenge", "/auth/verify"):
            r = c.post(path, json={"pubkey": raw_hex}, headers={"origin": "http://evil.example"})
            assert (r.status_code, r.json()) == (403, {"error": "origin_not_allowed"})
            assert "access-control-allow-origin" not in r.headers
        r = signin(c, {"pubkey": raw_hex}, ed_signer(key), origin=ORIGIN)
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == ORIGIN
        pre = c.options(
            "/auth/verify", headers={"origin": ORIGIN, "access-control-request-method": "POST"}
        )
        assert pre.status_code == 204
        assert (
            c.options("/auth/verify", headers={"origin": "http://evil.example"}).status_code == 403
        )
        # A challenge issued to one origin cannot be answered from another (or none).
        ch = c.post("/auth/challenge", json={"pubkey": raw_hex}, headers={"origin": ORIGIN}).json()
        r = c.post("/auth/verify", json={"id": ch["id"], "signature": ed_signer(key)(ch)})
        assert r.status_code == 403


@pytest.mark.parametrize(
    ("path", "content", "ctype", "status", "code"),
    [
        ("/auth/challenge", b'{"pubkey": "nope"}', "application/json", 400, "invalid_request"),
        ("/auth/challenge", b"{", "application/json", 400, "invalid_request"),
        ("/auth/challenge", b"[]", "application/json", 400, "invalid_request"),
        (
            "/auth/challenge",
            b'{"pubkey": 1, "pubkey": 2}',
            "application/json",
            400,
            "invalid_request",
        ),
        ("/auth/challenge", b"{}", "application/json", 400, "invalid_request"),
        ("/auth/challenge", b'{"pubkey":"x"}', "text/plain", 415, "unsupported_media_type"),
        (
            "/auth/challenge",
            b'{"pubkey":"' + b"a" * 9000 + b'"}',
            "application/json",
            413,
            "too_large",
        ),
        ("/auth/challenge", b"\xff\xfe", "application/json", 400, "invalid_request"),
        (
            "/auth/challenge",
            b'{"pubkey":"' + b"58" + b"66" * 31 + b'","scheme":"sip018"}',
            "application/json",
            400,
            "unsupported_scheme",
        ),
        (
            "/auth/verify",
            b'{"id": 5, "signature": "00"}',
            "application/json",
            400,
            "invalid_request",
        ),
        (
            "/auth/verify",
            b'{"id": "' + b"A" * 22 + b'"}',
            "application/json",
            400,
            "invalid_request",
        ),
        (
            "/auth/verify",
            b'{"id": "../../etc", "signature": "00"}',
            "application/json",
            400,
            "invalid_request",
        ),
    ],
)
def test_malformed_and_oversized_input(
    path: str, content: bytes, ctype: str, status: int, code: str
) -> None:
    with client() as c:
        r = c.post(path, content=content, headers={"content-type": ctype})
        assert (r.status_code, r.json()) == (status, {"error": code})


def test_malformed_signatures_refused_cleanly() -> None:
    _, raw_hex, _ = ed25519_key()
    with client() as c:
        for sig in ("zz", "", [300], {"type": "Buffer"}, "a" * 5000, 12, "00" * 64, True):
            ch = c.post("/auth/challenge", json={"pubkey": raw_hex}).json()
            r = c.post("/auth/verify", json={"id": ch["id"], "signature": sig})
            assert r.status_code in (400, 401), (sig, r.text)
            assert r.json()["error"] in ("invalid_request", "invalid_signature")


def test_rate_limits_answer_429() -> None:
    _, raw_hex, _ = ed25519_key()
    limits = RateLimits.parse("challenge-ip=5/60,challenge-key=3/60,verify-ip=4/60")
    with client(rate_limits=limits, clock=lambda: 1_900_000_000.0) as c:  # one fixed window
        codes = [c.post("/auth/challenge", json={"pubkey": raw_hex}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        other = ed25519_key()[1]
        codes = [c.post("/auth/challenge", json={"pubkey": other}).status_code for _ in range(3)]
        # Refused requests count too: the per-IP limit (5) is spent after one more.
        assert codes == [200, 429, 429]
        r = c.post("/auth/challenge", json={"pubkey": other})
        assert (r.status_code, r.json()) == (429, {"error": "rate_limited"})
        codes = [
            c.post("/auth/verify", json={"id": "A" * 22, "signature": "00"}).status_code
            for _ in range(5)
        ]
        assert codes == [401, 401, 401, 401, 429]


def test_default_limits_allow_30_sign_ins_and_60_verify_burst() -> None:
    key, raw_hex, _ = ed25519_key()
    with client() as c:
        for _ in range(30):
            assert signin(c, {"pubkey": raw_hex}, ed_signer(key)).status_code == 200
    with client() as c:
        codes = {
            c.post("/auth/verify", json={"id": "A" * 22, "signature": "00"}).status_code
            for _ in range(60)
        }
        assert codes == {401}


def test_healthz_and_jwks() -> None:
    with client() as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        keys = c.get("/.well-known/jwks.json").json()["keys"]
        assert keys[0]["alg"] == "ES256K"
        assert keys[0]["crv"] == "secp256k1"
        assert "d" not in keys[0]


def test_fifty_concurrent_verifies_memory_store_one_token() -> None:
    key, raw_hex, _ = ed25519_key()

    async def run() -> list[int]:
        app = make_app(store=MemoryStore())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            ch = (await c.post("/auth/challenge", json={"pubkey": raw_hex})).json()
            body = {"id": ch["id"], "signature": ed_signer(key)(ch)}
            rs = await asyncio.gather(*(c.post("/auth/verify", json=body) for _ in range(50)))
            return [r.status_code for r in rs]

    codes = asyncio.run(run())
    assert codes.count(200) == 1
    assert codes.count(401) == 49


def test_user_recorded_only_after_success() -> None:
    key, raw_hex, libp2p = ed25519_key()
    other, _, _ = ed25519_key()
    with client() as c:
        store = c.app.state.service.store  # type: ignore[attr-defined]
        signin(c, {"pubkey": raw_hex}, ed_signer(other))
        assert asyncio.run(store.get_user("ed25519:" + libp2p)) is None
        signin(c, {"pubkey": raw_hex}, ed_signer(key))
        signin(c, {"pubkey": raw_hex}, ed_signer(key))
        user = asyncio.run(store.get_user("ed25519:" + libp2p))
        assert user.sign_ins == 2
        assert user.first_seen <= user.last_seen
