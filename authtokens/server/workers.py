"""``authtokens serve --workers N``: a small pre-fork supervisor around uvicorn.

Why not uvicorn's own ``--workers``: it starts workers with ``multiprocessing`` *spawn* and so
needs the app as an import string and a picklable configuration, while this server builds its
app, its connection guard and the guard's uvicorn protocol classes from the command line at run
time. So the supervisor here binds the listening socket once, then forks N workers that each
build their own app and store connection (`run_workers`'s ``make_server``) and serve the one
socket (the kernel spreads the connections). It is POSIX-only, like uvicorn's multi-process mode.

Shutdown: SIGTERM or SIGINT to the supervisor sends one SIGTERM to every worker (the workers run
in their own process group, so a terminal's Ctrl-C reaches the supervisor alone and no worker
sees a second signal, which uvicorn would take as "force exit"). Each worker then does uvicorn's
graceful shutdown: it stops accepting, lets the requests in progress finish (a sign-in whose
``/auth/verify`` has started completes; idle keep-alive connections close) within
``--shutdown-timeout``, and closes its store. Challenges waiting to be answered over HTTP stay
in the shared store, so a restarted server completes them; a WebSocket challenge can only be
answered on its socket and is discarded when that closes.

A worker that dies while serving is replaced; one that fails to start (bad store, bad key file)
stops the whole server with the worker's exit code. A worker whose supervisor has gone (killed
with SIGKILL) notices within 0.1 s and shuts down gracefully.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

__all__ = ["bind_socket", "run_workers"]

log = logging.getLogger("authtokens.server")
_STARTUP_GRACE = 2.0  # a worker that exits sooner than this after its start failed to start


def bind_socket(host: str, port: int, *, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv6 if ``host`` is one), shared by the workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on connections whose socket
    # says so, and a socket made with proto 0 (as uvicorn's own --workers makes it) leaves
    # Nagle on, so a keep-alive client's next request waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _serve_in_child(make_server: Callable[[], Any], sock: socket.socket, parent: int) -> int:
    """Run in a forked worker: build the server, serve ``sock``, return the exit code."""
    os.setpgid(0, 0)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    server = make_server()
    original_tick = server.on_tick

    async def on_tick(counter: int) -> bool:
        if os.getppid() != parent:  # the supervisor is gone: leave gracefully
            server.should_exit = True
        return bool(await original_tick(counter))

    server.on_tick = on_tick
    server.run(sockets=[sock])
    return 0 if server.started else 3


def run_workers(
    count: int,
    make_server: Callable[[], Any],
    sock: socket.socket,
    *,
    on_exit: Callable[[int], None] | None = None,
) -> int:
    """Fork ``count`` workers serving ``sock`` with ``make_server()`` (a ``uvicorn.Server``);
    supervise them until SIGTERM/SIGINT (see the module doc). ``on_exit(pid)`` is called for
    every worker that ends. Returns 0 after a clean shutdown, else a failed worker's code."""
    parent = os.getpid()
    workers: dict[int, float] = {}
    stopping = False
    code = 0

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            status = 1
            try:
                status = _serve_in_child(make_server, sock, parent)
            except BaseException:
                log.exception("worker %d failed", os.getpid())
            finally:
                logging.shutdown()
                os._exit(status)
        workers[pid] = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        if not stopping:
            log.info("shutting down %d workers (signal %d)", len(workers), signum)
        stopping = True
        for pid in workers:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(count):
            spawn()
        log.info("started %d workers: %s", count, " ".join(map(str, workers)))
        while workers:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            started = workers.pop(pid, None)
            if started is None:
                continue
            if on_exit is not None:
                on_exit(pid)
            exit_code = os.waitstatus_to_exitcode(status)
            if stopping:
                if exit_code not in (0, -signal.SIGTERM):
                    code = code or (exit_code if exit_code > 0 else 1)
                continue
            if time.monotonic() - started < _STARTUP_GRACE or exit_code == 3:
                log.error("worker %d failed to start (exit %d): stopping", pid, exit_code)
                code = exit_code if exit_code > 0 else 3
                stop(signal.SIGTERM, None)
                continue
            log.error("worker %d died (exit %d): starting another", pid, exit_code)
            spawn()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    return code
