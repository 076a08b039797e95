"""``siws create`` and ``siws verify``: Sign-In with Stacks messages on the command line."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from ..checks import Check
from ..claims import DEFAULT_LEEWAY
from ..siws import (
    CHAIN_MAINNET,
    CHAIN_TESTNET,
    DEFAULT_MAX_AGE,
    check_message,
    create_message,
    generate_nonce,
)
from .console import (
    EXIT_OK,
    EXIT_REJECTED,
    STDIN,
    check_json,
    emit_json,
    print_note,
    read_file,
    read_stdin,
    say,
)

__all__ = ["cmd_siws_create", "cmd_siws_verify", "register"]

_CHAINS = {"mainnet": CHAIN_MAINNET, "testnet": CHAIN_TESTNET}


def chain_arg(text: str) -> int:
    """``mainnet``, ``testnet`` or a chain ID."""
    if text in _CHAINS:
        return _CHAINS[text]
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a chain ID or mainnet/testnet") from None


def register(
    sub: Any, common: argparse.ArgumentParser, *, time_arg: Callable[[str], float]
) -> None:
    """Add ``siws create|verify`` to the sub-command set ``sub``; ``time_arg`` reads a time
    given as Unix seconds or ISO 8601 (`authtokens.cli.parser.now_arg`)."""
    group = sub.add_parser(
        "siws",
        allow_abbrev=False,
        help="Sign-In with Stacks messages: create one, or verify a signed one",
        description="Sign-In with Stacks (stx_signMessage sign-in, spec siws.md).",
    )
    siws_sub = group.add_subparsers(dest="siws_command", metavar="ACTION", required=True)

    p = siws_sub.add_parser(
        "create",
        parents=[common],
        allow_abbrev=False,
        help="write a message, byte for byte as createSiwsMessage writes it",
        description="Write a Sign-In with Stacks message from its fields (refused as the "
        "reference refuses them). Prints the message (with --json also its nonce).",
    )
    p.add_argument("--domain", required=True, help="host[:port] of the site asking")
    p.add_argument("--address", required=True, help="the wallet's Stacks address")
    p.add_argument("--uri", required=True, help="the URI of the sign-in (RFC 3986)")
    p.add_argument("--nonce", help="the server's nonce (default: a fresh one, 130 bits)")
    p.add_argument(
        "--chain-id", type=chain_arg, default=CHAIN_MAINNET, help="1, 2147483648, mainnet, testnet"
    )
    p.add_argument("--statement", help="one line shown to the user")
    p.add_argument("--issued-at", type=time_arg, help="Unix seconds or ISO 8601 (default: now)")
    p.add_argument("--expiration-time", type=time_arg, help="Unix seconds or ISO 8601")
    p.add_argument("--not-before", type=time_arg, help="Unix seconds or ISO 8601")
    p.add_argument("--request-id", help="Request ID line")
    p.add_argument(
        "--resource", action="append", metavar="URI", help="a Resources entry; repeatable"
    )
    p.add_argument("--scheme", help="scheme written before the domain (e.g. https)")
    p.set_defaults(func=cmd_siws_create)

    p = siws_sub.add_parser(
        "verify",
        parents=[common],
        allow_abbrev=False,
        help="check a signed message: address, account id and every check",
        description="Check a signed Sign-In with Stacks message against what the backend "
        "expects and print the signer's address, its CAIP-10 account id and each check "
        "(pass/fail with its code). Exit 0 when every check passed, 1 otherwise.",
    )
    p.add_argument("message", help="the message text, or - for stdin")
    p.add_argument("--message-file", action="store_true", help="MESSAGE is a file to read")
    p.add_argument("--signature", required=True, help="the wallet's signature (130 hex, RSV/VRS)")
    p.add_argument("--domain", required=True, help="the domain the message must name")
    p.add_argument("--uri", help="the URI it must name (default: any URI on --domain)")
    p.add_argument("--nonce", help="the nonce it must carry (unchecked without it)")
    p.add_argument("--scheme", help="the scheme it must name")
    p.add_argument("--chain-id", type=chain_arg, help="the chain it must name (any known)")
    p.add_argument("--address", help="the address the wallet claimed")
    p.add_argument("--public-key", help="the public key the wallet sent (66 hex)")
    p.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE,
        help=f"oldest Issued At accepted, seconds ({DEFAULT_MAX_AGE:g}; 0: no cap)",
    )
    p.add_argument(
        "--legacy-prefix", action="store_true", help="also accept the pre-2023 message prefix"
    )
    p.add_argument(
        "--now", type=time_arg, help="the time to use: Unix seconds or ISO 8601 (default: now)"
    )
    p.add_argument(
        "--leeway",
        type=float,
        default=DEFAULT_LEEWAY,
        help=f"clock skew tolerated, seconds ({DEFAULT_LEEWAY:g})",
    )
    p.set_defaults(func=cmd_siws_verify)


def cmd_siws_create(args: argparse.Namespace) -> int:
    nonce = args.nonce if args.nonce is not None else generate_nonce()
    text = create_message(
        domain=args.domain,
        address=args.address,
        uri=args.uri,
        nonce=nonce,
        chain_id=args.chain_id,
        issued_at=time.time() if args.issued_at is None else args.issued_at,
        statement=args.statement,
        expiration_time=args.expiration_time,
        not_before=args.not_before,
        request_id=args.request_id,
        resources=args.resource,
        scheme=args.scheme,
    )
    if args.json:
        emit_json({"ok": True, "message": text, "nonce": nonce})
    else:
        say(text)
    return EXIT_OK


def _read_message(args: argparse.Namespace) -> str:
    if args.message_file:
        return read_file(args.message, "message")
    if args.message == STDIN:
        return read_stdin("message")
    # A message typed in a shell argument carries "\n" as two characters; take them as newlines.
    text: str = args.message
    return text.replace("\\n", "\n") if "\n" not in text else text


def _line(check: Check) -> str:
    if check.passed:
        return f"  pass  {check.name}"
    message = check.error.message if check.error is not None else ""
    return f"  FAIL  {check.name}: {check.code}: {message}"


def cmd_siws_verify(args: argparse.Namespace) -> int:
    text = _read_message(args)
    report = check_message(
        text,
        args.signature,
        domain=args.domain,
        nonce=args.nonce,
        uri=args.uri,
        scheme=args.scheme,
        chain_id=args.chain_id,
        address=args.address,
        public_key=args.public_key,
        now=args.now,
        leeway=args.leeway,
        max_age=args.max_age or None,
        legacy_prefix=args.legacy_prefix,
    )
    message = report.message
    if args.json:
        emit_json(
            {
                "ok": report.ok,
                "address": message.address if message else None,
                "account_id": report.account_id,
                "chain_id": message.chain_id if message else None,
                "public_key": report.public_key,
                "nonce": message.nonce if message else None,
                "nonce_checked": args.nonce is not None,
                "checks": [check_json(c) for c in report.checks],
            }
        )
    else:
        if message is not None:
            say(f"address:    {message.address}")
            say(f"account id: {report.account_id}")
            if report.public_key:
                say(f"public key: {report.public_key}")
        say("checks:")
        for check in report.checks:
            say(_line(check))
        say("verified" if report.ok else "REJECTED")
    if args.nonce is None and message is not None:
        print_note("the nonce was not checked (give --nonce): nothing says the message is fresh")
    return EXIT_OK if report.ok else EXIT_REJECTED
