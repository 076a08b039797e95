"""``authtokens serve``: run the sign-in server with uvicorn.

`register` adds the ``serve`` sub-command to an argparse sub-parsers object; every flag can
also be set by an ``AUTH_*`` environment variable (the flag wins). `serve` builds the app from
the parsed namespace, runs it until interrupted, and returns an exit code (0 after a clean
shutdown, 2 for a bad setting, 3 when the app could not start, e.g. the store is unreachable).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..addresses import STACKS_MAINNET, STACKS_TESTNET
from ..challenge.schemes import ALL_SCHEMES, DEFAULT_SCHEMES
from ..errors import InvalidArgumentError, UsageError
from .config import DEFAULT_STATEMENT, RateLimits, ServerConfig, parse_origin
from .keyfiles import API_SECRET_FILE, SIGNING_KEY_FILE, state_dir
from .limits import ConnectionLimits

__all__ = ["build_parser", "config_from_args", "register", "serve"]

_ENV_HELP = "(env {})"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _flag(
    parser: argparse.ArgumentParser,
    flag: str,
    env: str,
    default: str,
    help_text: str,
    **kwargs: Any,
) -> None:
    value = _env(env, default)
    parser.add_argument(
        flag,
        default=value,
        help=f"{help_text} (env {env}; default: {default or 'unset'})",
        **kwargs,
    )


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``serve`` sub-command to ``subparsers``; its ``func`` runs the server."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the key-based challenge-response sign-in server",
        description="Run the sign-in server: POST /auth/challenge, POST /auth/verify, "
        "WS /ws/userauth, POST /siws/nonce, POST /siws/verify (Sign-In with Stacks), "
        "GET /.well-known/jwks.json, GET /healthz (/readyz), GET /livez. "
        "Every option can also be set by the AUTH_* environment variable named in its help.",
    )
    _flag(p, "--host", "AUTH_HOST", "127.0.0.1", "interface to listen on")
    _flag(p, "--port", "AUTH_PORT", "3001", "TCP port", type=int)
    _flag(
        p,
        "--store",
        "AUTH_STORE",
        "sqlite:///authtokens-server.db",
        "memory | sqlite:///relative.db | sqlite:////absolute/path.db | redis://host:port/db",
    )
    p.add_argument(
        "--allowed-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="origin of the web PAGE allowed to call this server, e.g. http://localhost:3000 "
        "for a dev front end talking to a server on :3001 (not this server's own origin); "
        "repeatable, no wildcard. Requests without an Origin header (non-browser clients) are "
        "always accepted (env AUTH_ALLOWED_ORIGINS, comma-separated; default: none)",
    )
    _flag(
        p, "--domain", "AUTH_DOMAIN", "", "domain named in the signed message (default HOST:PORT)"
    )
    _flag(p, "--uri", "AUTH_URI", "", "URI named in the signed message (default http://DOMAIN)")
    _flag(
        p,
        "--statement",
        "AUTH_STATEMENT",
        DEFAULT_STATEMENT,
        "statement line shown to the user",
    )
    _flag(
        p,
        "--challenge-ttl",
        "AUTH_CHALLENGE_TTL_HTTP",
        "300",
        "HTTP challenge lifetime, seconds",
        type=float,
    )
    _flag(
        p,
        "--ws-timeout",
        "AUTH_WS_SIG_TIMEOUT",
        "60",
        "seconds a WebSocket client has to sign",
        type=float,
    )
    _flag(
        p,
        "--ws-idle-timeout",
        "AUTH_WS_IDLE_TIMEOUT",
        "30",
        "seconds an idle WebSocket stays open",
        type=float,
    )
    _flag(
        p,
        "--max-connections-per-ip",
        "AUTH_MAX_CONNECTIONS_PER_IP",
        str(ConnectionLimits().max_per_ip),
        "open connections one client address (IPv6: one /64) may hold; more are reset; 0 = off",
        type=int,
    )
    _flag(
        p,
        "--max-connections",
        "AUTH_MAX_CONNECTIONS",
        "auto",
        "open connections in all; more are reset; auto = the open-file limit minus 128; 0 = off",
    )
    _flag(
        p,
        "--max-websockets-per-ip",
        "AUTH_MAX_WEBSOCKETS_PER_IP",
        str(ConnectionLimits().max_ws_per_ip),
        "open WebSockets one client address may hold; more are answered 429; 0 = off",
        type=int,
    )
    _flag(
        p,
        "--header-timeout",
        "AUTH_HEADER_TIMEOUT",
        str(ConnectionLimits().header_timeout),
        "seconds for a request's headers to arrive (from connect or the previous response)",
        type=float,
    )
    _flag(
        p,
        "--body-timeout",
        "AUTH_BODY_TIMEOUT",
        str(ConnectionLimits().body_timeout),
        "seconds for a request's body to arrive after its headers",
        type=float,
    )
    _flag(
        p,
        "--rebind-store-domain",
        "AUTH_REBIND_STORE_DOMAIN",
        "off",
        "start even if the store was used with another --domain/--uri, and record these "
        "(challenges issued for the old ones then fail); off refuses to start (on/off)",
        choices=["on", "off"],
    )
    _flag(
        p,
        "--ready-timeout",
        "AUTH_READY_TIMEOUT",
        "2",
        "seconds the store's write probe may take before /healthz answers 503",
        type=float,
    )
    _flag(
        p, "--ws-max-size", "AUTH_WS_MAX_SIZE", "4096", "largest WebSocket frame, bytes", type=int
    )
    _flag(p, "--max-body", "AUTH_MAX_BODY", "8192", "largest HTTP request body, bytes", type=int)
    _flag(
        p,
        "--schemes",
        "AUTH_SCHEMES_ENABLED",
        ",".join(DEFAULT_SCHEMES),
        f"enabled signature schemes, comma-separated, from {', '.join(ALL_SCHEMES)}",
    )
    _flag(
        p,
        "--stacks-legacy-prefix",
        "AUTH_STACKS_LEGACY_PREFIX",
        "off",
        "also accept the legacy '\\x18Stacks Message Signing:\\n' prefix (on/off)",
        choices=["on", "off"],
    )
    _flag(
        p,
        "--stacks-network",
        "AUTH_STACKS_NETWORK",
        "mainnet",
        "address network shown for bare keys, and the only chain Sign-In with Stacks accepts "
        "(mainnet: chain ID 1, testnet: 2147483648)",
        choices=["mainnet", "testnet"],
    )
    _flag(
        p,
        "--token-alg",
        "AUTH_TOKEN_ALG",
        "ES256K",
        "session token algorithm",
        choices=["ES256K", "EdDSA"],
    )
    _flag(p, "--token-ttl", "AUTH_TOKEN_TTL", "900", "session token lifetime, seconds", type=int)
    _flag(p, "--token-issuer", "AUTH_TOKEN_ISSUER", "", "session token iss (default the URI)")
    _flag(p, "--token-audience", "AUTH_TOKEN_AUDIENCE", "", "session token aud (default the URI)")
    _flag(
        p,
        "--token-key-file",
        "AUTH_TOKEN_KEY_FILE",
        str(state_dir() / SIGNING_KEY_FILE),
        "PEM file of the token signing key; generated (mode 0600) if absent, so tokens survive "
        "restarts and processes sharing the file agree",
    )
    _flag(
        p,
        "--api-secret-file",
        "AUTH_API_SECRET_FILE",
        str(state_dir() / API_SECRET_FILE),
        "file of the secret behind the Textile-compatible sig/msg; generated if absent",
    )
    _flag(
        p,
        "--app-key",
        "AUTH_APP_KEY",
        "",
        "public identifier returned as value.key (default: the token kid)",
    )
    _flag(
        p,
        "--rate-limits",
        "AUTH_RATE_LIMITS",
        str(RateLimits()),
        "NAME=COUNT/SECONDS pairs; NAME in challenge-ip, challenge-key, verify-ip, verify-key; "
        "COUNT 0 disables one",
    )
    _flag(
        p,
        "--forwarded-allow-ips",
        "AUTH_FORWARDED_ALLOW_IPS",
        "",
        "proxies trusted for X-Forwarded-For (uvicorn's setting; default: none)",
    )
    _flag(
        p,
        "--log-level",
        "AUTH_LOG_LEVEL",
        "info",
        "log level",
        choices=["critical", "error", "warning", "info", "debug"],
    )
    _flag(
        p,
        "--log-format",
        "AUTH_LOG_FORMAT",
        "text",
        "log lines as text, or as one JSON object per line (time, level, logger, pid, message)",
        choices=["text", "json"],
    )
    _flag(
        p,
        "--workers",
        "AUTH_WORKERS",
        "1",
        "worker processes sharing the port (needs a SQLite or Redis store; per-address "
        "connection caps then apply per worker)",
        type=int,
    )
    _flag(
        p,
        "--shutdown-timeout",
        "AUTH_SHUTDOWN_TIMEOUT",
        "30",
        "seconds requests in progress get to finish after SIGTERM/SIGINT",
        type=float,
    )
    _flag(
        p,
        "--metrics",
        "AUTH_METRICS",
        "on",
        "serve GET /metrics in the Prometheus text format (on/off)",
        choices=["on", "off"],
    )
    p.set_defaults(func=serve)
    return p


def _origins(args: argparse.Namespace) -> frozenset[str]:
    given = args.allowed_origin
    if given is None:
        given = [o for o in _env("AUTH_ALLOWED_ORIGINS", "").replace(" ", ",").split(",") if o]
    return frozenset(parse_origin(o) for o in given)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    """The `ServerConfig` a parsed ``serve`` namespace describes (`UsageError` if invalid)."""
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::", "::1") else args.host  # noqa: S104
    domain = args.domain or f"{host}:{args.port}"
    uri = args.uri or f"http://{domain}"
    return ServerConfig(
        domain=domain,
        uri=uri,
        statement=args.statement,
        allowed_origins=_origins(args),
        challenge_ttl=args.challenge_ttl,
        ws_sig_timeout=args.ws_timeout,
        ws_idle_timeout=args.ws_idle_timeout,
        ws_max_size=args.ws_max_size,
        max_body=args.max_body,
        schemes=tuple(s.strip() for s in args.schemes.split(",") if s.strip()),
        stacks_legacy_prefix=args.stacks_legacy_prefix == "on",
        stacks_network=STACKS_MAINNET if args.stacks_network == "mainnet" else STACKS_TESTNET,
        token_alg=args.token_alg,
        token_ttl=args.token_ttl,
        token_issuer=args.token_issuer,
        token_audience=args.token_audience,
        app_key=args.app_key,
        rate_limits=RateLimits.parse(args.rate_limits),
        ready_timeout=args.ready_timeout,
        rebind_store_domain=args.rebind_store_domain == "on",
        metrics=args.metrics == "on",
    )


def limits_from_args(args: argparse.Namespace) -> ConnectionLimits:
    """The `ConnectionLimits` a parsed ``serve`` namespace describes (`UsageError` if invalid)."""
    text = str(args.max_connections).strip()
    if text == "auto":
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        total = 0 if soft == resource.RLIM_INFINITY else max(64, soft - 128)
    elif text.isdigit():
        total = int(text)
    else:
        raise InvalidArgumentError(f"--max-connections must be auto or a count, got {text!r}")
    return ConnectionLimits(
        max_per_ip=args.max_connections_per_ip,
        max_total=total,
        max_ws_per_ip=args.max_websockets_per_ip,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
    )


def _check_workers(args: argparse.Namespace) -> None:
    if args.workers < 1:
        raise InvalidArgumentError(f"--workers must be at least 1, got {args.workers}")
    if args.workers > 1 and args.store == "memory":
        raise InvalidArgumentError(
            "--workers > 1 needs a store the workers share: the memory store lives in one "
            "process, so a challenge issued by one worker would be unknown to the others. Use "
            "--store sqlite:///FILE (one host) or --store redis://HOST:PORT/DB."
        )
    if args.workers > 1 and not hasattr(os, "fork"):
        raise InvalidArgumentError("--workers > 1 needs a POSIX system (fork)")


def serve(args: argparse.Namespace) -> int:
    """Run the server described by ``args`` until interrupted; return the exit code."""
    from .logs import configure_logging

    if args.log_format == "json":
        configure_logging(args.log_level, "json")
    else:
        logging.basicConfig(
            level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
        )
    try:
        config = config_from_args(args)
        limits = limits_from_args(args)
        _check_workers(args)
        from ..stores import open_store
        from .keyfiles import load_api_secret, load_signing_key

        open_store(args.store)  # the URL is checked here; each worker opens its own
        key = load_signing_key(args.token_key_file, config.token_alg)
        api_secret = load_api_secret(args.api_secret_file)
    except UsageError as exc:
        print(f"authtokens serve: {exc}", file=sys.stderr)
        return 2
    multiproc_dir = None
    if args.workers > 1 and config.metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Before prometheus-client is imported: it picks its value store at import time.
        import tempfile

        multiproc_dir = tempfile.mkdtemp(prefix="authtokens-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiproc_dir
    try:
        return _serve(args, config, limits, key, api_secret)
    finally:
        if multiproc_dir is not None:
            import shutil

            shutil.rmtree(multiproc_dir, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def _serve(
    args: argparse.Namespace,
    config: ServerConfig,
    limits: ConnectionLimits,
    key: Any,
    api_secret: bytes,
) -> int:
    import uvicorn

    from ..stores import open_store
    from .app import create_app
    from .limits import ConnectionGuard, guarded_protocols, quiet_handshake_logs
    from .session import TokenSigner

    signer = TokenSigner(key, issuer=config.issuer, audience=config.audience, ttl=config.token_ttl)
    log = logging.getLogger("authtokens.server")
    where = getattr(open_store(args.store), "path", None) or args.store
    log.info(
        "store %s; token key %s (kid %s); %d worker%s",
        Path(where).resolve() if isinstance(where, Path) else where,
        Path(args.token_key_file).resolve(),
        signer.kid,
        args.workers,
        "" if args.workers == 1 else "s",
    )
    if not config.allowed_origins:
        log.warning("no --allowed-origin: browsers (which send Origin) are refused")
    trusted = [h for h in args.forwarded_allow_ips.split(",") if h.strip()]

    def make_server() -> uvicorn.Server:
        """The app, its store, guard and uvicorn server (once per worker process)."""
        app = create_app(config, open_store(args.store), signer, api_secret)
        guard = ConnectionGuard(limits, trusted_proxies=trusted)
        if app.state.metrics is not None:
            guard.on_change = app.state.metrics.connection
        http_protocol, ws_protocol = guarded_protocols(guard)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=args.host,
                port=args.port,
                http=http_protocol,
                ws=ws_protocol,
                ws_max_size=max(65536, 16 * config.ws_max_size),  # hard cap; the app answers first
                log_level=args.log_level,
                log_config=None if args.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
                lifespan="on",
                proxy_headers=bool(args.forwarded_allow_ips),
                forwarded_allow_ips=args.forwarded_allow_ips or None,
                server_header=False,
                access_log=args.log_level == "debug",
                timeout_graceful_shutdown=max(1, round(args.shutdown_timeout)),
            )
        )
        if args.log_level != "debug":
            quiet_handshake_logs()
        return server

    if args.workers == 1:
        server = make_server()
        server.run()
        return 0 if server.started else 3
    from .workers import bind_socket, run_workers

    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", args.host, args.port, exc)
        return 3
    on_exit = None
    if config.metrics:
        from prometheus_client import multiprocess

        def on_exit(pid: int) -> None:
            multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]

    return run_workers(args.workers, make_server, sock, on_exit=on_exit)


def build_parser() -> argparse.ArgumentParser:
    """A parser with just the ``serve`` sub-command (for ``python -m authtokens.server``)."""
    parser = argparse.ArgumentParser(prog="python -m authtokens.server")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m authtokens.server``."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)
