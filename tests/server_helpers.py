"""Shared helpers for the sign-in server tests.

The signing side is written from the protocol description (challenge-login.md §2.2, §4), not
from the server's modules, so a test client that signs in checks the server against the spec.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from coincurve import PrivateKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from starlette.applications import Starlette

with warnings.catch_warnings():  # Starlette 1.x nudges towards httpx2; httpx is what we ship
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from authtokens.keys import CURVE_ORDER
from authtokens.server.app import create_app
from authtokens.server.config import RateLimits, ServerConfig
from authtokens.server.session import TokenSigner
from authtokens.stores import MemoryStore, Store

REPO = Path(__file__).resolve().parent.parent
ORIGIN = "http://localhost:3000"
DOMAIN = "localhost:3001"
URI = "http://localhost:3001"
API_SECRET = b"\x01" * 24

T = TypeVar("T")


# --- client-side signing, from the protocol description --------------------------------------


def ed25519_key() -> tuple[ed25519.Ed25519PrivateKey, str, str]:
    """A new Ed25519 key: (private key, raw hex, libp2p ``bbaarei…`` string)."""
    import base64

    key = ed25519.Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    proto = b"\x08\x01\x12\x20" + raw
    libp2p = "b" + base64.b32encode(proto).decode().rstrip("=").lower()
    return key, raw.hex(), libp2p


def stacks_digest(message: str, *, legacy: bool = False) -> bytes:
    """stx_signMessage digest: SHA-256(prefix || CompactSize(len) || utf8)."""
    import hashlib

    data = message.encode("utf-8")
    prefix = b"\x18Stacks Message Signing:\n" if legacy else b"\x17Stacks Signed Message:\n"
    n = len(data)
    size = bytes((n,)) if n < 0xFD else b"\xfd" + n.to_bytes(2, "little")
    return hashlib.sha256(prefix + size + data).digest()


def sign_rsv(secret: PrivateKey, digest: bytes, *, high_s: bool = False) -> bytes:
    """65-byte r||s||v (v in {0, 1}) over ``digest``; optionally with S negated (high S)."""
    sig: bytes = secret.sign_recoverable(digest, hasher=None)
    if not high_s:
        return sig
    s = CURVE_ORDER - int.from_bytes(sig[32:64], "big")
    return sig[:32] + s.to_bytes(32, "big") + bytes((sig[64] ^ 1,))


def der(rs: bytes) -> bytes:
    """DER of a 64-byte r||s (written here, not taken from the library)."""

    def integer(b: bytes) -> bytes:
        b = b.lstrip(b"\x00") or b"\x00"
        if b[0] & 0x80:
            b = b"\x00" + b
        return b"\x02" + bytes((len(b),)) + b

    body = integer(rs[:32]) + integer(rs[32:])
    return b"\x30" + bytes((len(body),)) + body


# --- apps and servers -------------------------------------------------------------------------


@cache
def signing_key() -> ec.EllipticCurvePrivateKey:
    """One ES256K session-token key for the whole test run."""
    return ec.generate_private_key(ec.SECP256K1())


def make_signer(config: ServerConfig) -> TokenSigner:
    return TokenSigner(
        signing_key(), issuer=config.issuer, audience=config.audience, ttl=config.token_ttl
    )


def make_config(**overrides: Any) -> ServerConfig:
    """A test config: fixed domain/URI, the test page origin allowed."""
    values: dict[str, Any] = {
        "domain": DOMAIN,
        "uri": URI,
        "allowed_origins": frozenset({ORIGIN}),
    }
    values.update(overrides)
    return ServerConfig(**values)


def make_app(
    *, store: Store | None = None, clock: Callable[[], float] = time.time, **overrides: Any
) -> Starlette:
    config = make_config(**overrides)
    return create_app(
        config, store or MemoryStore(clock=clock), make_signer(config), API_SECRET, clock=clock
    )


@contextmanager
def client(**kwargs: Any) -> Iterator[TestClient]:
    """A Starlette TestClient (lifespan run) over `make_app`."""
    with TestClient(make_app(**kwargs), base_url="http://testserver") as c:
        yield c


NO_LIMITS = RateLimits.parse("challenge-ip=0/1,challenge-key=0/1,verify-ip=0/1,verify-key=0/1")


def free_port() -> int:
    """A port free on 127.0.0.1 now; another process may bind it before our server does, so
    start servers through `on_free_port`, which retries then."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PortTaken(RuntimeError):
    """The server exited at start-up because its port was taken (EADDRINUSE)."""


def port_taken(output: str) -> bool:
    """Whether a server's output says it could not bind its port (uvicorn and redis-server:
    "address already in use"; Django's runserver: "That port is already in use.")."""
    text = output.lower()
    return any(s in text for s in ("address already in use", "port is already in use", "errno 98"))


