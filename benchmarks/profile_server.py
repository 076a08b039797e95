"""Where a sign-in's server time goes: cProfile in the server process, µs per step.

Starts ``authtokens serve`` under cProfile (same flags as `bench_server`), drives complete
sign-ins with `bench_server.drive`, stops the server (uvicorn's graceful shutdown), then reads
the profile. Each step is the cumulative time of the functions that do it, divided by the
number of sign-ins, and scaled to the server's CPU time per sign-in measured in a second run
*without* the profiler (cProfile slows small Python functions more than C calls, so its
absolute figures are too high; its shares are what we keep).

    python benchmarks/profile_server.py [--store sqlite|redis] [--duration 8] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_server import (
    FIXED,
    LIMITS,
    REPO,
    drive,
    free_port,
    process_cpu,
    redis_binary,
    start_redis,
    stop,
    wait_ready,
)

# step -> (file suffix, function name) whose cumulative times add up to it. Nested entries
# (e.g. message building inside the signature check) are listed so that no time counts twice.
STEPS: list[tuple[str, list[tuple[str, str]]]] = [
    ("request JSON parsing", [("authtokens/jsjson.py", "loads")]),
    ("key parsing", [("challenge/keys.py", "parse_client_key")]),
    (
        "rate limits (separate round trips)",
        [("server/service.py", "_limit"), ("server/service.py", "_hits")],
    ),
    (
        "store operations (with the rate limits folded in, after)",
        [
            ("stores/sqlite.py", "put_new"),
            ("stores/sqlite.py", "put_new_limited"),
            ("stores/sqlite.py", "take_limited"),
            ("stores/redis.py", "put_new_limited"),
            ("stores/redis.py", "take_limited"),
            ("stores/redis.py", "_send"),
            ("stores/sqlite.py", "_flush"),
            ("stores/redis.py", "_flush"),
            ("stores/resp.py", "data_received"),
            ("stores/sqlite.py", "take"),
            ("stores/sqlite.py", "record_user"),
            ("stores/sqlite.py", "issue"),
            ("stores/sqlite.py", "consume"),
            ("stores/redis.py", "put_new"),
            ("stores/redis.py", "take"),
            ("stores/redis.py", "record_user"),
            ("stores/redis.py", "issue"),
            ("stores/redis.py", "consume"),
        ],
    ),
    ("challenge message (build + hash)", [("server/service.py", "_message")]),
    ("signature check", [("challenge/schemes.py", "verify_signature")]),
    ("session token", [("server/session.py", "issue")]),
    ("Textile sig", [("server/session.py", "textile_api_sig")]),
    ("record (de)serialisation", [("messages.py", "to_bytes"), ("messages.py", "from_bytes")]),
    ("response JSON", [("server/app.py", "render")]),
    ("logging", [("logging/__init__.py", "info")]),
    ("metrics", [("server/metrics.py", "observe"), ("server/metrics.py", "count")]),
]
IDLE = {("~", 0, "<method 'poll' of 'select.epoll' objects>")}


def start_profiled(port: int, store: str, workdir: Path, out: Path) -> subprocess.Popen[bytes]:
    code = (
        "import cProfile, sys\n"
        "from authtokens.server.cli import main\n"
        "p = cProfile.Profile()\n"
        "p.enable()\n"
        "try:\n"
        f"    main(sys.argv[1:])\n"
        "finally:\n"
        "    p.disable()\n"
        f"    p.dump_stats({str(out)!r})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(workdir)}
    args = ["serve", "--port", str(port), "--store", store, "--rate-limits", LIMITS, *FIXED]
    return subprocess.Popen(
        [sys.executable, "-c", code, *args, "--log-level", "warning"], cwd=workdir, env=env
    )


def start_plain(port: int, store: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(workdir)}
    args = ["serve", "--port", str(port), "--store", store, "--rate-limits", LIMITS, *FIXED]
    return subprocess.Popen(
        [sys.executable, "-m", "authtokens.server", *args, "--log-level", "warning"],
        cwd=workdir,
        env=env,
    )


def steps_of(stats: pstats.Stats, count: int) -> tuple[list[tuple[str, float]], float]:
    """(step, µs per sign-in) rows and the profiled busy time per sign-in."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    busy = sum(tt for key, (_, _, tt, _, _) in raw.items() if key not in IDLE)
    rows = []
    for step, funcs in STEPS:
        total = 0.0
        for (filename, _, name), (_, _, _, ct, _) in raw.items():
            if any(filename.endswith(f) and name == n for f, n in funcs):
                total += ct
        rows.append((step, 1e6 * total / count))
    return rows, 1e6 * busy / count


def measure(store: str, args: argparse.Namespace, workdir: Path) -> None:
    port = free_port()
    proc = start_plain(port, store, workdir)
    try:
        wait_ready(port, "/healthz", proc)
        asyncio.run(drive(port, args.concurrency, 1.0, False))
        before = process_cpu([proc.pid])
        result = asyncio.run(drive(port, args.concurrency, args.duration, False))
        cpu_us = 1e6 * (process_cpu([proc.pid]) - before) / max(1, result["count"])
    finally:
        stop(proc)
    out = workdir / "server.prof"
    port = free_port()
    proc = start_profiled(port, store, workdir, out)
    try:
        wait_ready(port, "/healthz", proc)
        profiled = asyncio.run(drive(port, args.concurrency, args.duration, False))
    finally:
        # uvicorn re-raises the signal it shut down on: SIGINT ends in KeyboardInterrupt, so the
        # wrapper's `finally` writes the profile (SIGTERM would kill it first).
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    # The warm-up sign-ins of the profiled run are part of the profile: count them too.
    rows, busy = steps_of(pstats.Stats(str(out)), profiled["count"] + profiled["failures"])
    scale = cpu_us / busy
    print(
        f"\n{store}: {result['rate']:.0f} sign-ins/s unprofiled; server CPU {cpu_us:.0f} µs per "
        f"sign-in (profiled busy time {busy:.0f} µs, so x{scale:.2f} below)\n"
    )
    print("| step | µs per sign-in | share |")
    print("| --- | ---: | ---: |")
    named = 0.0
    for step, us in rows:
        named += us
        print(f"| {step} | {us * scale:.0f} | {100 * us / busy:.0f} % |")
    rest = busy - named
    print(
        f"| framework, HTTP parsing, event loop, the rest | {rest * scale:.0f} | "
        f"{100 * rest / busy:.0f} % |"
    )
    print(f"| **total server CPU** | **{cpu_us:.0f}** | 100 % |")
    if args.top:
        stats = pstats.Stats(str(out))
        stats.sort_stats(args.sort).print_stats(args.top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="sqlite,redis")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--top", type=int, default=0, help="also print the N top functions")
    parser.add_argument("--sort", default="tottime", help="their order (a pstats key)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for store in args.stores.split(","):
            if store == "sqlite":
                measure("sqlite:///bench.db", args, workdir)
            elif store == "redis":
                binary = redis_binary()
                if binary is None:
                    print("redis-server not found: Redis skipped")
                    continue
                redis_proc, url = start_redis(binary, workdir)
                try:
                    measure(url, args, workdir)
                finally:
                    stop(redis_proc)
            else:
                parser.error(f"unknown store {store}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
