"""``authtokens serve --workers N``: the pre-fork supervisor on shared stores, its graceful
shutdown, the refusal of the memory store, metrics summed over workers, JSON logs."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from server_helpers import REPO, URI, ed25519_key, redis_server, server_process
from test_server_processes import challenge, race

from authtokens.server.session import verify_session_token


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _sign_in(base: str) -> None:
    key, raw_hex, _ = ed25519_key()
    ch = challenge(base, raw_hex)
    r = httpx.post(
        base + "/auth/verify",
        json={"id": ch["id"], "signature": key.sign(ch["message"].encode()).hex()},
    )
    assert r.status_code == 200, r.text


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, text
    return float(match.group(1))


def two_workers_exactly_once(store: str, workdir: Path) -> None:
    started: list[subprocess.Popen[bytes]] = []
    limits = ("--rate-limits", "verify-ip=1000/60")
    with server_process(store, workdir, "--workers", "2", *limits, started=started) as base:
        assert len(_children(started[0].pid)) == 2
        key, raw_hex, _ = ed25519_key()
        for _ in range(3):  # challenges issued by either worker, completed by either
            ch = challenge(base, raw_hex)
            codes = race([base], ch["id"], key.sign(ch["message"].encode()).hex())
            assert codes.count(200) == 1, codes
            assert codes.count(401) == 49, codes
        for _ in range(5):
            _sign_in(base)
        # Whichever worker answers the scrape sums every worker's counts.
        for _ in range(4):
            text = httpx.get(base + "/metrics").text
            assert _metric(text, 'authtokens_signins_total{channel="http"}') == 8
            assert _metric(text, 'authtokens_refusals_total{code="challenge_expired"}') == 147


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--workers needs fork")
def test_two_workers_one_sqlite_file(tmp_path: Path) -> None:
    two_workers_exactly_once("sqlite:///auth.db", tmp_path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--workers needs fork")
def test_two_workers_one_redis(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        two_workers_exactly_once(url, tmp_path)


def test_workers_refused_with_the_memory_store(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "authtokens.server", "serve", "--store=memory", "--workers=2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "--workers > 1 needs a store the workers share" in done.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="--workers needs fork")
@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_graceful_shutdown_finishes_sign_ins_and_keeps_challenges(
    kind: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        store = (
            "sqlite:///auth.db" if kind == "sqlite" else stack.enter_context(redis_server(tmp_path))
        )
        graceful_shutdown(store, tmp_path)


def graceful_shutdown(store: str, tmp_path: Path) -> None:
    key, raw_hex, libp2p = ed25519_key()
    started: list[subprocess.Popen[bytes]] = []
    extra = ("--workers", "2", "--log-format", "json", "--log-level", "info")
    with server_process(store, tmp_path, *extra, started=started) as base:
        kept = challenge(base, raw_hex)
        flight = challenge(base, raw_hex)
        body = json.dumps(
            {"id": flight["id"], "signature": key.sign(flight["message"].encode()).hex()}
        ).encode()
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(
                b"POST /auth/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body[:20])
            )
            time.sleep(0.5)  # the request is in a worker, waiting for its body
            started[0].send_signal(signal.SIGTERM)
            time.sleep(0.5)  # the shutdown has begun
            s.sendall(body[20:])
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 200 "), reply
        assert b'"token"' in reply
        assert started[0].wait(15) == 0
    # The challenge left pending survives in the store for the next server.
    with server_process(store, tmp_path) as base:
        r = httpx.post(
            base + "/auth/verify",
            json={"id": kept["id"], "signature": key.sign(kept["message"].encode()).hex()},
        )
        assert r.status_code == 200, r.text
        jwks = httpx.get(base + "/.well-known/jwks.json").json()
        assert verify_session_token(r.json()["token"], jwks, issuer=URI, audience=URI).sub == (
            "ed25519:" + libp2p
        )
    args = [str(a) for a in started[0].args]  # type: ignore[union-attr]
    first_log = tmp_path / f"server-{args[args.index('--port') + 1]}.log"
    lines = first_log.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "pid", "message"} <= set(records[0])
    assert len({r["pid"] for r in records}) == 3  # the supervisor and two workers
    assert any("shutting down 2 workers" in r["message"] for r in records)


def test_shared_socket_gives_connections_tcp_nodelay() -> None:
    """asyncio turns Nagle off only for sockets that name IPPROTO_TCP; a proto-0 listening
    socket (uvicorn's --workers) leaves keep-alive clients waiting on delayed ACKs."""
    import asyncio

    from authtokens.server.workers import bind_socket

    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    seen: list[int] = []

    async def run() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            raw = writer.get_extra_info("socket")
            seen.append(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=sock)
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    asyncio.run(run())
    assert seen == [1]
