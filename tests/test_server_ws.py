"""The demo-compatible WebSocket /ws/userauth: frames, state machine, limits (in process)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from coincurve import PrivateKey
from server_helpers import ORIGIN, URI, client, ed25519_key, sign_rsv, stacks_digest
from starlette.testclient import WebSocketDenialResponse

from authtokens.server.session import verify_session_token


def buffer(data: bytes) -> dict[str, Any]:
    return {"type": "Buffer", "data": list(data)}


def demo_transcript(ws: Any, pubkey: str, sign: Any) -> dict[str, Any]:
    """The browser side of the Textile demo, frame for frame."""
    ws.send_json({"pubkey": pubkey, "type": "token"})
    challenge = ws.receive_json()
    assert challenge["type"] == "challenge"
    assert challenge["value"]["type"] == "Buffer"
    data = bytes(challenge["value"]["data"])  # Buffer.from(data.value)
    assert data.decode() == challenge["text"]
    ws.send_json({"type": "challenge", "sig": sign(data)})
    reply: dict[str, Any] = ws.receive_json()
    return reply


@pytest.mark.parametrize("form", ["libp2p", "hex"])
def test_demo_frames_ed25519(form: str) -> None:
    key, raw_hex, libp2p = ed25519_key()
    with client() as c, c.websocket_connect("/ws/userauth", headers={"origin": ORIGIN}) as ws:
        reply = demo_transcript(
            ws, libp2p if form == "libp2p" else raw_hex, lambda d: buffer(key.sign(d))
        )
        assert reply["type"] == "token"
        value = reply["value"]
        assert set(value) == {"key", "sig", "msg", "token", "pubkey"}
        assert value["pubkey"] == libp2p
        assert value["sig"].startswith("b")
        assert len(value["sig"]) == 53
        jwks = c.get("/.well-known/jwks.json").json()
        claims = verify_session_token(value["token"], jwks, issuer=URI, audience=URI)
        assert claims.sub == "ed25519:" + libp2p
        assert ws.receive() == {"type": "websocket.close", "code": 1000, "reason": ""}


@pytest.mark.parametrize("encoding", ["hex", "buffer"])
def test_stacks_key_over_websocket(encoding: str) -> None:
    secret = PrivateKey()
    pub = secret.public_key.format(compressed=True).hex()

    def sign(data: bytes) -> Any:
        rsv = sign_rsv(secret, stacks_digest(data.decode()))
        return rsv.hex() if encoding == "hex" else buffer(rsv)

    with client() as c, c.websocket_connect("/ws/userauth") as ws:  # no Origin: accepted
        reply = demo_transcript(ws, pub, sign)
        assert reply["type"] == "token", reply
        assert reply["value"]["pubkey"] == pub


def test_foreign_origin_refused_before_accept() -> None:
    with client() as c:
        with (
            pytest.raises(WebSocketDenialResponse) as denied,
            c.websocket_connect("/ws/userauth", headers={"origin": "http://evil.example"}),
        ):
            pass
        assert denied.value.status_code == 403
        assert denied.value.json() == {"error": "origin_not_allowed"}


def test_deadline_sends_error_and_connection_stays_usable() -> None:
    key, raw_hex, _ = ed25519_key()
    with client(ws_sig_timeout=0.3) as c, c.websocket_connect("/ws/userauth") as ws:
        ws.send_json({"type": "token", "pubkey": raw_hex})
        first = ws.receive_json()
        started = time.monotonic()
        assert ws.receive_json() == {
            "type": "error",
            "value": "challenge_expired",
            "code": "challenge_expired",
        }
        assert time.monotonic() - started < 5
        # The late signature finds no challenge; a new request works.
        ws.send_json({"type": "challenge", "sig": buffer(key.sign(bytes(first["value"]["data"])))})
        assert ws.receive_json()["value"] == "no_challenge"
        reply = demo_transcript(ws, raw_hex, lambda d: buffer(key.sign(d)))
        assert reply["type"] == "token"
        # The expired challenge was consumed: its id cannot be used over HTTP either.
        r = c.post("/auth/verify", json={"id": first["id"], "signature": "00" * 64})
        assert r.json() == {"error": "challenge_expired"}


def test_second_token_while_pending() -> None:
    key, raw_hex, _ = ed25519_key()
    with client() as c, c.websocket_connect("/ws/userauth") as ws:
        ws.send_json({"type": "token", "pubkey": raw_hex})
        challenge = ws.receive_json()
        ws.send_json({"type": "token", "pubkey": raw_hex})
        assert ws.receive_json()["value"] == "challenge_pending"
        ws.send_json(
            {"type": "challenge", "sig": buffer(key.sign(bytes(challenge["value"]["data"])))}
        )
        assert ws.receive_json()["type"] == "token"


def test_wrong_signature_then_retry() -> None:
    key, raw_hex, _ = ed25519_key()
    other, _, _ = ed25519_key()
    with client() as c, c.websocket_connect("/ws/userauth") as ws:
        reply = demo_transcript(ws, raw_hex, lambda d: buffer(other.sign(d)))
        assert reply == {"type": "error", "value": "invalid_signature", "code": "invalid_signature"}
        assert demo_transcript(ws, raw_hex, lambda d: buffer(key.sign(d)))["type"] == "token"


def test_signature_as_plain_string_refused_cleanly() -> None:
    key, raw_hex, _ = ed25519_key()
    with client() as c, c.websocket_connect("/ws/userauth") as ws:
        # Node would read a string as UTF-8 bytes; here it is not hex/base64url: refused.
        reply = demo_transcript(ws, raw_hex, lambda d: key.sign(d).decode("latin-1"))
        assert reply["type"] == "error"
        assert reply["value"] == "invalid_request"


def test_strike_limit_closes_with_1008_after_error_frame() -> None:
    with client() as c, c.websocket_connect("/ws/userauth") as ws:
        ws.send_text("not json")
        assert ws.receive_json()["value"] == "invalid_request"
        ws.send_json({"type": "mystery"})
        assert ws.receive_json()["value"] == "invalid_request"
        ws.send_bytes(b"\x00binary")
        assert ws.receive_json()["value"] == "invalid_request"
        assert ws.receive()["code"] == 1008


def test_oversized_frame_error_then_close() -> None:
    with client() as c, c.websocket_connect("/ws/userauth") as ws:
        ws.send_text('{"type":"token","pubkey":"' + "a" * 5000 + '"}')
        assert ws.receive_json()["value"] == "too_large"
        assert ws.receive()["code"] == 1009


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "token"},
        {"type": "token", "pubkey": "garbage"},
        {"type": "token", "pubkey": ["x"]},
        {"type": "challenge", "sig": [1, 2]},
        [1, 2, 3],
        "string",
        {"type": None},
    ],
)
def test_bad_frames_answer_error_codes(frame: Any) -> None:
    with client() as c, c.websocket_connect("/ws/userauth") as ws:
        ws.send_json(frame)
        reply = ws.receive_json()
        assert reply["type"] == "error"
        assert reply["value"] in ("invalid_request", "no_challenge")


def test_rate_limited_over_websocket() -> None:
    from authtokens.server.config import RateLimits

    _, raw_hex, _ = ed25519_key()
    limits = RateLimits.parse("challenge-key=1/60")
    with (
        client(rate_limits=limits, clock=lambda: 1_900_000_000.0, ws_sig_timeout=0.2) as c,
        c.websocket_connect("/ws/userauth") as ws,
    ):
        ws.send_json({"type": "token", "pubkey": raw_hex})
        assert ws.receive_json()["type"] == "challenge"
        assert ws.receive_json()["value"] == "challenge_expired"
        ws.send_json({"type": "token", "pubkey": raw_hex})
        assert ws.receive_json()["value"] == "rate_limited"


def test_idle_connection_closed_with_error_frame() -> None:
    with client(ws_idle_timeout=0.2) as c, c.websocket_connect("/ws/userauth") as ws:
        assert ws.receive_json()["value"] == "idle_timeout"
        assert ws.receive()["code"] == 1000
