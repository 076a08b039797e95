"""Load benchmark of the sign-in server: complete sign-ins per second over HTTP, against the
web stack's own ceiling, in alternating windows.

Every server runs in its own processes (``authtokens serve``, 1 or 2 workers); this process
drives it with N concurrent keep-alive HTTP/1.1 clients. One *challenge* sign-in is
``POST /auth/challenge`` + Ed25519 signing of the message by the client + ``POST /auth/verify``
answered 200 with a token; one *SIWS* sign-in is ``POST /siws/nonce`` + a SIWS message signed
with the client's Stacks key + ``POST /siws/verify`` (when the server has those routes). The
ceiling is a trivial ASGI app on uvicorn with the same number of worker processes, driven by
the same client with two requests per iteration; there are two (``--ceilings``): ``fast``,
uvicorn as the server runs it (httptools parser, uvloop), and ``h11``, uvicorn's pure-Python
parser on asyncio's loop (the server's stack until 2026-11-30).

The machine is shared and its speed drifts, so each configuration runs ``--rounds`` rounds of
one window per ceiling then one sign-in window, and reports the median of the per-round ratios
(sign-ins/s over ceiling iterations/s), the median rates, p50/p99 latency over all its windows,
and the server CPU time per sign-in (user + system of the server's processes, from /proc).
With Redis it also reports redis-server's CPU time per sign-in, the figure behind the
projection in SERVER.md.

``--soak SECONDS`` then runs sign-ins for that long against one server and reports its resident
memory (RSS, all worker processes) at the start, the end and the largest seen.

    python benchmarks/bench_server.py [--window 3] [--rounds 5] [--concurrency 32]
        [--stores sqlite,redis] [--workers 1,2] [--flows challenge,siws] [--ceilings fast,h11]
        [--soak 300]

Redis needs a redis-server (tools/ensure-redis.sh); one is started on a free port per run.
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
from collections.abc import Callable
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
    deadline = time.monotonic() + 30
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


# --- the flows: one iteration each ------------------------------------------------------------

Flow = Callable[[Conn], Any]


def trivial_flow() -> Callable[[Conn], Any]:
    async def once(conn: Conn) -> bool:
        s1, _ = await conn.request("POST", "/", b'{"pubkey":"00"}')
        s2, _ = await conn.request("POST", "/", b'{"pubkey":"00"}')
        return s1 == s2 == 200

    return once


def challenge_flow() -> Callable[[Conn], Any]:
    key = Ed25519PrivateKey.generate()
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    request = json.dumps({"pubkey": pub.hex()}).encode()

    async def once(conn: Conn) -> bool:
        s1, body = await conn.request("POST", "/auth/challenge", request)
        if s1 != 200:
            return False
        ch = json.loads(body)
        sig = key.sign(ch["message"].encode()).hex()
        verify = json.dumps({"id": ch["id"], "signature": sig}).encode()
        s2, body = await conn.request("POST", "/auth/verify", verify)
        return s2 == 200 and b'"token"' in body

    return once


def siws_flow() -> Callable[[Conn], Any]:
    """Sign-In with Stacks against ``/siws/nonce`` + ``/siws/verify`` (better-auth shapes)."""
    from coincurve import PrivateKey

    from authtokens.addresses import STACKS_MAINNET, stacks_address
    from authtokens.siws import create_message
    from authtokens.stacks_messages import sign_message

    secret = PrivateKey()
    address = stacks_address(secret.public_key.format(compressed=True), STACKS_MAINNET)
    nonce_request = json.dumps({"walletAddress": address}).encode()

    async def once(conn: Conn) -> bool:
        s1, body = await conn.request("POST", "/siws/nonce", nonce_request)
        if s1 != 200:
            return False
        nonce = json.loads(body)["nonce"]
        message = create_message(
            domain="bench.example", address=address, uri="https://bench.example", nonce=nonce
        )
        signature = sign_message(secret.secret.hex(), message)
        verify = json.dumps(
            {"message": message, "signature": signature, "walletAddress": address}
        ).encode()
        s2, body = await conn.request("POST", "/siws/verify", verify)
        return s2 == 200 and b'"token"' in body

    return once


FLOWS: dict[str, Callable[[], Flow]] = {
    "trivial": trivial_flow,
    "challenge": challenge_flow,
    "siws": siws_flow,
}


async def drive_flow(
    port: int, concurrency: int, duration: float, flow: str, *, samples: list[float] | None = None
) -> dict[str, Any]:
    """``concurrency`` clients run ``flow`` for ``duration`` seconds; rate, p50, p99."""
    latencies: list[float] = [] if samples is None else samples
    start_len = len(latencies)
    failures = 0
    stop_at = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal failures
        conn = await Conn.open(port)
        once = FLOWS[flow]()
        try:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                if await once(conn):
                    latencies.append(time.perf_counter() - t0)
                else:
                    failures += 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    mine = sorted(latencies[start_len:])
    n = len(mine)
    return {
        "rate": n / elapsed,
        "p50_ms": 1000 * statistics.median(mine) if n else float("nan"),
        "p99_ms": 1000 * mine[min(n - 1, int(n * 0.99))] if n else float("nan"),
        "count": n,
        "failures": failures,
    }


async def drive(port: int, concurrency: int, duration: float, trivial: bool) -> dict[str, Any]:
    """The challenge flow (or the trivial one): kept for `profile_server`."""
    return await drive_flow(port, concurrency, duration, "trivial" if trivial else "challenge")


# --- servers ---------------------------------------------------------------------------------


async def trivial_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The ceiling: read the body, answer 200 with a tiny JSON body."""
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


