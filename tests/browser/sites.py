"""Serve a folder of static pages on 127.0.0.1 for the browser tests."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from server_helpers import REPO, free_port, running_process


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def static_site(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free port of 127.0.0.1; yields the origin (``http://127.0.0.1:P``)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def process(
    argv: list[str], workdir: Path, health: str, env: dict[str, str] | None = None
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """One of our programs on 127.0.0.1 (its log in ``workdir``) until the block ends."""
    return running_process(
        argv,
        cwd=workdir,
        log=workdir / f"{Path(argv[1]).stem}-{os.getpid()}-{len(argv)}.log",
        health=health,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


@dataclass(frozen=True)
class Apps:
    """The FastAPI example and the dev wallet, each on its own port."""

    app: str
    wallet: str


@contextmanager
def example_with_wallet(workdir: Path, *wallet_flags: str) -> Iterator[Apps]:
    """``examples/fastapi_app.py`` wired to ``authtokens wallet`` (its authenticator and its
    SIP-030 provider script), both started as a newcomer starts them."""
    app_port, wallet_port = free_port(), free_port()
    app, wallet = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{wallet_port}"
    wallet_argv = [sys.executable, "-m", "authtokens", "wallet", "--port", str(wallet_port)]
    wallet_argv += ["--key-file", str(workdir / "wallet.json"), "--no-manifest", *wallet_flags]
    app_argv = [sys.executable, str(REPO / "examples" / "fastapi_app.py")]
    app_argv += ["--host", "127.0.0.1", "--port", str(app_port)]
    app_env = {"AUTH_AUTHENTICATOR": wallet + "/auth", "AUTH_DEV_PROVIDER": wallet + "/provider.js"}
    for name in ("AUTH_DOMAIN", "AUTH_URI", "AUTH_STORE"):
        app_env[name] = ""
    with (
        process(wallet_argv, workdir, wallet + "/healthz"),
        process(app_argv, workdir, app + "/healthz", app_env),
    ):
        yield Apps(app, wallet)
