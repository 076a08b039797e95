#!/usr/bin/env python3
"""Reverse-direction compatibility: artifacts made here, checked by the reference JS libraries.

Builds ES256K JWTs (low-S and raw-S), ECIES cipher objects (hex and base64 ciphertext, bytes
and unicode strings), wrapped app keys, authRequests from `make_auth_request` with various
options, and authResponses from `make_auth_response_for_request` (several mnemonics, accounts
and app origins) and `make_auth_response` (core token, email, profile URL, wallet-salt key, no
app key), writes them in the input format of ``tools/vectors/check.mjs`` and runs::

    node tools/vectors/check.mjs FILE

which verifies each with jsontokens ``TokenVerifier``, ``decryptECIES``,
``decryptPrivateKey``, ``verifyAuthRequest``, ``verifyAuthResponse`` and
``UserSession.handlePendingSignIn`` (the decrypted app key must equal the one derived here).
Wallet artifacts too: ``sign_message`` signatures of plain texts and SIWS messages
(``verifyMessageSignatureRsv``, ``publicKeyFromSignatureRsv``, ``getAddressFromPublicKey``),
SIP-018 signatures (``encodeStructuredDataBytes`` over the deserialised values), addresses of
compressed and uncompressed keys, and Clarity serialisations (``deserializeCV`` round trip).

Usage: ``python tools/interop.py [--seed S] [--out FILE] [--verbose]``. Keys, mnemonics and
payloads come from the seed (a fresh random one by default, printed so a failure can be
replayed); ECIES nonces come from the OS CSPRNG. Exit 0 when the reference reports
"N passed, 0 failed" for every case, 1 when something failed, 2 when node or the reference
packages are missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coincurve import PublicKey  # noqa: E402

from authtokens import (  # noqa: E402 -- after the sys.path fix: a checkout runs as is  # noqa: E402
    Wallet,
    clarity,
    ecies,
    jwt,
    make_auth_request,
    make_auth_response,
    make_auth_response_for_request,
    siws,
    stacks_messages,
    verify_auth_request,
)
from authtokens.addresses import STACKS_MAINNET, STACKS_TESTNET, stacks_address  # noqa: E402
from authtokens.bip39 import entropy_to_mnemonic  # noqa: E402
from authtokens.clarity import Cl  # noqa: E402
from authtokens.keys import CURVE_ORDER, get_public_key  # noqa: E402

VECTORS = ROOT / "tools" / "vectors"
CHECK_SCRIPT = VECTORS / "check.mjs"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.MULTILINE)
BASE_TIME = 1_735_689_600  # 2025-01-01T00:00:00Z


class Stream:
    """Deterministic bytes from a seed and a label (SHA-256 in counter mode)."""

    def __init__(self, seed: str, label: str) -> None:
        self._prefix = f"{seed}|{label}|".encode()
        self._counter = 0

    def take(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(self._prefix + str(self._counter).encode()).digest()
            self._counter += 1
        return out[:size]

    def key(self) -> str:
        while True:
            value = int.from_bytes(self.take(32), "big")
            if 0 < value < CURVE_ORDER:
                return f"{value:064x}"

    def below(self, bound: int) -> int:
        return int.from_bytes(self.take(8), "big") % bound

    def pick(self, options: list[Any]) -> Any:
        return options[self.below(len(options))]


_TEXTS = [
    "hello",
    "",
    "ünïcødé ✓",
    "emoji 🦊🔑 and a lone CJK 漢字",
    '{"json": "inside", "quote": "\\""}',
    "line\nbreaks\tand\u2028separators",
    "x" * 1000,
]
_ORIGINS = [
    "https://app.example.com",
    "http://localhost:3000",
    "https://sub.domain.example.org:8443",
    "https://bücher.example",
    "http://127.0.0.1:8080",
]


def _jwt_cases(rand: Stream, count: int) -> list[dict[str, Any]]:
    cases = []
    for i in range(count):
        key = rand.key()
        payload: dict[str, Any] = {
            "jti": rand.take(8).hex(),
            "iat": BASE_TIME + rand.below(10**6),
            "text": rand.pick(_TEXTS),
            "nested": {"list": [1, 2.5, -3, True, None], "float": rand.below(10**6) / 1000},
        }
        low_s = i % 2 == 0
        public = get_public_key(key)
        if i % 4 == 3:  # the uncompressed form of the same key
            public = PublicKey(bytes.fromhex(public)).format(compressed=False).hex()
        cases.append(
            {
                "name": f"low_s={low_s} {'uncompressed' if len(public) == 130 else 'compressed'}",
                "token": jwt.sign(payload, key, low_s=low_s),
                "public_key": public,
            }
        )
    return cases


def _ecies_cases(rand: Stream, count: int) -> list[dict[str, Any]]:
    cases = []
    for i in range(count):
        key = rand.key()
        encoding: ecies.CipherTextEncoding = "base64" if i % 2 else "hex"
        case: dict[str, Any] = {"private_key": key}
        if i % 3 == 0:
            data = rand.take(rand.below(100))
            case["plaintext_hex"] = data.hex()
            case["cipher"] = ecies.encrypt(get_public_key(key), data, cipher_text_encoding=encoding)
            case["name"] = f"bytes[{len(data)}] {encoding}"
        else:
            text = rand.pick(_TEXTS)
            case["plaintext_str"] = text
            case["cipher"] = ecies.encrypt(get_public_key(key), text, cipher_text_encoding=encoding)
            case["name"] = f"str[{len(text)}] {encoding}"
        cases.append(case)
    return cases


def _wrapped_key_cases(rand: Stream, count: int) -> list[dict[str, Any]]:
    cases = []
    for _ in range(count):
        transit, secret = rand.key(), rand.key()
        wrapped = ecies.wrap_private_key(get_public_key(transit), secret)
        cases.append({"name": "app key", "private_key": transit, "wrapped_hex": wrapped})
        cases[-1]["expected"] = secret
    return cases


def _request_options(rand: Stream, origin: str, i: int) -> dict[str, Any]:
    options: dict[str, Any] = {"app_domain": origin}
    variant = i % 6
    if variant == 1:
        options["scopes"] = ["store_write", "publish_data", "email"]
        options["app_details"] = {"name": "Interop ✓", "icon": f"{origin}/icon.png"}
    elif variant == 2:
        options["redirect_uri"] = f"{origin}/auth/callback?next=%2Fhome"
        options["manifest_uri"] = f"{origin}/static/manifest.json"
        options["scopes"] = ["collection.contact", "store_write"]
    elif variant == 3:
        options["app_domain"] = origin + "/"  # trailing slash dropped before defaults
        options["scopes"] = []
        options["extra"] = {"sendToSignIn": True, "connectVersion": "7.0.0", "client": "web"}
    elif variant == 4:
        options["expires_in"] = 30 * 24 * 3600  # a month, as makeAuthRequestToken defaults
        options["low_s"] = False
    elif variant == 5:
        options["extra"] = {"state": rand.take(16).hex(), "version": "ignored: fixed value wins"}
        options["scopes"] = ["unknown_but_allowed"]
        options["allow_unknown_scopes"] = True
    return options


def _request_cases(rand: Stream, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    """``(transit_key, token, case)`` for each authRequest."""
    out = []
    for i in range(count):
        transit = rand.key()
        origin = _ORIGINS[i % len(_ORIGINS)]
        now = BASE_TIME + rand.below(10**8)
        options = _request_options(rand, origin, i)
        lifetime = options.pop("expires_in", None)
        if lifetime is not None:
            options["expires_at"] = now + lifetime
        token = make_auth_request(transit, now=now, **options)
        case = {"name": f"{origin} variant {i % 6}", "token": token, "now_ms": now * 1000 + 500}
        out.append((transit, token, case))
    return out


def _mnemonic(rand: Stream, i: int) -> str:
    if i == 0:
        return " ".join(["abandon"] * 11 + ["about"])
    return entropy_to_mnemonic(rand.take(16 if i % 2 else 32))


def _response_cases(
    rand: Stream, requests: list[tuple[str, str, dict[str, Any]]], wallets: int
) -> list[dict[str, Any]]:
    cases = []
    for i, (transit, token, request_case) in enumerate(requests):
        now_ms = int(request_case["now_ms"])
        now = now_ms // 1000
        request = verify_auth_request(token, now=now, allow_unknown_scopes=True)
        account = Wallet.from_mnemonic(_mnemonic(rand, i % wallets)).account(rand.below(3))
        response = make_auth_response_for_request(
            request,
            account,
            profile={"name": rand.pick(_TEXTS)[:40]} if i % 2 else None,
            now=now,
        )
        cases.append(
            {
                "name": f"for_request {request.origin} account {account.index}",
                "token": response,
                "transit_private_key": transit,
                "now_ms": now_ms + 1000,
                "expected_app_private_key": account.app_private_key(request.origin),
            }
        )
    return cases


def _direct_response_cases(rand: Stream, count: int) -> list[dict[str, Any]]:
    cases = []
    for i in range(count):
        identity, transit, app_key = rand.key(), rand.key(), rand.key()
        now = BASE_TIME + rand.below(10**8)
        variant = i % 4
        options: dict[str, Any] = {
            "app_private_key": app_key,
            "transit_public_key": get_public_key(transit),
            "now": now,
        }
        if variant == 0:
            options.update(
                core_token=f"core-{rand.take(8).hex()}", email="user@example.com", hub_url=None
            )
        elif variant == 1:
            options.update(
                profile={"name": "Ünïcode", "apps": {"https://a.example": "https://gaia/x/"}},
                profile_url="https://gaia.example/hub/1abc/profile.json",
                hub_url="https://hub.example.org",
                blockstack_api_url="https://api.example.org",
                app_private_key_from_wallet_salt=rand.key(),
                low_s=False,
            )
        elif variant == 2:
            options.update(expires_at=now + 60, association_token=None, hub_url="http://h:1")
        else:  # no app key: a hardware-wallet answer (legacy payload, private_key null)
            options.update(app_private_key=None)
        cases.append(
            {
                "name": f"make_auth_response variant {variant}",
                "token": make_auth_response(identity, **options),
                "transit_private_key": transit,
                "now_ms": now * 1000 + 999,
                "expected_app_private_key": options["app_private_key"],
            }
        )
    return cases


_SIWS_DOMAINS = ["example.com", "localhost:3000", "app.example.org:8443", "10.0.0.1"]


def _message_signature_cases(rand: Stream, count: int) -> list[dict[str, Any]]:
    """stx_signMessage signatures of plain texts and of SIWS messages made here."""
    out = []
    for i in range(count):
        key = rand.key()
        pub = get_public_key(key)
        testnet = i % 2 == 1
        address = stacks_address(pub, STACKS_TESTNET if testnet else STACKS_MAINNET)
        if i % 3 == 0:
            text = rand.pick(_TEXTS)
        else:
            text = siws.create_message(
                domain=rand.pick(_SIWS_DOMAINS),
                address=address,
                uri="https://example.com/login",
                nonce=rand.take(12).hex(),
                chain_id=siws.CHAIN_TESTNET if testnet else siws.CHAIN_MAINNET,
                issued_at=BASE_TIME + rand.below(10**7),
                statement="Sign in ✓" if i % 2 else None,
                resources=["https://example.com/a"] if i % 4 == 2 else None,
            )
        out.append(
            {
                "name": f"message-{i}",
                "message": text,
                "signature": stacks_messages.sign_message(key, text),
                "public_key": pub,
                "address": address,
            }
        )
    return out


def _sip018_cases(rand: Stream, count: int) -> list[dict[str, Any]]:
    """SIP-018 signatures over values built here (Clarity order: keys on which the two orders
    agree, so the reference's serialisation is the same bytes)."""
    out = []
    for i in range(count):
        key = rand.key()
        domain = Cl.tuple(
            {
                "name": Cl.string_ascii(f"App {i}"),
                "version": Cl.string_ascii("1.0.0"),
                "chain-id": Cl.uint(rand.pick([1, siws.CHAIN_TESTNET])),
            }
        )
        message = Cl.tuple(
            {
                "nonce": Cl.string_ascii(rand.take(12).hex()),
                "amount": Cl.int(int.from_bytes(rand.take(15), "big") - 2**119),
                "memo": Cl.some(Cl.buffer(rand.take(rand.below(40)))),
                "greeting": Cl.string_utf8(rand.pick(_TEXTS[:4])),
                "who": Cl.principal(stacks_address(get_public_key(key))),
                "items": Cl.list([Cl.uint(rand.below(1000)), Cl.uint(7)]),
                "res": Cl.ok(Cl.bool(i % 2 == 0)) if i % 3 else Cl.error(Cl.none()),
            }
        )
        out.append(
            {
                "name": f"sip018-{i}",
                "domain_hex": clarity.serialize_hex(domain),
                "message_hex": clarity.serialize_hex(message),
                "signature": stacks_messages.sign_structured_data(
                    key, domain=domain, message=message
                ),
                "public_key": get_public_key(key),
            }
        )
    return out


def _address_cases(rand: Stream, count: int) -> list[dict[str, Any]]:
    """Addresses of compressed and uncompressed keys (hashed as given, as stacks.js does)."""
    out = []
    for i in range(count):
        pub = get_public_key(rand.key())
        if i % 2:
            pub = PublicKey(bytes.fromhex(pub)).format(compressed=False).hex()
        out.append(
            {
                "name": f"address-{i}",
                "public_key": pub,
                "mainnet": stacks_address(pub),
                "testnet": stacks_address(pub, STACKS_TESTNET),
            }
        )
    return out


def _clarity_cases() -> list[dict[str, Any]]:
    """One value of every Clarity type, serialised here."""
    values = {
        "int": Cl.int(-(2**127)),
        "uint": Cl.uint(2**128 - 1),
        "true": Cl.bool(True),
        "false": Cl.bool(False),
        "buffer": Cl.buffer(b"\x00\xff" * 10),
        "principal": Cl.principal("SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"),
        "contract": Cl.principal("SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY.my-contract"),
        "ok": Cl.ok(Cl.uint(1)),
        "err": Cl.error(Cl.int(-1)),
        "none": Cl.none(),
        "some": Cl.some(Cl.string_ascii("x")),
        "list": Cl.list([Cl.uint(1), Cl.uint(2)]),
        "tuple": Cl.tuple({"a": Cl.uint(1), "b-c": Cl.none(), "d": Cl.list([])}),
        "ascii": Cl.string_ascii("Hello, Clarity!"),
        "utf8": Cl.string_utf8("héllo 🦊"),
    }
    return [{"name": k, "hex": clarity.serialize_hex(v)} for k, v in values.items()]


def build_cases(seed: str, scale: int = 1) -> dict[str, list[dict[str, Any]]]:
    """Every artifact, in check.mjs's input format; the same seed gives the same keys."""
    rand = Stream(seed, "interop")
    requests = _request_cases(rand, 12 * scale)
    return {
        "jwt": _jwt_cases(rand, 8 * scale),
        "ecies": _ecies_cases(rand, 12 * scale),
        "wrapped_keys": _wrapped_key_cases(rand, 4 * scale),
        "auth_requests": [case for _, _, case in requests],
        "auth_responses": _response_cases(rand, requests, wallets=4)
        + _direct_response_cases(rand, 8 * scale),
        "message_signatures": _message_signature_cases(rand, 12 * scale),
        "sip018": _sip018_cases(rand, 6 * scale),
        "addresses": _address_cases(rand, 8 * scale),
        "clarity": _clarity_cases(),
    }


def node_available() -> str | None:
    """Why the reference check cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not (VECTORS / "node_modules" / "@stacks" / "auth").is_dir():
        return "tools/vectors/node_modules is missing (cd tools/vectors && npm ci)"
    return None


def run_check(path: Path) -> tuple[int, int, str]:
    """Run check.mjs on ``path``; returns (passed, failed, its output)."""
    result = subprocess.run(
        ["node", str(CHECK_SCRIPT), str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    found = SUMMARY.findall(result.stdout)
    if not found:
        return 0, -1, output
    passed, failed = found[-1]
    return int(passed), int(failed), output


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(
        description="check Python-made artifacts with the JS reference"
    )
    parser.add_argument("--seed", help="seed for keys and payloads (default: a random one)")
    parser.add_argument("--scale", type=int, default=1, help="multiply the number of cases")
    parser.add_argument("--out", type=Path, help="keep the input file here")
    parser.add_argument("--verbose", action="store_true", help="print every PASS line")
    args = parser.parse_args(argv)
    missing = node_available()
    if missing is not None:
        print(f"interop: cannot run the reference check: {missing}", file=sys.stderr)
        return 2
    seed = args.seed or secrets.token_hex(8)
    cases = build_cases(seed, max(1, args.scale))
    total = sum(len(v) for v in cases.values())
    with tempfile.TemporaryDirectory() as tmp:
        path = args.out or Path(tmp) / "interop.json"
        path.write_text(json.dumps(cases, ensure_ascii=False, indent=1), encoding="utf-8")
        passed, failed, output = run_check(path)
    for line in output.splitlines():
        if args.verbose or not line.startswith("PASS "):
            print(line)
    ok = failed == 0 and passed == total
    print(f"interop (seed {seed}): {total} artifacts, {passed} passed, {failed} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