@contextmanager
def on_free_port(
    start: Callable[[int], AbstractContextManager[T]], attempts: int = 5
) -> Iterator[T]:
    """``start(port)`` entered on a `free_port`; on a new port when it raises `PortTaken` (the
    port was bound by another process between `free_port` and the server's bind), at most
    ``attempts`` times."""
    with ExitStack() as stack:
        for attempt in range(1, attempts + 1):
            try:
                value = stack.enter_context(start(free_port()))
                break
            except PortTaken as e:
                if attempt == attempts:
                    raise PortTaken(f"the port was taken on each of {attempts} attempts") from e
        yield value


def wait_http(url: str, timeout: float = 15.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer 200 in {timeout} s")


@contextmanager
def running_process(
    argv: list[str],
    *,
    cwd: Path,
    log: Path,
    health: str,
    env: dict[str, str],
    timeout: float = 15.0,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` started in ``cwd`` (its output in ``log``), from when ``health`` answers 200
    until the block ends; then terminated (killed if it has not exited 10 s later). Yields
    the process. Raises `PortTaken` if it exits saying its port is in use."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=preexec_fn
        )
        try:
            try:
                wait_http(health, timeout, proc)
            except RuntimeError:  # it exited
                if port_taken(output := log.read_text(errors="replace")):
                    log.unlink()  # a retry on another port logs afresh
                    raise PortTaken(output[-2000:]) from None
                raise
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def running_server(
    argv: Callable[[int], list[str]],
    *,
    cwd: Path,
    log: Callable[[int], Path],
    health: str,
    env: dict[str, str],
    timeout: float = 15.0,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`running_process` of ``argv(port)`` (logging to ``log(port)``, answering 200 on the
    path ``health``) on a free port of 127.0.0.1, through `on_free_port`; yields its base URL
    and the process."""

    @contextmanager
    def start(port: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
        base = f"http://127.0.0.1:{port}"
        with running_process(
            argv(port),
            cwd=cwd,
            log=log(port),
            health=base + health,
            env=env,
            timeout=timeout,
            preexec_fn=preexec_fn,
        ) as proc:
            yield base, proc

    with on_free_port(start) as served:
        yield served


@contextmanager
def server_process(
    store: str,
    workdir: Path,
    *extra: str,
    nofile: int | None = None,
    started: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[str]:
    """``python -m authtokens.server serve`` on a free port; yields its base URL.

    ``nofile`` lowers the server's open-file limit (``ulimit -n``); ``started`` receives the
    process (to signal it).
    """

    def limit_files() -> None:
        if nofile is not None:
            import resource

            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

    # Key files default to the per-user state directory: keep them in the test's directory.
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(workdir)}

    def argv(port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "authtokens.server",
            "serve",
            "--port",
            str(port),
            "--store",
            store,
            "--allowed-origin",
            ORIGIN,
            "--domain",
            DOMAIN,
            "--uri",
            URI,
            "--log-level",
            "warning",
            *extra,
        ]

    with running_server(
        argv,
        cwd=workdir,
        log=lambda port: workdir / f"server-{port}.log",
        health="/healthz",
        env=env,
        preexec_fn=limit_files if nofile is not None else None,
    ) as (base, proc):
        if started is not None:
            started.append(proc)
        yield base


# --- redis -------------------------------------------------------------------------------------


def redis_binary() -> str:
    """The redis-server to use, or skip (fail under CI) when there is none."""
    candidates = [
        os.environ.get("AUTHTOKENS_REDIS_SERVER"),
        shutil.which("redis-server"),
        "/usr/bin/redis-server",
    ]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    reason = (
        "redis-server not found: run tools/ensure-redis.sh or set AUTHTOKENS_REDIS_SERVER; "
        "the Redis store tests are SKIPPED"
    )
    if os.environ.get("CI"):
        pytest.fail(reason.replace("SKIPPED", "required under CI"))
    pytest.skip(reason)


@contextmanager
def redis_server(
    workdir: Path, *, persistent: bool = False, port: int | None = None
) -> Iterator[str]:
    """A redis-server on 127.0.0.1 with its files in ``workdir``; yields its URL. On a free port
    unless ``port`` is given (to restart on the same one)."""
    binary = redis_binary()
    persistence = (
        ["--appendonly", "yes", "--appendfsync", "always"] if persistent else ["--appendonly", "no"]
    )

    @contextmanager
    def start(port: int) -> Iterator[str]:
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(workdir),
                    "--save",
                    "",
                    *persistence,
                    "--daemonize",
                    "no",
                    "--protected-mode",
                    "yes",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + 10
                while True:
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                            s.sendall(b"PING\r\n")
                            if s.recv(16).startswith(b"+PONG"):
                                break
                    except OSError:
                        pass
                    if proc.poll() is not None:
                        log.seek(0)
                        if port_taken(output := log.read().decode(errors="replace")):
                            raise PortTaken(output[-2000:])
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("redis-server did not start")
                    time.sleep(0.05)
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                proc.terminate()
                proc.wait(10)

    with start(port) if port else on_free_port(start) as url:
        yield url
