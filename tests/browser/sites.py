"""Serve a folder of static pages on 127.0.0.1 for the browser tests."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from server_helpers import REPO, running_server


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
    argv: Callable[[int], list[str]], workdir: Path, health: str, env: dict[str, str] | None = None
) -> AbstractContextManager[tuple[str, subprocess.Popen[bytes]]]:
    """One of our programs on a free port of 127.0.0.1 (its log in ``workdir``) until the block
    ends; yields its base URL and the process."""
    return running_server(
        argv,
        cwd=workdir,
        log=lambda port: (
            workdir / f"{Path(argv(port)[1]).stem}-{os.getpid()}-{len(argv(port))}.log"
        ),
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

    def wallet_argv(port: int) -> list[str]:
        argv = [sys.executable, "-m", "authtokens", "wallet", "--port", str(port)]
        return [*argv, "--key-file", str(workdir / "wallet.json"), "--no-manifest", *wallet_flags]

    def app_argv(port: int) -> list[str]:
        argv = [sys.executable, str(REPO / "examples" / "fastapi_app.py")]
        return [*argv, "--host", "127.0.0.1", "--port", str(port)]

    with process(wallet_argv, workdir, "/healthz") as (wallet, _):
        app_env = {"AUTH_AUTHENTICATOR": wallet + "/auth"}
        app_env["AUTH_DEV_PROVIDER"] = wallet + "/provider.js"
        for name in ("AUTH_DOMAIN", "AUTH_URI", "AUTH_STORE"):
            app_env[name] = ""
        with process(app_argv, workdir, "/healthz", app_env) as (app, _):
            yield Apps(app, wallet)
