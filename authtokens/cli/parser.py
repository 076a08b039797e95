"""The argument parser: sub-commands, options and their help."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any, NoReturn

from .. import __version__
from ..auth_response import DEFAULT_HUB_URL
from ..claims import DEFAULT_LEEWAY
from ..testing.devwallet.cli import register as register_wallet
from .console import EXIT_USAGE, print_error
from .keys import cmd_derive, cmd_keygen
from .messages import register as register_sign_message
from .signin import cmd_make_request, cmd_make_response
from .siws import register as register_siws
from .tokens import cmd_decode, cmd_verify


class _Parser(argparse.ArgumentParser):
    """argparse with our error format, and without echoing stray arguments (a mnemonic typed
    on the command line by mistake must not be printed back)."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            message = (
                "unrecognized arguments (not shown: mnemonics are read from stdin or "
                "--mnemonic-file, never from the command line)"
            )
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: usage: {message}\n")


def now_arg(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither Unix seconds nor an ISO 8601 time"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # a time without zone is read as UTC
    return when.timestamp()


def seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < 1e12:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range")
    return value


def account_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an account index") from None
    if not 0 <= value < 2**31:
        raise argparse.ArgumentTypeError("an account index is in 0 .. 2**31 - 1")
    return value


def _common(json_only: bool = False) -> _Parser:
    parent = _Parser(add_help=False, allow_abbrev=False)
    parent.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    if not json_only:
        parent.add_argument(
            "--show-secrets",
            action="store_true",
            help="print private keys and mnemonics (never printed otherwise)",
        )
    return parent


def _clock(parser: argparse.ArgumentParser, *, verifying: bool) -> None:
    parser.add_argument(
        "--now", type=now_arg, help="the time to use: Unix seconds or ISO 8601 (default: now)"
    )
    if verifying:
        parser.add_argument(
            "--leeway",
            type=seconds_arg,
            default=DEFAULT_LEEWAY,
            help=f"clock skew tolerated on iat/exp, seconds (default {DEFAULT_LEEWAY:g})",
        )
        parser.add_argument(
            "--max-lifetime", type=seconds_arg, help="refuse tokens living longer (seconds)"
        )
        parser.add_argument(
            "--allow-unknown-scopes", action="store_true", help="accept scopes not known here"
        )


def _transit_key_options(parser: argparse.ArgumentParser, help_text: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--transit-key-file", metavar="FILE", help=help_text)
    group.add_argument(
        "--transit-key-stdin", action="store_true", help="read the transit key from stdin"
    )


def _mnemonic_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mnemonic-file",
        metavar="FILE",
        help="file holding the BIP39 mnemonic (default: read it from stdin)",
    )


def build_parser(*, with_server: bool = False) -> argparse.ArgumentParser:
    """The argument parser of ``authtokens``.

    ``serve`` comes from `authtokens.server.cli` when ``with_server`` is true and the
    ``server`` extra is installed; otherwise a placeholder explains how to install it.
    """
    parser = _Parser(
        prog="authtokens",
        allow_abbrev=False,
        description="Stacks auth tokens: decode, verify and make authRequest/authResponse "
        "tokens, derive wallet keys, create and verify Sign-In with Stacks messages, sign "
        "messages as wallets do. Exit codes: 0 ok, 1 token rejected, 2 usage error, "
        "3 network error.",
    )
    parser.add_argument("--version", action="version", version=f"authtokens {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    common = _common()

    p = sub.add_parser(
        "decode",
        parents=[common],
        allow_abbrev=False,
        help="show any token: header, claims, times, checks, decrypted key",
        description="Show a token readably: header, claims (times also in ISO 8601 UTC), which "
        "checks pass and fail (authRequest/authResponse checks by the payload's shape; other "
        "tokens: the signature, with --public-key or a public-key iss). Exit 1 if any check "
        "fails.",
    )
    p.add_argument("token", help="the token, a URL carrying it, or - for stdin")
    p.add_argument("--type", choices=["request", "response", "token"], help="skip detection")
    p.add_argument("--public-key", help="public key (hex) to check another token's signature")
    _transit_key_options(p, "transit private key file: decrypt the response's app key")
    p.add_argument(
        "--fetch-manifest",
        action="store_true",
        help="authRequest: fetch manifest_uri for the app's name and icon (exit 3 on failure)",
    )
    _clock(p, verifying=True)
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser(
        "verify",
        parents=[common],
        allow_abbrev=False,
        help="exit 0 if the token verifies as an authRequest or authResponse",
        description="Verify an authRequest (wallet side) or authResponse (app side); the type "
        "is detected from the payload unless --type is given. With a transit key, a response "
        "is also decoded and its app key decrypted. Exit 0 verified, 1 rejected.",
    )
    p.add_argument("token", help="the token, a URL carrying it, or - for stdin")
    p.add_argument("--type", choices=["request", "response"], help="skip detection")
    _transit_key_options(p, "transit private key file: also decrypt a response")
    _clock(p, verifying=True)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "make-request",
        parents=[common],
        allow_abbrev=False,
        help="mint an authRequest (app side)",
        description="Mint a signed authRequest. The transit key comes from a file or stdin, "
        "or a new one is generated (keep it with --transit-key-out: the app needs it to "
        "decrypt the response). Prints the token (or, with --authenticator, the sign-in URL).",
    )
    _transit_key_options(p, "file holding the app's transit private key (64 hex)")
    p.add_argument(
        "--transit-key-out", metavar="FILE", help="write a generated key to FILE (mode 0600)"
    )
    p.add_argument("--app-domain", required=True, help="the app's origin, https://app.example")
    p.add_argument("--redirect-uri", help="default: APP_DOMAIN/")
    p.add_argument("--manifest-uri", help="default: APP_DOMAIN/manifest.json")
    p.add_argument(
        "--scope",
        action="append",
        metavar="SCOPE",
        help="a scope to ask for; repeatable (default: store_write)",
    )
    p.add_argument(
        "--expires-in", type=seconds_arg, default=3600.0, help="lifetime, seconds (3600)"
    )
    p.add_argument("--app-name", help="appDetails.name shown by wallets")
    p.add_argument("--app-icon", help="appDetails.icon (absolute URL) shown by wallets")
    p.add_argument(
        "--allow-unknown-scopes", action="store_true", help="allow scopes not known here"
    )
    p.add_argument("--authenticator", metavar="URL", help="print AUTHENTICATOR?authRequest=…")
    _clock(p, verifying=False)
    p.set_defaults(func=cmd_make_request)

    p = sub.add_parser(
        "make-response",
        parents=[common],
        allow_abbrev=False,
        help="answer an authRequest with a wallet account (wallet side)",
        description="Verify an authRequest, derive the app key for its origin from the "
        "mnemonic (stdin or --mnemonic-file, never the command line) and print the signed "
        "authResponse (or, with --redirect, the URL that returns it to the app).",
    )
    p.add_argument("token", help="the authRequest, a URL carrying it, or - for stdin")
    _mnemonic_options(p)
    p.add_argument("--account", type=account_arg, default=0, help="account index (0)")
    p.add_argument("--hub-url", default=DEFAULT_HUB_URL, help=f"Gaia hub ({DEFAULT_HUB_URL})")
    p.add_argument(
        "--app-domain", help="derive the app key for this exact string, not the request's origin"
    )
    p.add_argument("--expires-in", type=seconds_arg, help="response lifetime, seconds")
    p.add_argument("--redirect", action="store_true", help="print redirect_uri?authResponse=…")
    _clock(p, verifying=True)
    p.set_defaults(func=cmd_make_response)

    p = sub.add_parser(
        "derive",
        parents=[common],
        allow_abbrev=False,
        help="identity, STX and app keys of wallet accounts",
        description="Derive what a Stacks wallet derives from a mnemonic (stdin or "
        "--mnemonic-file, never the command line): per account the identity address and "
        "public key, STX addresses and app keys; private keys only with --show-secrets.",
    )
    _mnemonic_options(p)
    accounts = p.add_mutually_exclusive_group()
    accounts.add_argument(
        "--account", type=account_arg, action="append", help="account index; repeatable (0)"
    )
    accounts.add_argument("--accounts", type=int, metavar="N", help="accounts 0 .. N-1")
    p.add_argument(
        "--app-domain", action="append", default=[], help="derive the app key; repeatable"
    )
    p.add_argument(
        "--exact-domain",
        action="store_true",
        help="hash --app-domain exactly as given (default: its origin, as wallets do)",
    )
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser(
        "keygen",
        parents=[common],
        allow_abbrev=False,
        help="a new transit key (or, with --mnemonic, a new wallet mnemonic)",
        description="Generate a transit key (prints its public key and address) or, with "
        "--mnemonic, a BIP39 mnemonic (prints account 0's identity and STX addresses). The "
        "secret itself is printed only with --show-secrets or written to --out FILE (0600).",
    )
    p.add_argument("--mnemonic", action="store_true", help="generate a wallet mnemonic instead")
    p.add_argument("--words", type=int, choices=[12, 24], default=24, help="mnemonic length (24)")
    p.add_argument("--out", metavar="FILE", help="write the secret to FILE (mode 0600, new file)")
    p.set_defaults(func=cmd_keygen)

    register_siws(sub, _common(json_only=True), time_arg=now_arg)
    register_sign_message(sub, _common(json_only=True))
    register_wallet(sub)

    wired = with_server and register_server(sub)
    parser.set_defaults(server_available=wired)
    if not wired:
        p = sub.add_parser(
            "serve",
            add_help=False,
            help="run the sign-in server (needs authtokens[server])",
            description="Run the sign-in server; needs the server extra.",
        )
        p.set_defaults(func=cmd_serve_missing, json=False)
    return parser


def register_server(sub: Any) -> bool:
    """Add ``serve`` from `authtokens.server.cli`; False when the server extra is missing."""
    try:
        from ..server.cli import register
    except ImportError:
        return False
    register(sub)
    return True


def cmd_serve_missing(args: argparse.Namespace) -> int:
    print_error(
        "usage", "'authtokens serve' needs the server extra: pip install 'authtokens[server]'"
    )
    return EXIT_USAGE
