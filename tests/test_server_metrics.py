"""``GET /metrics``: Prometheus text of sign-ins, refusals, latency, store errors, connections."""

from __future__ import annotations

import re

from server_helpers import ORIGIN, client, ed25519_key
from test_server_http import ed_signer, signin

from authtokens.server.limits import ConnectionGuard, ConnectionLimits
from authtokens.server.metrics import Metrics
from authtokens.stores import MemoryStore


def _value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{sample} not in\n{text}"
    return float(match.group(1))


def test_metrics_count_sign_ins_refusals_and_latency() -> None:
    key, raw_hex, _ = ed25519_key()
    with client() as c:
        for _ in range(2):
            assert signin(c, {"pubkey": raw_hex}, ed_signer(key)).status_code == 200
        assert c.post("/auth/verify", json={"id": "A" * 22, "signature": "00"}).status_code == 401
        assert c.post("/auth/challenge", json={}).status_code == 400
        evil = {"origin": "http://evil.example"}
        assert c.post("/auth/challenge", json={}, headers=evil).status_code == 403
        assert c.post("/auth/challenge", json={}, headers={"origin": ORIGIN}).status_code == 400
        r = c.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = r.text
    assert _value(text, 'authtokens_signins_total{channel="http"}') == 2
    assert _value(text, 'authtokens_refusals_total{code="challenge_expired"}') == 1
    assert _value(text, 'authtokens_refusals_total{code="invalid_request"}') == 2
    assert _value(text, 'authtokens_refusals_total{code="origin_not_allowed"}') == 1
    verify = 'authtokens_request_duration_seconds_count{endpoint="/auth/verify"}'
    assert _value(text, verify) == 3
    assert (
        _value(text, 'authtokens_request_duration_seconds_count{endpoint="/auth/challenge"}') == 5
    )
    assert _value(text, "authtokens_open_connections") == 0


def test_metrics_count_store_errors() -> None:
    class Broken(MemoryStore):
        async def record_user(self, key_id: str, key_type: str) -> object:  # type: ignore[override]
            raise ConnectionError("store went away")

    key, raw_hex, _ = ed25519_key()
    with client(store=Broken()) as c:
        r = c.post("/auth/challenge", json={"pubkey": raw_hex})
        ch = r.json()
        r = c.post(
            "/auth/verify",
            json={"id": ch["id"], "signature": key.sign(ch["message"].encode()).hex()},
        )
        assert (r.status_code, r.json()) == (503, {"error": "store_unavailable"})
        text = c.get("/metrics").text
    assert _value(text, 'authtokens_store_errors_total{operation="record_user"}') == 1


def test_metrics_off() -> None:
    with client(metrics=False) as c:
        assert c.get("/metrics").status_code == 404


def test_open_connections_follow_the_guard() -> None:
    metrics = Metrics(frozenset())
    guard = ConnectionGuard(ConnectionLimits(max_per_ip=2))
    guard.on_change = metrics.connection
    assert guard.admit("10.0.0.1")
    assert guard.admit("10.0.0.1")
    assert not guard.admit("10.0.0.1")  # refused connections are not open ones
    text = metrics.render().decode()
    assert _value(text, "authtokens_open_connections") == 2
    guard.release("10.0.0.1")
    assert _value(metrics.render().decode(), "authtokens_open_connections") == 1
