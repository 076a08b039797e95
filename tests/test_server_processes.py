"""Real ``python -m authtokens.server serve`` processes: shared stores, restarts, WebSocket.

The client here speaks only HTTP/WebSocket and signs from the protocol description.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from coincurve import PrivateKey
from server_helpers import (
    ORIGIN,
    URI,
    ed25519_key,
    redis_server,
    server_process,
    sign_rsv,
    stacks_digest,
)
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from authtokens.server.session import verify_session_token


def challenge(base: str, pubkey: str) -> dict[str, Any]:
    r = httpx.post(base + "/auth/challenge", json={"pubkey": pubkey})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def race(bases: list[str], challenge_id: str, signature: str, n: int = 50) -> list[int]:
    """``n`` concurrent verifies of one challenge, spread over the servers."""

    async def run() -> list[int]:
        limits = httpx.Limits(max_connections=n)
        async with httpx.AsyncClient(limits=limits, timeout=30) as c:
            body = {"id": challenge_id, "signature": signature}
            rs = await asyncio.gather(
                *(c.post(bases[i % len(bases)] + "/auth/verify", json=body) for i in range(n))
            )
            return [r.status_code for r in rs]

    return asyncio.run(run())


def two_servers_one_token(store: str, workdir: Path) -> None:
    key, raw_hex, libp2p = ed25519_key()
    with ExitStack() as stack:
        a = stack.enter_context(server_process(store, workdir))
        b = stack.enter_context(server_process(store, workdir))
        ch = challenge(a, raw_hex)
        codes = race([a, b], ch["id"], key.sign(ch["message"].encode()).hex())
        assert codes.count(200) == 1, codes
        assert codes.count(401) == 49, codes
        # Both processes share the key file, so both publish the same JWKS.
        assert (
            httpx.get(a + "/.well-known/jwks.json").json()
            == httpx.get(b + "/.well-known/jwks.json").json()
        )
        # A challenge issued by one process is completed on the other.
        ch = challenge(b, libp2p)
        r = httpx.post(
            a + "/auth/verify",
            json={"id": ch["id"], "signature": key.sign(ch["message"].encode()).hex()},
        )
        assert r.status_code == 200, r.text


def restart_keeps_challenge(store: str, workdir: Path) -> str:
    key, raw_hex, libp2p = ed25519_key()
    with server_process(store, workdir) as base:
        ch = challenge(base, raw_hex)
        jwks = httpx.get(base + "/.well-known/jwks.json").json()
    with server_process(store, workdir) as base:
        signature = key.sign(ch["message"].encode()).hex()
        r = httpx.post(base + "/auth/verify", json={"id": ch["id"], "signature": signature})
        assert r.status_code == 200, r.text
        # Same signing key after the restart: the old JWKS verifies the new token.
        verify_session_token(r.json()["token"], jwks, issuer=URI, audience=URI)
    return "ed25519:" + libp2p


def test_two_processes_one_sqlite_file(tmp_path: Path) -> None:
    two_servers_one_token("sqlite:///auth.db", tmp_path)


def test_sqlite_restart(tmp_path: Path) -> None:
    user = restart_keeps_challenge("sqlite:///auth.db", tmp_path)
    row = (
        sqlite3.connect(tmp_path / "auth.db")
        .execute("SELECT sign_ins FROM users WHERE key_id = ?", (user,))
        .fetchone()
    )
    assert row == (1,)


def test_two_processes_one_redis(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        two_servers_one_token(url, tmp_path)


def test_redis_restart_of_server_and_redis(tmp_path: Path) -> None:
    key, raw_hex, libp2p = ed25519_key()
    with redis_server(tmp_path, persistent=True) as url, server_process(url, tmp_path) as base:
        ch = challenge(base, raw_hex)
    with (
        redis_server(tmp_path, persistent=True, port=int(url.split(":")[2].split("/")[0])) as url2,
        server_process(url2, tmp_path) as base,
    ):
        signature = key.sign(ch["message"].encode()).hex()
        r = httpx.post(base + "/auth/verify", json={"id": ch["id"], "signature": signature})
        assert r.status_code == 200, r.text
        assert r.json()["sub"] == "ed25519:" + libp2p


def test_websocket_against_real_server(tmp_path: Path) -> None:
    key, _, libp2p = ed25519_key()
    secret = PrivateKey()
    pub = secret.public_key.format(compressed=True).hex()
    with server_process("memory", tmp_path, "--ws-timeout", "1") as base:
        ws_url = base.replace("http://", "ws://") + "/ws/userauth"
        with pytest.raises(InvalidStatus) as refused:
            connect(ws_url, origin=Origin("http://evil.example"))
        assert refused.value.response.status_code == 403
        for origin in (Origin(ORIGIN), None):
            with connect(ws_url, origin=origin) as ws:
                ws.send(json.dumps({"pubkey": libp2p, "type": "token"}))
                frame = json.loads(ws.recv())
                sig = key.sign(bytes(frame["value"]["data"]))
                ws.send(
                    json.dumps({"type": "challenge", "sig": {"type": "Buffer", "data": list(sig)}})
                )
                reply = json.loads(ws.recv())
                assert reply["type"] == "token"
                assert reply["value"]["pubkey"] == libp2p
        with connect(ws_url) as ws:  # a Stacks wallet key, hex RSV signature
            ws.send(json.dumps({"pubkey": pub, "type": "token"}))
            frame = json.loads(ws.recv())
            text = bytes(frame["value"]["data"]).decode()
            rsv_hex = sign_rsv(secret, stacks_digest(text)).hex()
            ws.send(json.dumps({"type": "challenge", "sig": rsv_hex}))
            assert json.loads(ws.recv())["type"] == "token"
        with connect(ws_url) as ws:  # the deadline answers instead of crashing anything
            ws.send(json.dumps({"pubkey": libp2p, "type": "token"}))
            json.loads(ws.recv())
            assert json.loads(ws.recv())["value"] == "challenge_expired"
        with connect(ws_url, max_size=None) as ws:  # oversize frame: error frame, then 1009
            ws.send("x" * 10_000)
            assert json.loads(ws.recv())["value"] == "too_large"
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1009
        assert httpx.get(base + "/healthz").status_code == 200
