"""``sign-message``: what a wallet answers to ``stx_signMessage`` and
``stx_signStructuredMessage``, signed with a key read from a file or stdin.

Plain text is signed as ``signMessageHashRsv(hashMessage(text))``. With ``--structured`` the
message and the ``--domain`` are Clarity values (SIP-018), each given as consensus hex or as
JSON: the typed form stacks.js values print as (``{"type": "uint", "value": "1"}``, types
``int uint buffer true false bool address contract principal ascii string-ascii utf8
string-utf8 ok err some none list tuple``; ``buffer`` values in hex), or plain JSON read as
``object → tuple, string → string-ascii (string-utf8 when not ASCII), integer ≥ 0 → uint,
negative → int, boolean → bool, array → list, null → none``, so a domain is simply
``{"name": "App", "version": "1.0.0", "chain-id": 1}``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from ..addresses import STACKS_MAINNET, STACKS_TESTNET, stacks_address
from ..clarity import Cl, ClarityValue, deserialize_hex, serialize_hex
from ..encoding import is_hex
from ..errors import InvalidArgumentError, InvalidEncodingError
from ..keys import get_public_key, normalize_private_key
from ..stacks_messages import hash_message, sign_message, sign_structured_data
from ..stacks_messages import structured_data_hash as sip018_hash
from .console import EXIT_OK, STDIN, emit_json, read_file, read_stdin, say

__all__ = ["clarity_from_json", "cmd_sign_message", "register"]

_MAX_DEPTH = 32


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``sign-message`` to the sub-command set ``sub``."""
    p = sub.add_parser(
        "sign-message",
        parents=[common],
        allow_abbrev=False,
        help="sign a message as a Stacks wallet does (RSV; SIP-018 with --structured)",
        description="Sign TEXT with a private key as wallets answer stx_signMessage "
        "(signMessageHashRsv(hashMessage(TEXT)), 130 hex RSV), or with --structured a "
        "SIP-018 message under --domain (each Clarity hex or JSON, see the module doc). The "
        "key is read from --key-file or stdin, never from the command line.",
    )
    p.add_argument("text", help="the message (structured: its Clarity value), or - for stdin")
    p.add_argument("--key-file", metavar="FILE", help="private key file (default: stdin)")
    p.add_argument("--structured", action="store_true", help="SIP-018 structured data")
    p.add_argument("--domain", help="SIP-018 domain tuple {name, version, chain-id}")
    p.add_argument(
        "--key-order",
        choices=["clarity", "stacks.js"],
        default="clarity",
        help="tuple key order to sign (stacks.js: what wallets serialise; differs only for "
        "keys mixing case or -/_)",
    )
    p.add_argument("--network", choices=["mainnet", "testnet"], default="mainnet")
    p.set_defaults(func=cmd_sign_message)


_STRING_TYPES: dict[str, Callable[[str], ClarityValue]] = {
    "ascii": Cl.string_ascii,
    "string-ascii": Cl.string_ascii,
    "utf8": Cl.string_utf8,
    "string-utf8": Cl.string_utf8,
}
_WRAPPERS: dict[str, Callable[[ClarityValue], ClarityValue]] = {
    "ok": Cl.ok,
    "err": Cl.error,
    "some": Cl.some,
}


def _typed(kind: str, value: Any, depth: int) -> ClarityValue:
    def inner(item: Any) -> ClarityValue:
        return clarity_from_json(item, _depth=depth + 1)

    wrong = InvalidArgumentError(f"Clarity {kind} has a value of the wrong JSON type")
    if kind in ("int", "uint"):
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if type(value) is not int:
            raise wrong
        return Cl.int(value) if kind == "int" else Cl.uint(value)
    if kind in ("true", "false", "none"):
        return Cl.none() if kind == "none" else Cl.bool(kind == "true")
    if kind in _WRAPPERS:
        return _WRAPPERS[kind](inner(value))
    if kind == "bool" and isinstance(value, bool):
        return Cl.bool(value)
    if kind == "list" and isinstance(value, list):
        return Cl.list([inner(v) for v in value])
    if kind == "tuple" and isinstance(value, dict):
        return Cl.tuple({k: inner(v) for k, v in value.items()})
    if not isinstance(value, str):
        raise wrong
    if kind == "buffer":
        return Cl.buffer_from_hex(value)
    if kind in ("address", "contract", "principal"):
        return Cl.principal(value)
    if kind in _STRING_TYPES:
        return _STRING_TYPES[kind](value)
    raise InvalidArgumentError(f"unknown Clarity type {kind!r}")