# The ceiling's web stacks: uvicorn as `authtokens serve` runs it (its httptools parser and
# uvloop), and uvicorn's pure-Python h11 parser on asyncio's own loop (the stack the server ran
# on until 2026-11-30, and the one the 0.5 goal was set against).
CEILINGS = {"fast": "", "h11": ", http='h11', loop='asyncio'"}


def start_trivial(port: int, workers: int = 1, stack: str = "fast") -> subprocess.Popen[bytes]:
    """The trivial app on uvicorn (``stack``: a `CEILINGS` key); with several workers, under
    the same supervisor as ``authtokens serve --workers`` (`authtokens.server.workers`)."""
    here = str(Path(__file__).parent)
    code = (
        "import sys, uvicorn\n"
        f"sys.path.insert(0, {here!r})\n"
        "from bench_server import trivial_app\n"
        "from authtokens.server.workers import bind_socket, run_workers\n"
        "def make():\n"
        f"    return uvicorn.Server(uvicorn.Config(trivial_app, host='127.0.0.1', port={port}, "
        f"log_level='warning', access_log=False, lifespan='off'{CEILINGS[stack]}))\n"
        f"if {workers} == 1:\n"
        "    make().run()\n"
        "else:\n"
        f"    run_workers({workers}, make, bind_socket('127.0.0.1', {port}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code], cwd=here, env=env)


def start_signin(
    port: int, store: str, workdir: Path, workers: int = 1, repo: Path = REPO
) -> subprocess.Popen[bytes]:
    """``authtokens serve`` from the checkout ``repo`` (another one: a before/after run)."""
    env = {**os.environ, "PYTHONPATH": str(repo), "XDG_STATE_HOME": str(workdir)}
    many = ["--workers", str(workers)] if workers > 1 else []
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "authtokens.server", "serve"),
            *("--port", str(port), "--store", store, "--rate-limits", LIMITS, *FIXED),
            *many,
            *("--log-level", "warning"),
        ],
        cwd=workdir,
        env=env,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on


