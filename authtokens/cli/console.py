"""Input and output of the command line: stdin, files, secrets on disk, text and JSON."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

from ..checks import Check
from ..encoding import is_hex
from ..errors import InvalidArgumentError, InvalidKeyError, MalformedTokenError
from ..keys import normalize_private_key
from ..urls import auth_request_from_url, auth_response_from_url
from ..wallet import Wallet

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3

MAX_INPUT = 1024 * 1024
SECRET_FIELDS = ("private_key", "appPrivateKeyFromWalletSalt", "core_token")
TIME_CLAIMS = ("iat", "exp", "nbf")
REDACTED = "<redacted: not encrypted; --show-secrets shows it>"
STDIN = "-"


# --- input --------------------------------------------------------------------------------


def read_stdin(what: str) -> str:
    if sys.stdin is None:
        raise InvalidArgumentError(f"no stdin to read the {what} from")
    text = sys.stdin.read(MAX_INPUT + 1)
    if len(text) > MAX_INPUT:
        raise InvalidArgumentError(f"the {what} on stdin is too large")
    return text


def read_file(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(MAX_INPUT + 1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        # The path is not echoed: it may be a secret typed in the wrong place.
        raise InvalidArgumentError(f"cannot read the {what} file: {reason}") from None
    if len(text) > MAX_INPUT:
        raise InvalidArgumentError(f"the {what} file is too large")
    return text


def write_secret(path: str, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidArgumentError(f"{path} exists; not overwriting a secret") from None
    except OSError as exc:
        raise InvalidArgumentError(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def read_token(args: argparse.Namespace) -> str:
    text = (read_stdin("token") if args.token == STDIN else args.token).strip()
    if "authResponse=" in text:
        return auth_response_from_url(text)
    if "authRequest=" in text:
        return auth_request_from_url(text)
    if not text:
        raise MalformedTokenError("the token is empty")
    return text


def stdin_user(args: argparse.Namespace) -> int:
    users = [args.token == STDIN if "token" in args else False]
    users.append(bool(getattr(args, "transit_key_stdin", False)))
    users.append("mnemonic_file" in args and args.mnemonic_file is None)
    return sum(users)


def check_stdin(args: argparse.Namespace) -> None:
    if stdin_user(args) > 1:
        raise InvalidArgumentError(
            "stdin can carry only one input: put the token in an argument, or the mnemonic "
            "or transit key in a file"
        )


def read_transit_key(args: argparse.Namespace) -> str | None:
    if args.transit_key_stdin:
        text = read_stdin("transit key")
    elif args.transit_key_file is not None:
        text = read_file(args.transit_key_file, "transit key")
    else:
        return None
    try:
        return normalize_private_key(text.strip())
    except InvalidKeyError:
        raise InvalidKeyError(
            "the transit key must be 64 hex characters (or 66 ending in 01)"
        ) from None


def read_wallet(args: argparse.Namespace) -> Wallet:
    if args.mnemonic_file is not None:
        phrase = read_file(args.mnemonic_file, "mnemonic")
    elif sys.stdin is not None and sys.stdin.isatty():
        phrase = getpass.getpass("mnemonic (not echoed): ")
    else:
        phrase = read_stdin("mnemonic")
    return Wallet.from_mnemonic(phrase)


# --- output -------------------------------------------------------------------------------


def iso(seconds: float) -> str:
    try:
        when = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return "out of range"
    return when.isoformat().replace("+00:00", "Z")


def emit_json(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def print_note(line: str) -> None:
    sys.stderr.write(f"note: {line}\n")


def print_error(code: str, message: str) -> None:
    sys.stderr.write(f"error: {code}: {message}\n")


def check_json(check: Check) -> dict[str, Any]:
    return {
        "name": check.name,
        "passed": check.passed,
        "code": check.code,
        "message": None if check.error is None else check.error.message,
    }


def is_wrapped(value: object) -> bool:
    """True for the hex of an encrypted cipher object (what ``private_key`` should hold)."""
    return (
        isinstance(value, str)
        and len(value) > 64
        and is_hex(value)
        and value[:10].lower() == "7b22697622"  # '{"iv"'
    )


def redacted(payload: dict[str, Any], show_secrets: bool) -> dict[str, Any]:
    out = dict(payload)
    if not show_secrets:
        for name in SECRET_FIELDS:
            value = out.get(name)
            if value is not None and not is_wrapped(value):
                out[name] = REDACTED
    return out


def abbreviate(value: Any, limit: int = 96) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: limit - 32]}…{value[-16:]} ({len(value)} chars)"
    if isinstance(value, dict):
        return {k: abbreviate(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [abbreviate(v, limit) for v in value]
    return value


def token_kind(payload: dict[str, Any], forced: str | None) -> str:
    if forced is not None:
        return forced
    if any(name in payload for name in ("domain_name", "redirect_uri", "manifest_uri")):
        return "request"
    if any(name in payload for name in ("private_key", "profile", "core_token")):
        return "response"
    return "token"


NAMES = {"request": "authRequest", "response": "authResponse", "token": "token"}
