"""Reproduce the availability attacks of issue 11 (items 1-2) against a sign-in server.

1. Slow connections: one address (``--attacker``, default 127.0.0.2; Linux routes all of 127/8
   to the loopback) opens ``--connections`` (1,100) connections and sends each a request's
   headers a byte at a time, for ``--hold`` seconds.
2. Third-party lockout: the same address asks for 61 challenges naming a victim's key.

Meanwhile a client on another address (127.0.0.1) signs in, and must succeed. With
``--start-server`` the script starts ``authtokens serve`` itself with its open-file limit at
``--nofile`` (1024, like ``ulimit -n 1024``); ``--server-arg`` passes flags to it (for example
``--server-arg=--max-connections-per-ip=0 --server-arg=--header-timeout=100000`` to see the
attack succeed without the limits). Exit status 0 when every sign-in from the other address
succeeded. Run as ``make soak``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

REPO = Path(__file__).resolve().parent.parent
HEADERS = b"POST /auth/challenge HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 4096


def _raw_hex(key: ed25519.Ed25519PrivateKey) -> str:
    public = key.public_key()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign_in(base: str, key: ed25519.Ed25519PrivateKey | None = None) -> tuple[int, float]:
    """One complete sign-in from 127.0.0.1: (final HTTP status or 0 on timeout, seconds)."""
    key = key or ed25519.Ed25519PrivateKey.generate()
    start = time.monotonic()
    try:
        with httpx.Client(timeout=10) as c:
            r = c.post(base + "/auth/challenge", json={"pubkey": _raw_hex(key)})
            if r.status_code != 200:
                return r.status_code, time.monotonic() - start
            ch = r.json()
            signature = key.sign(ch["message"].encode()).hex()
            r = c.post(base + "/auth/verify", json={"id": ch["id"], "signature": signature})
            return r.status_code, time.monotonic() - start
    except httpx.HTTPError:
        return 0, time.monotonic() - start


def _open(address: str, host: str, port: int) -> socket.socket | None:
    s = socket.socket()
    s.settimeout(2)
    try:
        s.bind((address, 0))
        s.connect((host, port))
        s.sendall(HEADERS[:16])
        s.setblocking(False)
    except OSError:
        s.close()
        return None
    return s


def _alive(s: socket.socket) -> bool:
    """False once the server has closed ``s`` (after reading what it said, e.g. a 408)."""
    try:
        while s.recv(4096):
            pass
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


@contextlib.contextmanager
def started_server(nofile: int, extra: list[str]) -> Iterator[str]:
    """``authtokens serve --store memory`` on a free port with ``RLIMIT_NOFILE`` = ``nofile``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = Path(tempfile.mkdtemp(prefix="authtokens-soak-"))

    def limit() -> None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

    command = [sys.executable, "-m", "authtokens.server", "serve", "--store", "memory"]
    command += ["--port", str(port), "--log-level", "warning", *extra]
    log = (workdir / "server.log").open("wb")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=limit
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/livez", timeout=1).status_code == 200:
                    break
            time.sleep(0.05)
        print(f"server pid {proc.pid} on {base}, ulimit -n {nofile}, log {workdir}/server.log")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
        lines = (workdir / "server.log").read_text(errors="replace").splitlines()
        print(f"server log: {len(lines)} lines, {sum(len(x) + 1 for x in lines)} bytes")
        for line in lines[:5]:
            print("  " + line[:160])


def slow_connections(base: str, attacker: str, count: int, hold: float) -> bool:
    host, port = base.removeprefix("http://").split(":")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
    start = time.monotonic()
    held = [s for s in (_open(attacker, host, int(port)) for _ in range(count)) if s]
    took = time.monotonic() - start
    print(f"item 1: {attacker} connected {len(held)} of {count} in {took:.1f} s")
    ok = True
    try:
        deadline, sent = time.monotonic() + hold, 16
        while time.monotonic() < deadline:
            for s in held:  # one more header byte each: never complete, never idle
                with contextlib.suppress(OSError):
                    s.send(HEADERS[sent : sent + 1])
            sent += 1
            status, took = sign_in(base)
            alive = sum(_alive(s) for s in held)
            print(f"  sign-in from 127.0.0.1: {status} in {took:.2f} s; {alive} slow ones open")
            ok = ok and status == 200
            time.sleep(2)
    finally:
        for s in held:
            s.close()
    return ok


def lockout(base: str, attacker: str) -> bool:
    victim = ed25519.Ed25519PrivateKey.generate()
    transport = httpx.HTTPTransport(local_address=attacker)
    with httpx.Client(transport=transport, timeout=10) as c:
        codes = [
            c.post(base + "/auth/challenge", json={"pubkey": _raw_hex(victim)}).status_code
            for _ in range(61)
        ]
    print(f"item 2: {attacker} asked 61 challenges for the victim's key: last answers {codes[-3:]}")
    status, took = sign_in(base, victim)
    print(f"  the victim's sign-in from 127.0.0.1: {status} in {took:.2f} s")
    return status == 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--url", default="http://127.0.0.1:3001", help="a running server")
    parser.add_argument("--start-server", action="store_true", help="start one (memory store)")
    parser.add_argument("--nofile", type=int, default=1024, help="the started server's ulimit -n")
    parser.add_argument("--server-arg", action="append", default=[], help="flag for the server")
    parser.add_argument("--attacker", default="127.0.0.2", help="address of the attacker")
    parser.add_argument("--connections", type=int, default=1100)
    parser.add_argument("--hold", type=float, default=16.0, help="seconds to hold them")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        base = args.url
        if args.start_server:
            base = stack.enter_context(started_server(args.nofile, args.server_arg))
        ok = slow_connections(base, args.attacker, args.connections, args.hold)
        ok = lockout(base, args.attacker) and ok
    print("PASS: sign-ins from another address succeeded" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
