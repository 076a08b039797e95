"""The ``authtokens`` command line (also ``python -m authtokens``).

Sub-commands: ``decode``, ``verify``, ``make-request``, ``make-response``, ``derive``,
``keygen``, ``siws create|verify`` (Sign-In with Stacks messages), ``sign-message`` (as a wallet
answers ``stx_signMessage`` / ``stx_signStructuredMessage``), ``wallet`` (the dev wallet) and,
with the ``server`` extra, ``serve``. Every sub-command takes ``--json`` for
machine-readable output on stdout. Tokens are read from an argument or, given ``-``, from stdin;
an argument may also be a URL carrying ``authRequest=`` / ``authResponse=``. Mnemonics are read
from stdin (without echo on a terminal) or ``--mnemonic-file``, never from the command line.
Private keys and mnemonics are printed only with ``--show-secrets``.

Exit codes::

    0  success (decode: the token parsed and every check passed)
    1  the token was rejected: a check or a decryption failed (its code is printed)
    2  usage error: bad arguments, a malformed key or mnemonic, an unreadable file,
       a missing extra (``authtokens serve`` without ``authtokens[server]``)
    3  network error: fetching the app manifest failed (``decode --fetch-manifest``)

Errors go to stderr as ``error: <code>: <message>``; with ``--json`` a JSON object with
``"ok": false`` is printed on stdout as well. This module is the edge (layer 3): it reads
files, stdin and the clock, and leaves every decision to the library.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..errors import AuthTokenError, InvalidTokenError, ManifestError, UsageError
from .console import EXIT_NETWORK, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, emit_json, print_error
from .parser import build_parser, cmd_serve_missing

__all__ = ["EXIT_NETWORK", "EXIT_OK", "EXIT_REJECTED", "EXIT_USAGE", "build_parser", "main"]


def _wants_server(argv: Sequence[str]) -> bool:
    words = [a for a in argv if not a.startswith("-")]
    return bool(words) and words[0] == "serve"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Library errors become an ``error: <code>: <message>`` line on stderr and exit code 1
    (`InvalidTokenError`), 2 (`UsageError`) or 3 (`ManifestError`); anything else is a bug and
    propagates.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    wants_server = _wants_server(arguments)
    parser = build_parser(with_server=wants_server)
    if wants_server and not parser.get_default("server_available"):
        return cmd_serve_missing(argparse.Namespace())
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except InvalidTokenError as exc:
        return _failed(args, exc, EXIT_REJECTED)
    except UsageError as exc:
        return _failed(args, exc, EXIT_USAGE)
    except ManifestError as exc:
        return _failed(args, exc, EXIT_NETWORK)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def _failed(args: argparse.Namespace, exc: AuthTokenError, status: int) -> int:
    print_error(exc.code, exc.message)
    if getattr(args, "json", False):
        emit_json({"ok": False, "error": {"code": exc.code, "message": exc.message}})
    return status