def clarity_from_json(value: Any, *, _depth: int = 0) -> ClarityValue:
    """A Clarity value from its JSON form (typed or plain, see the module doc).

    Raises `InvalidArgumentError` for anything that is not one.
    """
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        extra = set(value) - {"type", "value"}
        if extra:
            raise InvalidArgumentError(f"typed Clarity JSON has unknown keys {sorted(extra)}")
        if _depth >= _MAX_DEPTH:
            raise InvalidArgumentError("Clarity JSON nests too deeply")
        return _typed(value["type"], value.get("value"), _depth)
    if _depth >= _MAX_DEPTH:
        raise InvalidArgumentError("Clarity JSON nests too deeply")
    if isinstance(value, bool):
        return Cl.bool(value)
    if isinstance(value, int):
        return Cl.uint(value) if value >= 0 else Cl.int(value)
    if isinstance(value, str):
        return Cl.string_ascii(value) if value.isascii() else Cl.string_utf8(value)
    if value is None:
        return Cl.none()
    if isinstance(value, list):
        return Cl.list([clarity_from_json(v, _depth=_depth + 1) for v in value])
    if isinstance(value, dict):
        return Cl.tuple({k: clarity_from_json(v, _depth=_depth + 1) for k, v in value.items()})
    raise InvalidArgumentError(f"no Clarity value for JSON {type(value).__name__}")


def _clarity(text: str, what: str) -> ClarityValue:
    """A Clarity value from consensus hex (``0x`` optional) or JSON."""
    body = text.strip()
    hex_body = body[2:] if body[:2].lower() == "0x" else body
    if hex_body and is_hex(hex_body):
        return deserialize_hex(hex_body)
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidEncodingError(f"{what} is neither Clarity hex nor JSON") from None
    return clarity_from_json(data)


def _read_key(args: argparse.Namespace) -> str:
    text = read_file(args.key_file, "key") if args.key_file else read_stdin("key")
    return normalize_private_key(text.strip())


def cmd_sign_message(args: argparse.Namespace) -> int:
    if args.text == STDIN and not args.key_file:
        raise InvalidArgumentError("stdin can carry the key or the text, not both: --key-file")
    text = read_stdin("message") if args.text == STDIN else args.text
    key = _read_key(args)
    public_key = get_public_key(key)
    version = STACKS_MAINNET if args.network == "mainnet" else STACKS_TESTNET
    out: dict[str, Any] = {"ok": True}
    if args.structured:
        if args.domain is None:
            raise InvalidArgumentError("--structured needs --domain")
        domain, message = _clarity(args.domain, "--domain"), _clarity(text, "the message")
        out["signature"] = sign_structured_data(
            key, domain=domain, message=message, key_order=args.key_order
        )
        out["digest"] = sip018_hash(domain, message, key_order=args.key_order).hex()
        out["domain"] = serialize_hex(domain, key_order=args.key_order)
        out["message"] = serialize_hex(message, key_order=args.key_order)
    else:
        if args.domain is not None:
            raise InvalidArgumentError("--domain is for --structured messages")
        out["signature"] = sign_message(key, text)
        out["digest"] = hash_message(text).hex()
    out["public_key"] = public_key
    out["address"] = stacks_address(public_key, version)
    if args.json:
        emit_json(out)
        return EXIT_OK
    for name in ("signature", "public_key", "address", "digest", "domain", "message"):
        if name in out:
            say(f"{name.replace('_', ' ')}: {out[name]}")
    return EXIT_OK
