"""Load benchmark of the sign-in server: complete sign-ins per second over HTTP.

Starts each server in its own process (uvicorn, as ``authtokens serve`` runs it), then drives it
from this process with N concurrent keep-alive HTTP/1.1 clients for a fixed time. One sign-in is
``POST /auth/challenge`` + Ed25519 signing of the message by the client + ``POST /auth/verify``
with a 200 and a token. The baseline is a trivial ASGI app on the same uvicorn, driven the same
way (two requests per iteration), i.e. the web stack's own ceiling on this machine.

    python benchmarks/bench_server.py [--duration 10] [--concurrency 32] [--stores sqlite,redis]

Redis needs a redis-server (tools/ensure-redis.sh); it is started on a free port for the run.
Rate limits stay active but are raised so they never trigger (their counters are still kept).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO = Path(__file__).resolve().parent.parent
# One domain for every run, so that runs may share a store.
FIXED = ["--domain", "bench.example", "--uri", "https://bench.example"]
LIMITS = ",".join(
    f"{name}=100000000/60" for name in ("challenge-ip", "challenge-key", "verify-ip", "verify-key")
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError("server did not become ready")


# --- a minimal keep-alive HTTP/1.1 client --------------------------------------------------


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode("ascii") + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = 0
        for line in raw.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        self.writer.close()


async def drive(port: int, concurrency: int, duration: float, trivial: bool) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    stop = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal failures
        conn = await Conn.open(port)
        key = Ed25519PrivateKey.generate()
        pub = (
            key.public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )
        request = json.dumps({"pubkey": pub}).encode()
        try:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                if trivial:
                    s1, _ = await conn.request("POST", "/", request)
                    s2, _ = await conn.request("POST", "/", request)
                    ok = s1 == s2 == 200
                else:
                    s1, body = await conn.request("POST", "/auth/challenge", request)
                    ch = json.loads(body)
                    sig = key.sign(ch["message"].encode()).hex()
                    verify = json.dumps({"id": ch["id"], "signature": sig}).encode()
                    s2, body = await conn.request("POST", "/auth/verify", verify)
                    ok = s1 == s2 == 200 and b'"token"' in body
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    failures += 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {
        "rate": n / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if n else float("nan"),
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else float("nan"),
        "count": n,
        "failures": failures,
    }


# --- servers ---------------------------------------------------------------------------------


async def trivial_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The baseline: read the body, answer 200 with a tiny JSON body."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


def start_trivial(port: int) -> subprocess.Popen[bytes]:
    here = str(Path(__file__).parent)
    code = (
        f"import sys, uvicorn; sys.path.insert(0, {here!r}); from bench_server import trivial_app; "
        f"uvicorn.run(trivial_app, host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False, lifespan='off')"
    )
    return subprocess.Popen([sys.executable, "-c", code])


def start_signin(port: int, store: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "authtokens.server",
            "serve",
            "--port",
            str(port),
            "--store",
            store,
            "--rate-limits",
            LIMITS,
            "--log-level",
            "warning",
        ],
        cwd=workdir,
        env=env,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by ``pids`` and all their live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo, seen = 0.0, list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen or (fields := _stat(pid)) is None:
            continue
        seen.add(pid)
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        todo.extend(children.get(pid, []))
    return total


def start_redis(binary: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A throwaway redis-server on a free port (no persistence); its process and URL."""
    rport = free_port()
    proc = subprocess.Popen(
        [
            *(binary, "--port", str(rport), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", rport), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{rport}/0"


def redis_binary() -> str | None:
    for path in (
        os.environ.get("AUTHTOKENS_REDIS_SERVER"),
        shutil.which("redis-server"),
        "/usr/bin/redis-server",
    ):
        if path and os.access(path, os.X_OK):
            return path
    return None


def run(
    name: str,
    proc: subprocess.Popen[bytes],
    port: int,
    ready: str,
    args: Any,
    trivial: bool = False,
) -> dict[str, Any]:
    try:
        wait_ready(port, ready, proc)
        asyncio.run(drive(port, args.concurrency, 1.0, trivial))  # warm-up
        result = asyncio.run(drive(port, args.concurrency, args.duration, trivial))
    finally:
        stop(proc)
    result["name"] = name
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--stores", default="sqlite,redis")
    args = parser.parse_args()
    results = []
    port = free_port()
    results.append(
        run(
            "trivial uvicorn endpoint (2 requests per iteration)",
            start_trivial(port),
            port,
            "/",
            args,
            trivial=True,
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for store in args.stores.split(","):
            redis_proc = None
            if store == "sqlite":
                url = "sqlite:///bench.db"
            elif store == "redis":
                binary = redis_binary()
                if binary is None:
                    print("redis-server not found (tools/ensure-redis.sh): Redis skipped")
                    continue
                rport = free_port()
                redis_proc = subprocess.Popen(
                    [
                        binary,
                        "--port",
                        str(rport),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        tmp,
                    ],
                    stdout=subprocess.DEVNULL,
                )
                time.sleep(0.3)
                url = f"redis://127.0.0.1:{rport}/0"
            elif store == "memory":
                url = "memory"
            else:
                parser.error(f"unknown store {store}")
            try:
                port = free_port()
                results.append(
                    run(
                        f"sign-in, {store} store",
                        start_signin(port, url, workdir),
                        port,
                        "/healthz",
                        args,
                    )
                )
            finally:
                if redis_proc is not None:
                    stop(redis_proc)
    print(
        f"\n{os.cpu_count()} CPUs, {args.concurrency} concurrent clients, "
        f"{args.duration:g} s per run, Python {sys.version.split()[0]}\n"
    )
    print(f"| {'what':<52} | {'per second':>10} | {'p50 ms':>7} | {'p99 ms':>7} | failures |")
    print(f"|{'-' * 54}|{'-' * 12}|{'-' * 9}|{'-' * 9}|----------|")
    for r in results:
        print(
            f"| {r['name']:<52} | {r['rate']:>10.0f} | {r['p50_ms']:>7.1f} | "
            f"{r['p99_ms']:>7.1f} | {r['failures']:>8} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