def _tree(pids: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.append(pid)
            todo.extend(children.get(pid, []))
    return out


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by ``pids`` and all their live descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _tree(pids):
        if (fields := _stat(pid)) is not None:
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def process_rss(pids: list[int]) -> float:
    """Resident memory (MiB) of ``pids`` and their live descendants."""
    total = 0
    for pid in _tree(pids):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def redis_binary() -> str | None:
    for path in (
        os.environ.get("AUTHTOKENS_REDIS_SERVER"),
        shutil.which("redis-server"),
        "/usr/bin/redis-server",
    ):
        if path and os.access(path, os.X_OK):
            return path
    return None


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


# --- the measurement ------------------------------------------------------------------------


def alternate(
    name: str,
    flow: str,
    port: int,
    proc: subprocess.Popen[bytes],
    ceilings: dict[str, subprocess.Popen[bytes]],
    ceiling_ports: dict[str, int],
    args: argparse.Namespace,
    redis_pid: int | None,
) -> dict[str, Any]:
    """``args.rounds`` rounds of (a window on each ceiling, a sign-in window); medians of the
    per-round ratios."""
    wait_ready(port, "/livez", proc)
    asyncio.run(drive_flow(port, args.concurrency, 1.0, flow))  # warm-up
    ceiling_cpu = dict.fromkeys(ceilings, 0.0)
    ceiling_count = dict.fromkeys(ceilings, 0)
    ratios: dict[str, list[float]] = {stack: [] for stack in ceilings}
    ceiling_rates: dict[str, list[float]] = {stack: [] for stack in ceilings}
    rates: list[float] = []
    samples: list[float] = []
    cpu = redis_cpu = 0.0
    count = failures = 0
    for _ in range(args.rounds):
        windows = {}
        for stack, ceiling in ceilings.items():
            c0 = process_cpu([ceiling.pid])
            windows[stack] = asyncio.run(
                drive_flow(ceiling_ports[stack], args.concurrency, args.window, "trivial")
            )
            ceiling_cpu[stack] += process_cpu([ceiling.pid]) - c0
            ceiling_count[stack] += windows[stack]["count"]
        cpu0 = process_cpu([proc.pid])
        r0 = process_cpu([redis_pid]) if redis_pid else 0.0
        result = asyncio.run(drive_flow(port, args.concurrency, args.window, flow, samples=samples))
        cpu += process_cpu([proc.pid]) - cpu0
        redis_cpu += (process_cpu([redis_pid]) - r0) if redis_pid else 0.0
        count += result["count"]
        failures += result["failures"]
        rates.append(result["rate"])
        for stack, window in windows.items():
            ratios[stack].append(result["rate"] / window["rate"])
            ceiling_rates[stack].append(window["rate"])
    samples.sort()
    n = len(samples)
    return {
        "name": name,
        "rate": statistics.median(rates),
        "ceilings": {
            stack: {
                "rate": statistics.median(ceiling_rates[stack]),
                "ratio": statistics.median(ratios[stack]),
                "range": (min(ratios[stack]), max(ratios[stack])),
                "cpu_us": 1e6 * ceiling_cpu[stack] / max(1, ceiling_count[stack]),
            }
            for stack in ceilings
        },
        "p50_ms": 1000 * statistics.median(samples) if n else float("nan"),
        "p99_ms": 1000 * samples[min(n - 1, int(n * 0.99))] if n else float("nan"),
        "cpu_us": 1e6 * cpu / max(1, count),
        "redis_cpu_us": 1e6 * redis_cpu / max(1, count) if redis_pid else None,
        "failures": failures,
    }


def soak(store: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Sign-ins for ``args.soak`` seconds; RSS at the start (after a warm-up) and the end."""
    port = free_port()
    proc = start_signin(port, store, workdir, 1)
    try:
        wait_ready(port, "/livez", proc)
        asyncio.run(drive_flow(port, args.concurrency, 5.0, "challenge"))  # warm-up
        start = process_rss([proc.pid])
        peak, count, failures = start, 0, 0
        deadline = time.monotonic() + args.soak
        while (left := deadline - time.monotonic()) > 0:
            result = asyncio.run(drive_flow(port, args.concurrency, min(10.0, left), "challenge"))
            count += result["count"]
            failures += result["failures"]
            peak = max(peak, process_rss([proc.pid]))
        end = process_rss([proc.pid])
    finally:
        stop(proc)
    return {"start": start, "end": end, "peak": peak, "count": count, "failures": failures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=3.0, help="seconds per window")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--stores", default="sqlite,redis")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--flows", default="challenge,siws")
    parser.add_argument(
        "--ceilings", default="fast,h11", help=f"ceiling stacks, of {', '.join(CEILINGS)}"
    )
    parser.add_argument("--soak", type=float, default=0, help="soak seconds (0: no soak)")
    parser.add_argument("--soak-store", default="redis", choices=["sqlite", "redis"])
    parser.add_argument(
        "--repo", type=Path, default=REPO, help="run the server from this checkout (a baseline)"
    )
    args = parser.parse_args()
    flows = [f for f in args.flows.split(",") if f]
    if "siws" in flows and not (args.repo / "authtokens/server/siws_routes.py").exists():
        print("this server has no /siws routes yet: SIWS flow skipped")
        flows.remove("siws")
    load_before = os.getloadavg()
    results: list[dict[str, Any]] = []
    soaked: dict[str, Any] | None = None
    binary = redis_binary()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for workers in (int(w) for w in args.workers.split(",")):
            stacks = [c for c in args.ceilings.split(",") if c]
            ceiling_ports = {stack: free_port() for stack in stacks}
            ceilings = {
                stack: start_trivial(ceiling_ports[stack], workers, stack) for stack in stacks
            }
            try:
                for stack, ceiling in ceilings.items():
                    wait_ready(ceiling_ports[stack], "/", ceiling)
                for store in args.stores.split(","):
                    redis_proc = None
                    if store == "sqlite":
                        url = f"sqlite:///bench-{workers}.db"
                    elif store == "redis":
                        if binary is None:
                            print("redis-server not found (tools/ensure-redis.sh): Redis skipped")
                            continue
                        redis_proc, url = start_redis(binary, workdir)
                    else:
                        parser.error(f"unknown store {store}")
                    try:
                        port = free_port()
                        proc = start_signin(port, url, workdir, workers, args.repo)
                        try:
                            for flow in flows:
                                name = f"{flow}, {store}, {workers} worker{'s' * (workers > 1)}"
                                print(f"running {name} ...", file=sys.stderr)
                                results.append(
                                    alternate(
                                        name,
                                        flow,
                                        port,
                                        proc,
                                        ceilings,
                                        ceiling_ports,
                                        args,
                                        redis_proc.pid if redis_proc else None,
                                    )
                                )
                        finally:
                            stop(proc)
                    finally:
                        if redis_proc is not None:
                            stop(redis_proc)
            finally:
                for ceiling in ceilings.values():
                    stop(ceiling)
        if args.soak > 0:
            print(f"soak: {args.soak:g} s of sign-ins ...", file=sys.stderr)
            if args.soak_store == "redis" and binary is not None:
                redis_proc, url = start_redis(binary, workdir)
                try:
                    soaked = soak(url, args, workdir)
                finally:
                    stop(redis_proc)
            else:
                soaked = soak("sqlite:///soak.db", args, workdir)
    load_after = os.getloadavg()
    print(
        f"\n{os.cpu_count()} CPUs, {args.concurrency} concurrent clients, {args.rounds} rounds "
        f"of {args.window:g} s windows, Python {sys.version.split()[0]}; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after\n"
    )
    stacks = list(results[0]["ceilings"]) if results else []
    print(
        "| flow, store, workers | sign-ins/s | p50 ms | p99 ms | server CPU µs/sign-in "
        "| Redis CPU µs/sign-in | "
        + " | ".join(
            f"{stack} ceiling it/s | ratio (median, range) | its CPU µs/it" for stack in stacks
        )
        + " | failures |"
    )
    print("| --- " + "| ---: " * (5 + 3 * len(stacks)) + "| ---: |")
    for r in results:
        redis_cpu = f"{r['redis_cpu_us']:.0f}" if r["redis_cpu_us"] is not None else ""
        cells = []
        for c in r["ceilings"].values():
            low, high = c["range"]
            cells.append(
                f"{c['rate']:.0f} | {c['ratio']:.2f} ({low:.2f}-{high:.2f}) | {c['cpu_us']:.0f}"
            )
        print(
            f"| {r['name']} | {r['rate']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['cpu_us']:.0f} | {redis_cpu} | " + " | ".join(cells) + f" | {r['failures']} |"
        )
    if soaked is not None:
        print(
            f"\nsoak ({args.soak_store}, 1 worker, {args.soak:g} s, {soaked['count']} sign-ins, "
            f"{soaked['failures']} failures): RSS {soaked['start']:.1f} MiB at the start, "
            f"{soaked['end']:.1f} MiB at the end, {soaked['peak']:.1f} MiB at most"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
