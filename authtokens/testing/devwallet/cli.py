"""The ``wallet`` sub-command: parse its options here, import Starlette/uvicorn only to run."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ...errors import UsageError
from ...manifest import fetch_manifest_async
from ..wallet import Misbehaviour, TestWallet
from .keyfile import default_keyfile_path, load_or_create_keyfile

__all__ = ["register", "run_wallet"]

_BANNER = """\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! authtokens dev wallet: DEVELOPMENT ONLY.                                              !!
!! It signs with the PUBLIC TEST MNEMONIC: anyone can sign as, and spend from, its        !!
!! accounts. Never send real funds to them. (--new-mnemonic makes a private key file.)    !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``wallet`` to an argparse sub-parsers object."""
    p: argparse.ArgumentParser = sub.add_parser(
        "wallet",
        allow_abbrev=False,
        help="run a dev authenticator on 127.0.0.1 (needs authtokens[server])",
        description="A development wallet: the legacy /auth?authRequest=… consent page, a "
        "SIP-030 provider script (/provider.js) for @stacks/connect 8 pages, and a token "
        "inspector (/inspect). Keys come from a local file created on first run (mode 0600), "
        "holding the public test mnemonic unless --new-mnemonic.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8800, help="TCP port (8800)")
    p.add_argument(
        "--key-file",
        metavar="FILE",
        help=f"the wallet's key file (default {default_keyfile_path()})",
    )
    p.add_argument(
        "--new-mnemonic",
        action="store_true",
        help="when the key file does not exist yet, put a fresh random mnemonic in it",
    )
    p.add_argument(
        "--auto-approve",
        action="store_true",
        help="test mode: answer every valid request at once, without a consent page",
    )
    p.add_argument("--account", type=int, default=0, help="account used by --auto-approve (0)")
    p.add_argument("--accounts", type=int, default=3, help="accounts offered by the picker (3)")
    p.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a dapp origin allowed to call the provider endpoints besides loopback ones; "
        "repeatable",
    )
    p.add_argument(
        "--misbehave",
        choices=[m.value for m in Misbehaviour],
        help="answer wrongly in this way (for negative tests)",
    )
    p.add_argument(
        "--no-manifest", action="store_true", help="never fetch app manifests for the consent page"
    )
    p.set_defaults(func=run_wallet, json=False)
    return p


def run_wallet(args: argparse.Namespace) -> int:
    """Load (or create) the key file, print the warning, and serve until interrupted."""
    try:
        import uvicorn

        from .app import create_app
    except ImportError:
        sys.stderr.write(
            "error: usage: 'authtokens wallet' needs the server extra: "
            "pip install 'authtokens[server]'\n"
        )
        return 2
    misbehave = None if args.misbehave is None else Misbehaviour(args.misbehave)
    try:
        keyfile = load_or_create_keyfile(args.key_file, fresh=args.new_mnemonic)
        wallet = TestWallet.from_mnemonic(keyfile.mnemonic, misbehave=misbehave)
        app = create_app(
            wallet,
            auto_approve=args.auto_approve,
            auto_account=args.account,
            accounts=args.accounts,
            allowed_origins=args.allowed_origin,
            manifest_loader=None if args.no_manifest else fetch_manifest_async,
        )
    except UsageError as exc:
        sys.stderr.write(f"error: {exc.code}: {exc.message}\n")
        return 2
    if keyfile.is_test_mnemonic:
        sys.stderr.write(_BANNER)
    sys.stderr.write(
        f"key file: {keyfile.path}{' (created)' if keyfile.created else ''}\n"
        f"dev wallet: http://{args.host}:{args.port}/  provider script: "
        f"http://{args.host}:{args.port}/provider.js"
        f"{'  AUTO-APPROVE' if args.auto_approve else ''}\n"
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", lifespan="off")
    )
    server.run()
    return 0 if server.started else 3
