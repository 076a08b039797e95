"""Resident memory over many decode_auth_response calls (issue: it must stay flat).

``python benchmarks/memory.py [--calls 1000000]`` decodes the same authResponse ``--calls``
times (the caches are bounded, so repeated and varied inputs behave alike after warm-up) and
also decodes ``--distinct`` freshly minted responses, sampling the resident set size (RSS) as it
goes. It prints the samples and the growth after warm-up, and exits non-zero if RSS grew by
more than ``--max-growth-mib``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import authtokens
from authtokens.wallet import Wallet

TRANSIT = authtokens.generate_transit_key()
ACCOUNT = Wallet.from_mnemonic(
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
).account(0)


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def response(domain: str) -> str:
    request = authtokens.verify_auth_request(
        authtokens.make_auth_request(TRANSIT, app_domain=domain)
    )
    return authtokens.make_auth_response_for_request(request, ACCOUNT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--max-growth-mib", type=float, default=8.0)
    args = parser.parse_args(argv)

    token = response("https://app.example.com")
    for _ in range(10_000):  # warm-up: imports, caches, allocator arenas
        authtokens.decode_auth_response(token, TRANSIT)
    baseline = rss_mib()
    print(f"after warm-up: {baseline:.1f} MiB")
    start = time.perf_counter()
    step = max(1, args.calls // args.samples)
    peak = baseline
    for i in range(1, args.calls + 1):
        authtokens.decode_auth_response(token, TRANSIT)
        if i % step == 0:
            now = rss_mib()
            peak = max(peak, now)
            rate = i / (time.perf_counter() - start)
            print(f"{i:>9,} calls: {now:.1f} MiB ({rate:,.0f} calls/s)", flush=True)
    # Distinct tokens exercise the bounded caches (public keys, addresses, origins).
    for i in range(args.distinct):
        authtokens.decode_auth_response(response(f"https://app{i}.example.com"), TRANSIT)
    after_distinct = rss_mib()
    peak = max(peak, after_distinct)
    print(f"after {args.distinct:,} distinct responses: {after_distinct:.1f} MiB")
    growth = peak - baseline
    print(f"growth after warm-up: {growth:+.1f} MiB over {args.calls + args.distinct:,} calls")
    return 0 if growth <= args.max_growth_mib else 1


if __name__ == "__main__":
    sys.exit(main())
