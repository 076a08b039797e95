"""Mutation fuzzer for the authtokens verifiers (``make fuzz``).

Starts from real tokens (the reference vectors in ``tests/vectors/auth_requests.json`` and
``auth_responses.json``, which include the spec's examples A and B, plus tokens minted here with
`make_auth_request` / `make_auth_response_for_request`), mutates them and feeds the result to
`verify_auth_request`, `verify_auth_response`, `decode_auth_response` (with the right transit key)
and the collect-mode `check_auth_request` / `check_auth_response`.

Mutations work at three levels, freely combined:

- the token string: character and bit flips, insertions, deletions, truncation, repetition, extra
  or missing dots, segments swapped or spliced in from other tokens, re-encodings (standard
  base64 alphabet, ``=`` padding, non-canonical trailing bits, whitespace);
- the JSON of the header and payload: values of the wrong type, dropped, added and duplicated
  keys, deep nesting, huge and non-finite numbers (``NaN``, ``1e400``, ``10**400``), unicode (lone
  surrogates, invalid UTF-8, homographs, bidi controls), hostile URLs, and the ECIES cipher object
  inside ``private_key``; the result is usually re-signed with the key named in ``public_keys``
  (so the signature check passes and the deeper checks run), sometimes left with its old
  signature;
- the signature: the high-S/low-S twin (same token), r or s zero or >= n, random bytes.

Verdicts:

- **crash**: any exception that is not an `AuthTokenError`, or an error of the usage family
  (`UsageError`) for a token, which is input and must only ever be rejected (`InvalidTokenError`);
- **false accept**: an accepted token whose signed bytes (header and payload) and signature
  ``(r, min(s, n - s))`` are neither those of an original token nor ones this fuzzer signed for it
  (a forgery), or a token the fuzzer re-signed after a *hostile* edit that must be refused (an
  expired or future token, an issuer that is not the key's, two keys, a redirect or manifest on
  another origin, a wrong ``alg``, a plaintext or foreign-encrypted ``private_key`` for
  `decode_auth_response`...), or an accepted token that breaks an invariant checked here
  independently of the library (``alg`` exactly ES256K, numeric ``iat``/``exp`` inside the window,
  ``iss`` the DID of the one public key, redirect and manifest on the origin of ``domain_name``);
- **slow**: a call taking more than ``--slow-ms`` (default 50 ms) beyond its size-proportional
  work (the per-character cost of verifying a large, valid token, measured at start, times two),
  confirmed by re-running it.

Sign-In with Stacks and Clarity targets (``parse_message``, ``verify_message``,
``clarity.deserialize``) start from ``tests/vectors/siws.json``, ``clarity.json`` and
``sip018.json`` and mutate the text (characters, lines, labels, timestamps, unicode) or the bytes
(flips, insertions, truncation, length fields). A crash is any exception but
`MalformedMessageError` / `MalformedClarityValueError` (parse and deserialize) or an
`InvalidTokenError` (verify); a false accept is a verified text or signature other than the
signed original, a parsed message that breaks the grammar's invariants, or deserialised bytes
that do not serialise back to themselves.

The session-token target (``verify_session_token``) starts from tokens a `TokenSigner` issues
(ES256K and EdDSA) and mutates the string, or the header and claims (hostile edits: ``crit``,
a non-string ``kid``, ``alg`` none or HMAC, another issuer or audience, expired, not yet valid,
a required claim missing or mistyped), usually re-signing with the server's key. A crash is any
exception but an `InvalidTokenError` (PyJWT's own errors included); a false accept is a token
nobody signed, a re-signed hostile edit, or one that breaks the independent checks.

Crashes and false accepts are saved as JSON reproducers under ``--out`` (default: a new temporary
directory) and make the exit status 1. Pure Python; no external fuzzing engine is needed.

    python tools/fuzz.py --seconds 600 --targets verify_auth_request decode_auth_response
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ada_url  # noqa: E402

from authtokens import clarity, jsjson, siws  # noqa: E402
from authtokens.auth_request import (  # noqa: E402
    check_auth_request,
    make_auth_request,
    verify_auth_request,
)
from authtokens.auth_response import (  # noqa: E402
    REQUEST_ONLY_CLAIMS,
    check_auth_response,
    make_auth_response,
    make_auth_response_for_request,
    verify_auth_response,
)
from authtokens.ecies import wrap_private_key  # noqa: E402
from authtokens.encoding import b64url_encode  # noqa: E402
from authtokens.errors import (  # noqa: E402
    AuthTokenError,
    InvalidTokenError,
    MalformedClarityValueError,
    MalformedMessageError,
)
from authtokens.hashes import hash160, sha256d  # noqa: E402
from authtokens.keys import CURVE_ORDER, get_public_key  # noqa: E402
from authtokens.replay import MemoryReplayCache  # noqa: E402
from authtokens.server.session import TokenSigner, verify_session_token  # noqa: E402
from authtokens.sign_in import decode_auth_response  # noqa: E402
from authtokens.signatures import sign_digest  # noqa: E402
from authtokens.stores import SQLiteReplayCache  # noqa: E402
from authtokens.wallet import Wallet  # noqa: E402

VECTORS = ROOT / "tests" / "vectors"
LEEWAY = 60.0
NOW = 1735689600.0
MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)
ATTACKER = "c2263a14b7049ef2770a16dc030f1aff16b11ac3ef66d3531f34216283dd557b"
HEADER = {"typ": "JWT", "alg": "ES256K"}
REQUEST_TARGETS = ("verify_auth_request", "check_auth_request")
RESPONSE_TARGETS = ("verify_auth_response", "decode_auth_response", "check_auth_response")
TOKEN_TARGETS = REQUEST_TARGETS + RESPONSE_TARGETS
SIWS_TARGETS = ("parse_message", "verify_message", "clarity.deserialize")
SESSION_TARGETS = ("verify_session_token",)
ALL_TARGETS = TOKEN_TARGETS + SIWS_TARGETS + SESSION_TARGETS


# --- seeds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    kind: str  # "request" or "response"
    name: str
    token: str
    now: float
    signer: str | None  # private key of public_keys[0], when known (for re-signing)
    transit: str | None  # transit private key, for decode_auth_response


def _b64d(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    try:
        head, body, _ = token.split(".")
        header, payload = json.loads(_b64d(head)), json.loads(_b64d(body))
    except (ValueError, RecursionError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload


def _load_cases(name: str) -> list[dict[str, Any]]:
    path = VECTORS / name
    if not path.exists():
        return []
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


def load_seeds() -> list[Seed]:
    """Every reference token plus freshly minted ones, with the keys needed to re-sign them."""
    keys: dict[str, str] = {}  # public key hex -> private key hex

    def know(private: str | None) -> None:
        if isinstance(private, str) and len(private) in (64, 66):
            keys[get_public_key(private)] = private[:64]

    wallet = Wallet.from_mnemonic(MNEMONIC)
    accounts = [wallet.account(i) for i in range(3)]
    for account in accounts:
        know(account.data_private_key)
    know(ATTACKER)
    requests = _load_cases("auth_requests.json")
    responses = _load_cases("auth_responses.json")
    for case in requests + responses:
        for field_name in (
            "transit_private_key",
            "request_transit_private_key",
            "identity_private_key",
        ):
            know(case.get(field_name))
        if isinstance(case.get("mnemonic"), str):
            know(
                Wallet.from_mnemonic(case["mnemonic"])
                .account(case["account_index"])
                .data_private_key
            )

    def signer_of(token: str) -> str | None:
        parts = _parts(token)
        if parts is None:
            return None
        pks = parts[1].get("public_keys")
        if isinstance(pks, list) and pks and isinstance(pks[0], str):
            return keys.get(pks[0].lower())
        return None

    seeds: list[Seed] = []
    for case in requests:
        seeds.append(
            Seed(
                "request",
                case["name"],
                case["token"],
                case["now_ms"] / 1000,
                signer_of(case["token"]),
                None,
            )
        )
    for case in responses:
        transit = case.get("transit_private_key") or case.get("request_transit_private_key")
        seeds.append(
            Seed(
                "response",
                case["name"],
                case["token"],
                case["now_ms"] / 1000,
                signer_of(case["token"]),
                transit,
            )
        )
    # Fresh tokens, minted and answered here.
    fresh_transit = [
        "514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2",
        "0b5cd1a3ef0a2b4d8bd1c1cc3ac3e98b6d39c6b8e18c1e2a9b4cd11a0a0e0e0f",
    ]
    domains = [
        "https://app.example.com",
        "http://localhost:3000",
        "https://bücher.example",
        "https://app.example.com:8443",
    ]
    for i, domain in enumerate(domains):
        transit = fresh_transit[i % 2]
        know(transit)
        scopes = [["store_write"], ["store_write", "publish_data", "email"], [], ["collection.x"]][
            i
        ]
        request_token = make_auth_request(transit, app_domain=domain, scopes=scopes, now=NOW)
        seeds.append(Seed("request", f"fresh request {domain}", request_token, NOW, transit, None))
        request = verify_auth_request(request_token, now=NOW)
        account = accounts[i % len(accounts)]
        response_token = make_auth_response_for_request(request, account, now=NOW)
        seeds.append(
            Seed(
                "response",
                f"fresh response {domain}",
                response_token,
                NOW,
                account.data_private_key,
                transit,
            )
        )
    transit_pub = get_public_key(fresh_transit[0])
    extra = make_auth_response(
        accounts[0].data_private_key,
        app_private_key=accounts[0].app_private_key("https://app.example.com"),
        transit_public_key=transit_pub,
        core_token="core-token-value",  # noqa: S106 - a test value
        app_private_key_from_wallet_salt=accounts[1].app_private_key("https://app.example.com"),
        email="user@example.com",
        profile={"name": "Ünïcødé", "nested": {"a": [1, 2.5, None, True]}},
        now=NOW,
    )
    seeds.append(
        Seed(
            "response",
            "fresh response, every field",
            extra,
            NOW,
            accounts[0].data_private_key,
            fresh_transit[0],
        )
    )
    hardware = make_auth_response(
        accounts[1].data_private_key, app_private_key=None, transit_public_key=transit_pub, now=NOW
    )
    seeds.append(
        Seed(
            "response",
            "fresh response, no app key",
            hardware,
            NOW,
            accounts[1].data_private_key,
            fresh_transit[0],
        )
    )
    return seeds


# --- signatures and the "genuine" set -------------------------------------------------------


def _sig_key(signing_input: bytes, signature: bytes) -> tuple[bytes, int, int] | None:
    if len(signature) != 64:
        return None
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    return signing_input, r, min(s, CURVE_ORDER - s)


def _token_sig_key(token: str) -> tuple[bytes, int, int] | None:
    try:
        head, body, sig = token.split(".")
        return _sig_key(f"{head}.{body}".encode("ascii"), _b64d(sig))
    except (ValueError, UnicodeEncodeError):
        return None


def _sign(signing_input: bytes, private_key: str, low_s: bool) -> bytes:
    digest = hashlib.sha256(signing_input).digest()
    return sign_digest(bytes.fromhex(private_key), digest, low_s=low_s)


# --- raw JSON -------------------------------------------------------------------------------


class Raw:
    """Bytes written into the JSON text as they are (NaN, 1e400, invalid UTF-8...)."""

    def __init__(self, data: bytes) -> None:
        self.data = data


class Pairs:
    """A JSON object written from a list of pairs (so keys can repeat)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def emit(value: Any) -> bytes:
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, Pairs):
        return b"{" + b",".join(emit(k) + b":" + emit(v) for k, v in value.pairs) + b"}"
    if isinstance(value, dict):
        return emit(Pairs(list(value.items())))
    if isinstance(value, list):
        return b"[" + b",".join(emit(v) for v in value) + b"]"
    if isinstance(value, float) and not math.isfinite(value):
        return b"null"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value).encode()
    return jsjson.dumps(value)


# --- mutators -------------------------------------------------------------------------------

B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
WEIRD_STRINGS = [
    "",
    " ",
    "\x00",
    "\ud800",
    "\udfff\ud800",
    "\u202e",
    "\ufeff",
    "а",  # Cyrillic a
    "😀",
    "ß",
    "İ",
    "\\",
    '"',
    "x" * 5000,
    "did:btc-addr:",
    "DID:BTC-ADDR:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL",
    "did:btc-addr:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL",
    "did:btc-addr:1111111111111111111114oLvT2",
    "0256114a79d7fe9a9ec0353447122ac63d0d5c1ec90b7c0ec20381b11918710256",
    "04" + "00" * 64,
    "02" + "ff" * 32,
    "1.4.0",
    "1.0.0",
    "99999999999999999999.0.0",
    "1..0",
    "store_write",
    "collection.",
    "0x" + "ab" * 32,
    "e9b1edf5b74865cf5b9d0b18cde1da7ad6c0e25f4849c40c2a0870413146898a",
]
WEIRD_NUMBERS: list[Any] = [
    0,
    -1,
    1,
    2**53,
    2**53 + 1,
    -(2**53),
    10**30,
    1e308,
    -1e308,
    5e-324,
    0.5,
    1735689600.5,
    1735689600000,
    Raw(b"NaN"),
    Raw(b"Infinity"),
    Raw(b"-Infinity"),
    Raw(b"1e400"),
    Raw(b"-1e400"),
    Raw(b"1" + b"0" * 400),
    Raw(b"1" + b"0" * 5000),
    Raw(b"-0"),
    Raw(b"0.0000000000000000000000000000001e-400"),
    Raw(b"1E+2"),
]
URL_TEMPLATES = [
    "{o}/",
    "{o}",
    "{o}/path?q=1#frag",
    "https://evil.example/",
    "https://{h}@evil.example/",
    "https://evil.example@{h}/",
    "https://{h}.evil.example/",
    "https://evil.example/{o}",
    "javascript:alert(1)//{o}/",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/",
    "/relative",
    "https:evil.example",
    "https:/evil.example",
    "https:\\\\evil.example",
    "https://evil.example\\@{h}/",
    "https://{h}\\@evil.example/",
    "https://{h}%2eevil.example/",
    "https://{h}\t.evil.example/",
    "https://{h}\n/",
    "http://{h}/",
    "HTTPS://{H}/",
    "https://{h}:443/",
    "https://{h}:444/",
    "https://{h}:0/",
    "https://{h}:99999/",
    "https://{h}:-1/",
    "https://{h}./",
    "https://{h}../",
    "https://[::1]/",
    "https://[::1/",
    "https://[v1.x]/",
    "https://127.0.0.1/",
    "https://0x7f.1/",
    "https://аpp.example.com/",
    "https://xn--pp-8cd.example.com/",
    "https://xn--/",
    "https://xn--zz/",
    "https://bücher.example/",
    "https://xn--bcher-kva.example/",
    "https://BÜCHER.example/",
    "https://\u200b{h}/",
    "https://{h}\u3002evil.example/",
    "https://" + "a" * 64 + ".example/",
    "https://" + "é" * 4000 + "/",
    "ftp://{h}/",
    "myapp://callback",
    "https://",
    "https://:80/",
    "https://@/",
    "https://user:pass@{h}/",
]


def _origin_parts(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme or "https", parts.hostname or "app.example.com", parts.netloc or "x"


def hostile_url(rng: random.Random, domain: Any) -> str:
    """A URL that is surely not on the origin of ``domain`` (or domain has no origin)."""
    o = domain if isinstance(domain, str) else "https://app.example.com"
    try:
        scheme, host, _ = _origin_parts(o)
    except ValueError:
        scheme, host = "https", "app.example.com"
    choices = [
        "https://evil.example/",
        f"https://{host}@evil.example/",
        f"https://{host}.evil.example/",
        f"javascript:alert(1)//{o}/",
        "data:text/html,x",
        "//evil.example/",
        f"https://evil.example\\@{host}/",
        f"https://{host}\\@evil.example/",
        f"{'http' if scheme == 'https' else 'https'}://{host}/",
        f"{scheme}://{host}:4444/",
        f"{scheme}://{host.replace('a', 'а', 1) if 'a' in host else 'а' + host}/",
        "/relative/path",
        f"{scheme}://x{host}/",
    ]
    return rng.choice(choices)


def random_url(rng: random.Random, domain: Any) -> str:
    o = domain if isinstance(domain, str) else "https://app.example.com"
    try:
        _, host, _ = _origin_parts(o)
    except ValueError:
        host = "app.example.com"
    template = rng.choice(URL_TEMPLATES)
    return template.replace("{o}", o).replace("{h}", host).replace("{H}", host.upper())


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.2:
        return rng.choice([True, False])
    if roll < 0.4:
        return rng.choice(WEIRD_NUMBERS)
    if roll < 0.6:
        return rng.choice(WEIRD_STRINGS)
    if roll < 0.7:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(12)))
    if roll < 0.8 and depth < 3:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if roll < 0.9 and depth < 3:
        return {
            rng.choice(WEIRD_STRINGS[:12]) + str(i): random_value(rng, depth + 1)
            for i in range(rng.randrange(4))
        }
    return nested(rng.choice([2, 62, 63, 64, 65, 66, 200, 1000, 5000, 30000]), rng.random() < 0.5)


def nested(depth: int, objects: bool) -> Raw:
    if objects:
        return Raw(b'{"a":' * depth + b"1" + b"}" * depth)
    return Raw(b"[" * depth + b"]" * depth)


@dataclass
class Mutant:
    seed: Seed
    token: str
    ops: list[str] = field(default_factory=list)
    signed: set[tuple[bytes, int, int]] = field(default_factory=set)
    hostile: list[tuple[str, frozenset[str]]] = field(default_factory=list)


def mutate_cipher(rng: random.Random, wrapped: Any, ops: list[str]) -> Any:
    """Mutate the ECIES cipher object inside a wrapped private key (hex of JSON)."""
    try:
        cipher = json.loads(bytes.fromhex(wrapped))
        assert isinstance(cipher, dict)
    except (ValueError, TypeError, AssertionError):
        return random_value(rng)
    name = rng.choice(
        ["iv", "ephemeralPK", "cipherText", "mac", "wasString", "cipherTextEncoding", "*"]
    )
    op = rng.randrange(9)
    ops.append(f"cipher.{name}#{op}")
    if name == "*":
        cipher = rng.choice([{}, [], None, "x", dict(reversed(list(cipher.items())))])
    elif op == 0:
        cipher.pop(name, None)
    elif op == 1:
        cipher[name] = random_value(rng)
    elif op == 2 and isinstance(cipher.get(name), str) and cipher[name]:
        value = cipher[name]
        i = rng.randrange(len(value))
        cipher[name] = value[:i] + rng.choice("0123456789abcdefABCDEFxz ") + value[i + 1 :]
    elif op == 3 and isinstance(cipher.get(name), str):
        value = cipher[name]
        cipher[name] = value[: rng.randrange(len(value) + 1)]
    elif op == 4 and name == "ephemeralPK":
        cipher[name] = rng.choice(
            [
                "02" + "00" * 32,  # x = 0: no point on secp256k1
                "02" + "ff" * 32,  # x >= p
                "04" + "00" * 31 + "01" + "00" * 32,  # (1, 0): order 2 on y^2 = x^3 - 1
                "04" + "11" * 64,  # off-curve
                "06" + "11" * 64,  # hybrid
                "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",  # G
            ]
        )
    elif op == 5 and name == "cipherText" and isinstance(cipher.get("cipherText"), str):
        try:
            raw = bytes.fromhex(cipher["cipherText"])
            cipher["cipherText"] = base64.b64encode(raw).decode()  # same bytes, base64
            cipher["cipherTextEncoding"] = rng.choice(["base64", "base64", "hex", "BASE64", None])
        except ValueError:
            pass
    elif op == 6:
        cipher[name] = str(cipher.get(name, "")).upper()
    elif op == 7:
        cipher["wasString"] = rng.choice([False, 1, "true", None])
    else:
        cipher[name + rng.choice(["", "x"])] = cipher.get(name)
    try:
        text = emit(cipher)
    except AuthTokenError:
        text = b"{}"
    return rng.choice(
        [text.hex(), text.hex(), text.hex().upper(), text.hex()[:-1], text.hex() + "00"]
    )


def mutate_claims(
    rng: random.Random, seed: Seed, header: dict[str, Any], payload: dict[str, Any], ops: list[str]
) -> tuple[Any, Any]:
    """Neutral edits: anything may happen, nothing is promised about the verdict."""
    head: Any = dict(header)
    body: Any = dict(payload)
    for _ in range(rng.randrange(1, 4)):
        target = body if rng.random() < 0.85 or not isinstance(head, dict) else head
        if not isinstance(target, dict) or not target:
            break
        key = rng.choice(sorted(target))
        op = rng.randrange(13)
        ops.append(f"json.{key}#{op}")
        if op == 0:
            target.pop(key)
        elif op == 1:
            target[key] = random_value(rng)
        elif op == 2:
            target[rng.choice(WEIRD_STRINGS[:12]) + key] = random_value(rng)
        elif op == 3 and key in (
            "redirect_uri",
            "manifest_uri",
            "domain_name",
            "hubUrl",
            "profile_url",
        ):
            target[key] = random_url(rng, body.get("domain_name"))
        elif op == 4 and key in ("iat", "exp"):
            target[key] = rng.choice(
                [
                    seed.now,
                    seed.now + rng.uniform(-120, 120),
                    Raw(str(int(seed.now)).encode() + b".0"),
                    str(int(seed.now)),
                ]
            )
        elif op == 5 and key in ("private_key", "core_token", "appPrivateKeyFromWalletSalt"):
            target[key] = mutate_cipher(rng, target[key], ops)
        elif op == 6:
            items = list(target.items())
            rng.shuffle(items)
            target.clear()
            target.update(items)
        elif op == 7:
            # a duplicate key; JS JSON.parse keeps the last one, Python's too: must be refused
            items = list(target.items())
            items.insert(rng.randrange(len(items) + 1), (key, random_value(rng)))
            if target is body:
                body = Pairs(items)
            else:
                head = Pairs(items)
            break
        elif op == 8:
            target[key] = rng.choice(WEIRD_NUMBERS)
        elif op == 9 and key in ("scopes", "public_keys") and isinstance(target[key], list):
            target[key] = target[key] + [rng.choice(WEIRD_STRINGS + target[key] or ["x"])]
        elif op == 12 and isinstance(target[key], str):
            # lone surrogates, NUL, bidi controls appended to an otherwise valid string
            target[key] += rng.choice(["\ud800", "\udfff\ud800", "\x00", "\u202e", "é", "\\"])
        elif op == 10 and key == "alg":
            target[key] = rng.choice(
                ["ES256k", "es256k", "ES256", "HS256", "none", "None", "", None, "ES256K "]
            )
        else:
            target[key] = {"nested": target[key]} if rng.random() < 0.5 else [target[key]]
    if rng.random() < 0.05:
        body = rng.choice(
            [
                [],
                "string",
                None,
                1,
                Raw(b'{"a":1}garbage'),
                Raw(b"\xef\xbb\xbf{}"),
                Raw(b'{"a":"\xff"}'),
            ]
        )
        ops.append("json.payload-type")
    return head, body


BAD_DIDS: list[Any] = [
    "",
    "did:btc-addr:",
    "DID:BTC-ADDR:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL",
    "did:btc-addr:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyM",
    "did:btc-addr:1111111111111111111114oLvT2",
    "did:btc-addr:SP3FBR2AGK5H9QBDH3EEN6DF8EK8JY7RX8QJ5SVTE",
    "did:stack:v0:SXXx",
    " did:btc-addr:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL",
    5,
    None,
    ["did:btc-addr:1NBsnVpx9SVD88MxC7tPUE6xxuWt1wigyL"],
]


def _third_did() -> str:
    """The DID of a key that signs nothing here."""
    return "did:btc-addr:" + _b58check(b"\x00" + hash160(bytes.fromhex(get_public_key("01" * 32))))


def _other_did(rng: random.Random) -> str:
    return "did:btc-addr:" + _b58check(b"\x00" + hash160(bytes.fromhex(get_public_key(ATTACKER))))


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58check(data: bytes) -> str:
    data = data + sha256d(data)[:4]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\x00"))) + out


def make_hostile(
    rng: random.Random, seed: Seed, head: Any, body: Any, ops: list[str]
) -> tuple[str, frozenset[str]] | None:
    """One edit that every target listed must refuse; applied last, in place."""
    if not isinstance(body, dict) or not isinstance(head, dict):
        return None
    targets_all = frozenset(ALL_TARGETS) - {"check_auth_request", "check_auth_response"}
    decode_only = frozenset({"decode_auth_response"})
    now = seed.now
    options: list[tuple[str, frozenset[str], Callable[[], None]]] = []

    def set_(key: str, value: Any) -> Callable[[], None]:
        return lambda: body.__setitem__(key, value)

    def expired() -> None:
        body["exp"] = now - LEEWAY - 1 - rng.choice([0, 1, 3600, 10**6])
        body["iat"] = body["exp"] - 60

    def future() -> None:
        body["iat"] = now + LEEWAY + 1 + rng.choice([0, 1, 3600, 10**8])
        body["exp"] = body["iat"] + 3600

    options += [
        ("expired", targets_all, expired),
        ("iat in the future", targets_all, future),
        ("exp missing", targets_all, lambda: body.pop("exp", None)),
        ("iat missing", targets_all, lambda: body.pop("iat", None)),
        ("exp zero", targets_all, set_("exp", 0)),
        ("exp null", targets_all, set_("exp", None)),
        ("exp string", targets_all, set_("exp", str(int(now + 3600)))),
        ("exp bool", targets_all, set_("exp", True)),
        ("exp NaN", targets_all, set_("exp", Raw(b"NaN"))),
        ("exp 1e400", targets_all, set_("exp", Raw(b"1e400"))),
        ("iss of another key", targets_all, set_("iss", _third_did())),
        ("iss not a DID", targets_all, set_("iss", rng.choice(BAD_DIDS))),
        (
            "two public keys",
            targets_all,
            set_("public_keys", [get_public_key(ATTACKER), get_public_key(ATTACKER)]),
        ),
        ("no public keys", targets_all, set_("public_keys", [])),
        ("jti empty", targets_all, set_("jti", "")),
        ("jti not a string", targets_all, set_("jti", rng.choice([1, None, ["a"], {"a": 1}]))),
        ("jti too long", targets_all, set_("jti", "j" * 257)),
        (
            "alg",
            targets_all,
            lambda: head.__setitem__(
                "alg", rng.choice(["none", "None", "HS256", "ES256", "es256k", "ES256k"])
            ),
        ),
        ("alg missing", targets_all, lambda: head.pop("alg", None)),
        (
            "crit header",
            targets_all,
            lambda: head.__setitem__(
                "crit", rng.choice([["b64"], ["exp"], [], "b64", [1], ["x", "x"], None])
            ),
        ),
    ]
    if seed.kind == "request":
        request_only = frozenset({"verify_auth_request"})
        options += [
            (
                "redirect_uri on another origin",
                request_only,
                set_("redirect_uri", hostile_url(rng, body.get("domain_name"))),
            ),
            (
                "manifest_uri on another origin",
                request_only,
                set_("manifest_uri", hostile_url(rng, body.get("domain_name"))),
            ),
            (
                "domain_name not http(s)",
                request_only,
                set_(
                    "domain_name", rng.choice(["myapp://x", "javascript:x", "app.example.com", ""])
                ),
            ),
            ("unknown scope", request_only, set_("scopes", ["store_write", "root_access"])),
            ("duplicate scope", request_only, set_("scopes", ["store_write", "store_write"])),
            ("scopes a string", request_only, set_("scopes", "store_write")),
        ]
    else:
        other_transit = get_public_key(ATTACKER)
        app_key = "e9b1edf5b74865cf5b9d0b18cde1da7ad6c0e25f4849c40c2a0870413146898a"
        options += [
            ("private_key in clear", decode_only, set_("private_key", app_key)),
            (
                "private_key for another transit key",
                decode_only,
                set_("private_key", wrap_private_key(other_transit, app_key)),
            ),
            (
                "private_key not a key",
                decode_only,
                set_(
                    "private_key",
                    wrap_private_key(get_public_key(seed.transit), "not a key")
                    if seed.transit
                    else "zz",
                ),
            ),
            (
                "version below 1.1.0",
                decode_only,
                set_("version", rng.choice(["1.0.0", "0.9", "1"])),
            ),
            (
                "version malformed",
                decode_only,
                set_("version", rng.choice(["abc", "1.x", "", "1.2.3.4"])),
            ),
            (
                "hubUrl not http(s)",
                targets_all,
                set_("hubUrl", rng.choice(["javascript:alert(1)", "myapp://x", "/hub"])),
            ),
            ("profile not an object", targets_all, set_("profile", rng.choice(["x", 1, ["a"]]))),
            ("private_key a number", targets_all, set_("private_key", 5)),
            ("private_key claim missing", targets_all, lambda: body.pop("private_key", None)),
            (
                "a request-only claim",
                targets_all,
                set_(rng.choice(sorted(REQUEST_ONLY_CLAIMS)), rng.choice([True, "x", ["a"]])),
            ),
        ]
        if body.get("private_key") is not None:
            options.append(
                (
                    "core_token not decryptable",
                    decode_only,
                    set_(
                        "core_token",
                        rng.choice(["zz", "00" * 40, wrap_private_key(other_transit, "c")]),
                    ),
                )
            )
    label, targets, apply = rng.choice(options)
    apply()
    ops.append(f"hostile:{label}")
    return label, targets


def resign_as_attacker(body: Any) -> str | None:
    """Swap in the attacker's own key and DID: a self-consistent token of another signer."""
    if not isinstance(body, dict):
        return None
    body["public_keys"] = [get_public_key(ATTACKER)]
    body["iss"] = _other_did(random.Random(0))
    return ATTACKER


def mutate_string(rng: random.Random, token: str, others: list[str], ops: list[str]) -> str:
    """Token-level edits (no re-signing possible)."""
    op = rng.randrange(14)
    ops.append(f"str#{op}")
    n = len(token)
    i = rng.randrange(n + 1)
    if op == 0 and n:
        i = min(i, n - 1)
        return token[:i] + rng.choice(B64_ALPHABET + ".=+/ \n\x00é") + token[i + 1 :]
    if op == 1 and n:
        i = min(i, n - 1)
        return token[:i] + chr(ord(token[i]) ^ (1 << rng.randrange(7))) + token[i + 1 :]
    if op == 2:
        return token[:i]
    if op == 3:
        j = min(n, i + rng.randrange(1, 40))
        return token[:i] + token[j:]
    if op == 4:
        return (
            token[:i]
            + "".join(rng.choice(B64_ALPHABET) for _ in range(rng.randrange(1, 8)))
            + token[i:]
        )
    if op == 5:
        j = min(n, i + rng.randrange(1, 200))
        return token[:j] + token[i:j] * rng.randrange(1, 50) + token[j:]
    segments = token.split(".")
    if op == 6:
        rng.shuffle(segments)
        return ".".join(segments)
    if op == 7:
        other = rng.choice(others).split(".")
        k = rng.randrange(min(len(segments), len(other)) or 1)
        if k < len(segments) and k < len(other):
            segments[k] = other[k]
        return ".".join(segments)
    if op == 8:
        return token + rng.choice([".", ".junk", "." + segments[-1], ".."])
    if op == 9:
        return ".".join(segments[:-1]) + rng.choice(["", "."])
    if op == 10:  # standard alphabet and padding: the same bytes, another spelling
        k = rng.randrange(len(segments))
        segments[k] = segments[k].replace("-", "+").replace("_", "/") + "=" * (
            -len(segments[k]) % 4
        )
        return ".".join(segments)
    if op == 11:  # non-canonical trailing bits
        k = rng.randrange(len(segments))
        seg = segments[k]
        if seg and len(seg) % 4 in (2, 3):
            last = B64_ALPHABET.index(seg[-1]) if seg[-1] in B64_ALPHABET else 0
            segments[k] = seg[:-1] + B64_ALPHABET[last ^ 1]
        return ".".join(segments)
    if op == 12:
        return (
            rng.choice([" ", "\t", "\n", "\ufeff"]) + token if rng.random() < 0.5 else token + "\n"
        )
    return token.upper() if rng.random() < 0.1 else token[::-1] if rng.random() < 0.1 else token * 2


def mutate_signature(rng: random.Random, token: str, ops: list[str]) -> str:
    head, _, sig = token.rpartition(".")
    try:
        raw = _b64d(sig)
    except ValueError:
        return token
    if len(raw) != 64:
        return token
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    n = CURVE_ORDER
    op = rng.randrange(7)
    ops.append(f"sig#{op}")
    choices = [
        (r, n - s),  # the twin: the same token
        (0, 0),
        (r, 0),
        (0, s),
        (r + n if r + n < 2**256 else n, s),
        (r, s + n if s + n < 2**256 else n),
        (rng.getrandbits(256), rng.getrandbits(256)),
    ]
    r2, s2 = choices[op]
    return head + "." + b64url_encode(r2.to_bytes(32, "big") + s2.to_bytes(32, "big"))


def make_mutant(rng: random.Random, seed: Seed, others: list[str]) -> Mutant:
    m = Mutant(seed, seed.token)
    parts = _parts(seed.token)
    if parts is not None and rng.random() < 0.65:
        header, payload = parts
        head, body = (
            mutate_claims(rng, seed, header, payload, m.ops)
            if rng.random() < 0.8
            else (dict(header), dict(payload))
        )
        key = seed.signer
        if rng.random() < 0.1:
            key = resign_as_attacker(body)
            m.ops.append("resign-as-attacker")
        hostile = make_hostile(rng, seed, head, body, m.ops) if rng.random() < 0.4 else None
        try:
            signing_input = (b64url_encode(emit(head)) + "." + b64url_encode(emit(body))).encode()
        except AuthTokenError:
            signing_input = seed.token.rpartition(".")[0].encode()
        if key is not None and rng.random() < 0.85:
            low_s = rng.random() < 0.5
            sig = _sign(signing_input, key, low_s)
            sk = _sig_key(signing_input, sig)
            assert sk is not None
            m.signed.add(sk)
            if hostile is not None:
                m.hostile.append(hostile)
            m.token = signing_input.decode() + "." + b64url_encode(sig)
            m.ops.append("resigned")
        else:
            m.token = signing_input.decode() + "." + seed.token.rpartition(".")[2]
    if rng.random() < 0.2:
        m.token = mutate_signature(rng, m.token, m.ops)
    if rng.random() < 0.35 or not m.ops:
        for _ in range(rng.randrange(1, 3)):
            m.token = mutate_string(rng, m.token, others, m.ops)
    return m


# --- independent invariants on accepted tokens ---------------------------------------------


def _oracle_origin(url: Any) -> tuple[str, str, int]:
    if not isinstance(url, str) or any(c == "\\" or ord(c) <= 0x20 or c == "\x7f" for c in url):
        raise ValueError("unusable URL")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not url[len(scheme) + 1 :].startswith("//"):
        raise ValueError("not http(s)")
    host = parts.hostname or ""
    if not host:
        raise ValueError("no host")
    if not host.isascii() or "xn--" in host:
        host = ada_url.idna_to_ascii(host).decode("ascii")
        if not host:
            raise ValueError("not a valid internationalised domain")
    port = parts.port or {"http": 80, "https": 443}[scheme]
    return scheme, host.lower(), port


def invariant_violations(seed: Seed, token: str, target: str) -> list[str]:
    parts = _parts(token)
    if parts is None:
        return ["accepted a token the oracle cannot parse"]
    header, payload = parts
    problems = []
    if header.get("alg") != "ES256K":
        problems.append("alg is not ES256K")
    if "crit" in header:
        problems.append("a crit header was accepted")
    if target in RESPONSE_TARGETS:
        if "private_key" not in payload:
            problems.append("a response without the private_key claim")
        if REQUEST_ONLY_CLAIMS & set(payload):
            problems.append("a response with request-only claims")
    for name in ("iat", "exp"):
        v = payload.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            problems.append(f"{name} not a finite number")
    iat, exp = payload.get("iat"), payload.get("exp")
    if isinstance(iat, int | float) and iat > seed.now + LEEWAY:
        problems.append("iat in the future")
    if isinstance(exp, int | float) and (exp == 0 or seed.now > exp + LEEWAY):
        problems.append("expired or zero exp")
    keys = payload.get("public_keys")
    if not isinstance(keys, list) or len(keys) != 1 or not isinstance(keys[0], str):
        problems.append("not exactly one public key")
    else:
        try:
            did = "did:btc-addr:" + _b58check(b"\x00" + hash160(bytes.fromhex(keys[0])))
        except ValueError:
            did = None
        if payload.get("iss") != did:
            problems.append("iss is not the DID of the public key")
    if not isinstance(payload.get("jti"), str) or not payload.get("jti"):
        problems.append("jti missing")
    if seed.kind == "request" and target in REQUEST_TARGETS:
        try:
            origin = _oracle_origin(payload.get("domain_name"))
            for name in ("redirect_uri", "manifest_uri"):
                if _oracle_origin(payload.get(name)) != origin:
                    problems.append(f"{name} on another origin")
        except (ValueError, UnicodeError) as exc:
            problems.append(f"origin unparseable by the oracle: {exc}")
    return problems


# --- running --------------------------------------------------------------------------------


@dataclass
class Stats:
    tried: int = 0
    calls: int = 0
    accepted: int = 0
    crashes: int = 0
    false_accepts: int = 0
    slow: int = 0
    slowest: float = 0.0
    slowest_desc: str = ""
    max_per_char: float = 0.0
    per_target: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)
    seen_crashes: set[str] = field(default_factory=set)


class Fuzzer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="authtokens-fuzz-"))
        self.out.mkdir(parents=True, exist_ok=True)
        self.targets = set(args.targets)
        self.seeds = [
            s
            for s in load_seeds()
            if (s.kind == "request" and self.targets & set(REQUEST_TARGETS))
            or (s.kind == "response" and self.targets & set(RESPONSE_TARGETS))
        ]
        self.others = [s.token for s in self.seeds]
        self.genuine = {k for k in map(_token_sig_key, self.others) if k is not None}
        self.stats = Stats()
        self.sqlite = SQLiteReplayCache(self.out / "replay.sqlite3")
        self.per_char = self._calibrate()
        self.slowest: tuple[str, Mutant] | None = None

    def _calibrate(self) -> float:
        """Seconds per character of verifying a large valid token (the proportional part)."""
        seed = next(
            (s for s in self.seeds if s.kind == "response" and s.signer and s.transit), None
        )
        if seed is None:
            return 1e-6
        parts = _parts(seed.token)
        assert parts is not None
        assert seed.signer is not None
        header, payload = parts
        payload["profile"] = {f"k{i}": "v" * 100 + str(i) for i in range(800)}
        signing_input = (b64url_encode(emit(header)) + "." + b64url_encode(emit(payload))).encode()
        token = (
            signing_input.decode() + "." + b64url_encode(_sign(signing_input, seed.signer, True))
        )
        best = math.inf
        for _ in range(5):
            start = time.perf_counter()
            decode_auth_response(token, seed.transit or "", now=seed.now)
            best = min(best, time.perf_counter() - start)
        return best / len(token)

    def call(self, target: str, seed: Seed, token: str, cache: Any = None) -> Any:
        if target == "verify_auth_request":
            return verify_auth_request(token, now=seed.now, replay_cache=cache)
        if target == "check_auth_request":
            return check_auth_request(token, now=seed.now)[0]
        if target == "verify_auth_response":
            return verify_auth_response(token, now=seed.now, replay_cache=cache)
        if target == "check_auth_response":
            return check_auth_response(token, now=seed.now)[0]
        assert seed.transit is not None
        return decode_auth_response(token, seed.transit, now=seed.now, replay_cache=cache)

    def targets_for(self, seed: Seed) -> Iterator[str]:
        # an authRequest is also passed as an authResponse (issue 11): it must be refused
        names: tuple[str, ...] = (
            (*REQUEST_TARGETS, "verify_auth_response")
            if seed.kind == "request"
            else RESPONSE_TARGETS
        )
        for name in names:
            if name in self.targets and (name != "decode_auth_response" or seed.transit):
                yield name

    def save(self, kind: str, target: str, m: Mutant, detail: str) -> None:
        ident = hashlib.sha256(
            f"{kind}{target}{m.token}".encode("utf-8", "surrogatepass")
        ).hexdigest()[:16]
        path = self.out / f"{kind}-{target}-{ident}.json"
        record = {
            "kind": kind,
            "target": target,
            "seed": m.seed.name,
            "now": m.seed.now,
            "transit_private_key": m.seed.transit,
            "ops": m.ops,
            "hostile": [label for label, _ in m.hostile],
            "detail": detail,
            "token": m.token.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace"),
        }
        path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        self.stats.saved.append(str(path))
        print(
            f"\n!! {kind} in {target} ({m.seed.name}; {', '.join(m.ops)}): {detail[:300]}"
            f"\n   saved {path}",
            flush=True,
        )

    def run_one(self, m: Mutant) -> None:
        st = self.stats
        st.tried += 1
        for target in self.targets_for(m.seed):
            st.calls += 1
            st.per_target[target] = st.per_target.get(target, 0) + 1
            start = time.perf_counter()
            try:
                result = self.call(target, m.seed, m.token)
                error: BaseException | None = None
            except Exception as exc:
                result, error = None, exc
            elapsed = time.perf_counter() - start
            self.timing(target, m, elapsed)
            if error is not None:
                name = type(error).__name__
                st.errors[name] = st.errors.get(name, 0) + 1
                if not isinstance(error, InvalidTokenError):
                    family = "usage-family error" if isinstance(error, AuthTokenError) else "crash"
                    signature = (
                        f"{target}:{name}:{traceback.extract_tb(error.__traceback__)[-1][:3]}"
                    )
                    st.crashes += 1
                    if signature not in st.seen_crashes:
                        st.seen_crashes.add(signature)
                        self.save(
                            "crash",
                            target,
                            m,
                            f"{family}: " + "".join(traceback.format_exception(error)),
                        )
                continue
            if result is None:  # check_* reported a failure
                continue
            st.accepted += 1
            self.judge_accept(target, m)
            if target in ("verify_auth_request", "verify_auth_response", "decode_auth_response"):
                self.replay_paths(target, m)

    def judge_accept(self, target: str, m: Mutant) -> None:
        key = _token_sig_key(m.token)
        problems: list[str] = []
        parts = _parts(m.token)
        if (
            m.seed.kind == "request"
            and target in RESPONSE_TARGETS
            and parts is not None
            and ("private_key" not in parts[1] or REQUEST_ONLY_CLAIMS & set(parts[1]))
        ):
            problems.append("an authRequest accepted as an authResponse")
        if key is None or (key not in self.genuine and key not in m.signed):
            problems.append("forgery: accepted bytes and signature that nobody signed")
        elif key in m.signed:
            problems += [
                f"hostile edit accepted: {label}" for label, ts in m.hostile if target in ts
            ]
        if not target.startswith("check_"):
            problems += invariant_violations(m.seed, m.token, target)
        if problems:
            self.stats.false_accepts += 1
            self.save("false-accept", target, m, "; ".join(problems))

    def replay_paths(self, target: str, m: Mutant) -> None:
        """Accepted tokens also go through both replay caches: crash-freedom only."""
        for cache in (MemoryReplayCache(), self.sqlite):
            try:
                self.call(target, m.seed, m.token, cache)
            except InvalidTokenError:
                pass
            except Exception as exc:
                self.stats.crashes += 1
                sig = f"{target}:replay:{type(exc).__name__}"
                if sig not in self.stats.seen_crashes:
                    self.stats.seen_crashes.add(sig)
                    self.save(
                        "crash",
                        target + "+replay_cache",
                        m,
                        "".join(traceback.format_exception(exc)),
                    )

    def timing(self, target: str, m: Mutant, elapsed: float) -> None:
        st = self.stats
        size = max(len(m.token), 1)
        st.max_per_char = max(st.max_per_char, elapsed / size)
        budget = self.args.slow_ms / 1000 + 2 * self.per_char * size
        if elapsed > budget:
            # confirm: a GC pause or a busy machine is not a slow input
            again = math.inf
            for _ in range(3):
                start = time.perf_counter()
                try:
                    self.call(target, m.seed, m.token)
                except Exception:  # noqa: S110 - timing only; verdicts were judged above
                    pass
                again = min(again, time.perf_counter() - start)
            if again > budget:
                st.slow += 1
                self.save("slow", target, m, f"{again * 1000:.1f} ms for {size} characters")
            elapsed = again
        if elapsed > st.slowest:
            st.slowest = elapsed
            self.slowest = (target, m)
            st.slowest_desc = f"{target}, {size} characters, {', '.join(m.ops)[:120]}"

    def run(self) -> Stats:
        deadline = time.monotonic() + self.args.seconds
        next_report = time.monotonic() + self.args.report_every
        # the originals first (the baseline must not crash either)
        for seed in self.seeds:
            self.run_one(Mutant(seed, seed.token, ["original"]))
        while time.monotonic() < deadline:
            for _ in range(50):
                seed = self.rng.choice(self.seeds)
                self.run_one(make_mutant(self.rng, seed, self.others))
            if time.monotonic() >= next_report:
                next_report += self.args.report_every
                self.report(progress=True)
        return self.stats

    def report(self, *, progress: bool = False) -> None:
        st = self.stats
        line = (
            f"inputs={st.tried} calls={st.calls} accepted={st.accepted} crashes={st.crashes} "
            f"false_accepts={st.false_accepts} slow={st.slow} slowest={st.slowest * 1000:.1f}ms"
        )
        if progress:
            print(line, flush=True)
            return
        print("\n== authtokens fuzz summary ==")
        print(f"seeds: {len(self.seeds)}; out: {self.out}")
        print(line)
        print(f"calls per target: {st.per_target}")
        print(f"slowest call: {st.slowest * 1000:.2f} ms ({st.slowest_desc})")
        print(
            f"max time per character: {st.max_per_char * 1e6:.2f} µs; "
            f"calibrated proportional cost: {self.per_char * 1e9:.1f} ns/char"
        )
        top = sorted(st.errors.items(), key=lambda kv: -kv[1])
        print("rejections by error: " + ", ".join(f"{k}={v}" for k, v in top))
        for path in st.saved:
            print(f"  reproducer: {path}")
        if self.slowest is not None:
            target, m = self.slowest
            self.save("slowest", target, m, f"{st.slowest * 1000:.2f} ms (not a failure)")


# --- Sign-In with Stacks and Clarity ------------------------------------------------------------

SIWS_ALPHABET = [
    "\n",
    " ",
    ":",
    "-",
    ".",
    "/",
    "0",
    "1",
    "9",
    "Z",
    "T",
    "S",
    "P",
    "a",
    "é",
    "\u202e",
    "\x00",
    "\r",
    "\t",
    "URI: ",
    "Nonce: ",
    "Chain ID: ",
    "Resources:",
    "\n- ",
    "2147483648",
    "+01:00",
]


@dataclass
class SiwsSeed:
    name: str
    text: str
    signature: str
    expect: dict[str, Any]


@dataclass
class SiwsStats:
    tried: int = 0
    accepted: int = 0
    crashes: int = 0
    false_accepts: int = 0
    slow: int = 0
    slowest: float = 0.0
    per_target: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)


def _siws_seeds() -> list[SiwsSeed]:
    out = []
    for case in _load_cases("siws.json"):
        f = case["fields"]
        out.append(
            SiwsSeed(
                case["name"],
                case["text"],
                case["signature"],
                {
                    "domain": f["domain"],
                    "nonce": f["nonce"],
                    "uri": f["uri"],
                    "now": siws.parse_message(case["text"]).issued_at,
                },
            )
        )
    return out


def _clarity_seeds() -> list[bytes]:
    out = [bytes.fromhex(c["stacks_js_hex"]) for c in _load_cases("clarity.json")]
    data = json.loads((VECTORS / "sip018.json").read_text(encoding="utf-8"))
    out += [bytes.fromhex(c["message_hex"]) for c in data["cases"]]
    return out


def mutate_text(rng: random.Random, text: str, others: list[str]) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        pos = rng.randint(0, len(text))
        if op == 0:
            text = text[:pos] + rng.choice(SIWS_ALPHABET) + text[pos:]
        elif op == 1:
            text = text[:pos] + text[pos + rng.randint(1, 8) :]
        elif op == 2 and text:
            c = chr(max(0, ord(text[min(pos, len(text) - 1)]) + rng.choice([-1, 1, 32, -32])))
            text = text[:pos] + c + text[pos + 1 :]
        elif op == 3:
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif op == 4:
            lines = text.split("\n")
            i = rng.randrange(len(lines))
            lines.insert(i, lines[rng.randrange(len(lines))])
            text = "\n".join(lines)
        elif op == 5:
            text = text[:pos]
        elif op == 6:
            other = rng.choice(others)
            text = text[:pos] + other[rng.randint(0, len(other)) :]
        elif op == 7:
            text = text.replace(
                rng.choice(["Z", ".000", "T", ":", "2026"]), rng.choice(SIWS_ALPHABET), 1
            )
        else:
            text = text + rng.choice(SIWS_ALPHABET) * rng.choice([1, 2, 1000])
    return text


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        pos = rng.randint(0, len(b))
        if op == 0 and b:
            b[min(pos, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[pos:pos] = bytes([rng.randrange(256)])
        elif op == 2:
            del b[pos : pos + rng.randint(1, 4)]
        elif op == 3:
            b[pos:pos] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x0c", b"\x0b"])
        elif op == 4:
            b = b[:pos]
        else:
            b[pos:pos] = bytes(b[rng.randint(0, len(b)) :])[:16]
    return bytes(b)


class SiwsFuzzer:
    """Mutation fuzzing of `siws.parse_message`, `siws.verify_message` and
    `clarity.deserialize` (see the module docstring for the verdicts)."""

    def __init__(self, targets: list[str], *, seed: int, out: str | None, slow_ms: float) -> None:
        self.targets = targets
        self.rng = random.Random(seed)
        self.out = Path(out) if out else Path(tempfile.mkdtemp(prefix="authtokens-fuzz-siws-"))
        self.out.mkdir(parents=True, exist_ok=True)
        self.slow = slow_ms / 1000
        self.seeds = _siws_seeds()
        self.texts = [s.text for s in self.seeds]
        self.cvs = _clarity_seeds()
        self.stats = SiwsStats()

    def save(self, kind: str, target: str, data: str, detail: str) -> None:
        ident = hashlib.sha256(f"{kind}{target}{data}".encode("utf-8", "surrogatepass")).hexdigest()
        path = self.out / f"{kind}-{target}-{ident[:16]}.json"
        path.write_text(
            json.dumps({"kind": kind, "target": target, "input": data, "detail": detail})
        )
        self.stats.saved.append(str(path))
        print(f"\n!! {kind} in {target}: {detail[:300]}\n   saved {path}", flush=True)

    def _crash(self, target: str, data: str, exc: BaseException) -> None:
        self.stats.crashes += 1
        self.save("crash", target, data, "".join(traceback.format_exception(exc)))

    def one(self, target: str) -> None:
        st = self.stats
        st.tried += 1
        st.per_target[target] = st.per_target.get(target, 0) + 1
        seed_expect: dict[str, Any] = {}
        sig = ""
        if target == "clarity.deserialize":
            data = mutate_bytes(self.rng, self.rng.choice(self.cvs))
            shown = data.hex()
            start = time.perf_counter()
            try:
                value = clarity.deserialize(data)
            except MalformedClarityValueError as exc:
                st.errors[type(exc).__name__] = st.errors.get(type(exc).__name__, 0) + 1
            except Exception as exc:
                self._crash(target, data.hex(), exc)
            else:
                st.accepted += 1
                if clarity.serialize(value) != data:
                    st.false_accepts += 1
                    self.save("false-accept", target, data.hex(), "not canonical bytes")
        else:
            seed = self.rng.choice(self.seeds)
            seed_expect = seed.expect
            original = self.rng.random() < 0.05
            text = seed.text if original else mutate_text(self.rng, seed.text, self.texts)
            signature = seed.signature
            if target == "verify_message" and self.rng.random() < 0.2:
                signature = mutate_text(self.rng, signature, [signature])
            shown, sig = text, signature
            start = time.perf_counter()
            try:
                if target == "parse_message":
                    msg = siws.parse_message(text)
                    if msg.version != "1" or msg.chain_id not in (1, siws.CHAIN_TESTNET):
                        st.false_accepts += 1
                        self.save("false-accept", target, text, "grammar invariant broken")
                else:
                    siws.verify_message(text, signature, **seed.expect)
                    if text != seed.text:
                        st.false_accepts += 1
                        self.save("false-accept", target, text, "verified a text nobody signed")
                st.accepted += 1
            except InvalidTokenError as exc:
                # parse_message may only ever raise MalformedMessageError
                if target == "parse_message" and not isinstance(exc, MalformedMessageError):
                    self._crash(target, text, exc)
                st.errors[type(exc).__name__] = st.errors.get(type(exc).__name__, 0) + 1
            except Exception as exc:
                self._crash(target, text, exc)
        elapsed = time.perf_counter() - start
        if elapsed > self.slow:  # confirm: a GC pause or a busy machine is not a slow input
            elapsed = min(self._time_again(target, shown, sig, seed_expect) for _ in range(3))
            if elapsed > self.slow:
                st.slow += 1
                self.save("slow", target, shown, f"{elapsed * 1000:.1f} ms")
        st.slowest = max(st.slowest, elapsed)

    def _time_again(self, target: str, shown: str, sig: str, expect: dict[str, Any]) -> float:
        start = time.perf_counter()
        try:
            if target == "clarity.deserialize":
                clarity.deserialize(shown)
            elif target == "parse_message":
                siws.parse_message(shown)
            else:
                siws.verify_message(shown, sig, **expect)
        except AuthTokenError:
            pass
        return time.perf_counter() - start

    def run(self, seconds: float) -> SiwsStats:
        for target in self.targets:  # the originals first
            if target != "clarity.deserialize":
                for seed in self.seeds:
                    kwargs: dict[str, Any] = seed.expect
                    try:
                        siws.verify_message(seed.text, seed.signature, **kwargs)
                    except Exception as exc:
                        self._crash(target + ":original", seed.text, exc)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for _ in range(50):
                self.one(self.rng.choice(self.targets))
        return self.stats

    def report(self) -> None:
        st = self.stats
        print("\n== authtokens SIWS/Clarity fuzz summary ==")
        print(
            f"inputs={st.tried} accepted={st.accepted} crashes={st.crashes} "
            f"false_accepts={st.false_accepts} slow={st.slow} slowest={st.slowest * 1000:.1f}ms"
        )
        print(f"calls per target: {st.per_target}")
        top = sorted(st.errors.items(), key=lambda kv: -kv[1])
        print("rejections by error: " + ", ".join(f"{k}={v}" for k, v in top))
        for path in st.saved:
            print(f"  reproducer: {path}")


# --- session tokens (verify_session_token) -------------------------------------------------------

SESSION_ISSUER = "https://auth.example.com"
SESSION_NOW = 1_900_000_000
SESSION_LEEWAY = 30.0
_SESSION_REQUIRED = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti")


@dataclass
class SessionSeed:
    alg: str
    signer: TokenSigner
    private: Any  # 32 key bytes (ES256K) or an Ed25519PrivateKey
    token: str


def _session_seeds() -> list[SessionSeed]:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    out = []
    secp = ec.generate_private_key(ec.SECP256K1())
    edkey = ed25519.Ed25519PrivateKey.generate()
    for alg, key in (("ES256K", secp), ("EdDSA", edkey)):
        signer = TokenSigner(key, issuer=SESSION_ISSUER, audience=SESSION_ISSUER, ttl=900)
        private: Any = (
            key.private_numbers().private_value.to_bytes(32, "big")
            if isinstance(key, ec.EllipticCurvePrivateKey)
            else key
        )
        for i in range(3):
            token = signer.issue(f"ed25519:{i:02x}", now=SESSION_NOW - 100 * i).token
            out.append(SessionSeed(alg, signer, private, token))
    return out


def _session_sign(seed: SessionSeed, signing_input: bytes) -> bytes:
    if seed.alg == "ES256K":
        return sign_digest(seed.private, hashlib.sha256(signing_input).digest())
    signature: bytes = seed.private.sign(signing_input)
    return signature


def _session_hostile(
    rng: random.Random, head: dict[str, Any], body: dict[str, Any], seed: SessionSeed
) -> str:
    """One edit verify_session_token must refuse, applied in place; returns its label."""
    now = SESSION_NOW
    options: list[tuple[str, Callable[[], None]]] = [
        ("crit", lambda: head.__setitem__("crit", rng.choice([["b64"], [], "x", [1], None]))),
        ("kid not a string", lambda: head.__setitem__("kid", rng.choice([5, None, ["a"], {}]))),
        ("alg none", lambda: head.__setitem__("alg", rng.choice(["none", "None", "NONE"]))),
        ("alg HMAC", lambda: head.__setitem__("alg", rng.choice(["HS256", "HS512"]))),
        ("other issuer", lambda: body.__setitem__("iss", "https://evil.example")),
        ("other audience", lambda: body.__setitem__("aud", rng.choice(["x", ["x"], None]))),
        ("expired", lambda: body.__setitem__("exp", now - int(SESSION_LEEWAY) - 1)),
        ("nbf ahead", lambda: body.__setitem__("nbf", now + int(SESSION_LEEWAY) + 60)),
        ("iat ahead", lambda: body.__setitem__("iat", now + int(SESSION_LEEWAY) + 60)),
        ("claim missing", lambda: body.pop(rng.choice(_SESSION_REQUIRED), None)),
        ("exp not an int", lambda: body.__setitem__("exp", rng.choice([1e300, "9", True, None]))),
        ("sub empty", lambda: body.__setitem__("sub", rng.choice(["", 5, None]))),
    ]
    label, apply = rng.choice(options)
    apply()
    return label


def _session_oracle(token: str) -> list[str]:
    """Independent checks on an accepted session token."""
    try:
        head_b64, body_b64, _ = token.split(".")
        head = json.loads(_b64d(head_b64))
        body = json.loads(_b64d(body_b64))
    except (ValueError, UnicodeDecodeError):
        return ["accepted a token the oracle cannot parse"]
    problems = []
    if not isinstance(head, dict) or not isinstance(body, dict):
        return ["header or payload not an object"]
    if "crit" in head:
        problems.append("a crit header was accepted")
    if "kid" in head and not isinstance(head["kid"], str):
        problems.append("a non-string kid was accepted")
    if head.get("alg") not in ("ES256K", "EdDSA"):
        problems.append("alg not on the allowlist")
    if body.get("iss") != SESSION_ISSUER or body.get("aud") != SESSION_ISSUER:
        problems.append("iss or aud is not ours")
    for name in ("iat", "nbf", "exp"):
        if type(body.get(name)) is not int:
            problems.append(f"{name} not an int")
    if type(body.get("exp")) is int and body["exp"] <= SESSION_NOW - SESSION_LEEWAY:
        problems.append("expired")
    for name in ("nbf", "iat"):
        if type(body.get(name)) is int and body[name] > SESSION_NOW + SESSION_LEEWAY:
            problems.append(f"{name} ahead")
    for name in ("sub", "jti"):
        if not isinstance(body.get(name), str) or not body[name]:
            problems.append(f"{name} not a non-empty string")
    return problems


class SessionFuzzer:
    """Mutation fuzzing of `authtokens.server.session.verify_session_token`: tokens issued by a
    `TokenSigner` (ES256K and EdDSA), mutated as strings or as header and claims (usually
    re-signed with the server's key so the deeper checks run). A crash is any exception but
    an `InvalidTokenError` (PyJWT's own included); a false accept is an accepted token nobody
    signed, one re-signed after a hostile edit, or one that breaks `_session_oracle`."""

    def __init__(self, *, seed: int, out: str | None, slow_ms: float) -> None:
        self.rng = random.Random(seed)
        self.out = Path(out) if out else Path(tempfile.mkdtemp(prefix="authtokens-fuzz-session-"))
        self.out.mkdir(parents=True, exist_ok=True)
        self.slow = slow_ms / 1000
        self.seeds = _session_seeds()
        self.others = [s.token for s in self.seeds]
        self.genuine = {s.token for s in self.seeds}
        self.stats = SiwsStats()

    def save(self, kind: str, data: str, detail: str) -> None:
        ident = hashlib.sha256(f"{kind}{data}".encode("utf-8", "surrogatepass")).hexdigest()
        path = self.out / f"{kind}-verify_session_token-{ident[:16]}.json"
        shown = data.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
        path.write_text(json.dumps({"kind": kind, "token": shown, "detail": detail}))
        self.stats.saved.append(str(path))
        print(f"\n!! {kind} in verify_session_token: {detail[:300]}\n   saved {path}", flush=True)

    def mutant(self, seed: SessionSeed) -> tuple[str, str | None, bool]:
        """A mutated token, the hostile edit it carries (if re-signed), and whether we signed."""
        token, hostile, signed = seed.token, None, False
        rng = self.rng
        if rng.random() < 0.6:
            head_b64, body_b64, _ = seed.token.split(".")
            head: dict[str, Any] = json.loads(_b64d(head_b64))
            body: dict[str, Any] = json.loads(_b64d(body_b64))
            for _ in range(rng.randrange(0, 3)):
                target = rng.choice([head, body])
                key = rng.choice([*target, "x", "crit", "kid", "b64"])
                if rng.random() < 0.3:
                    target.pop(key, None)
                else:
                    target[key] = random_value(rng)
            if rng.random() < 0.5:
                hostile = _session_hostile(rng, head, body, seed)
            try:
                signing_input = (
                    b64url_encode(emit(head)) + "." + b64url_encode(emit(body))
                ).encode()
            except AuthTokenError:
                signing_input = seed.token.rpartition(".")[0].encode()
            if rng.random() < 0.85:
                sig = _session_sign(seed, signing_input)
                signed = True
            else:
                sig, hostile = _b64d(seed.token.rpartition(".")[2]), None
            token = signing_input.decode() + "." + b64url_encode(sig)
        if rng.random() < 0.35 or token == seed.token:
            ops: list[str] = []
            for _ in range(rng.randrange(1, 3)):
                token = mutate_string(rng, token, self.others, ops)
            hostile = None if token.count(".") != 2 else hostile
        return token, hostile, signed

    def one(self) -> None:
        st = self.stats
        st.tried += 1
        st.per_target["verify_session_token"] = st.tried
        seed = self.rng.choice(self.seeds)
        token, hostile, signed = self.mutant(seed)
        start = time.perf_counter()
        try:
            verify_session_token(
                token,
                seed.signer.jwks(),
                issuer=SESSION_ISSUER,
                audience=SESSION_ISSUER,
                now=SESSION_NOW,
                leeway=SESSION_LEEWAY,
            )
        except InvalidTokenError as exc:
            st.errors[type(exc).__name__] = st.errors.get(type(exc).__name__, 0) + 1
        except Exception as exc:
            st.crashes += 1
            self.save("crash", token, "".join(traceback.format_exception(exc)))
        else:
            st.accepted += 1
            problems = _session_oracle(token)
            head_body = token.rpartition(".")[0]
            ours = any(head_body == g.rpartition(".")[0] for g in self.genuine)
            if not ours and not signed:
                problems.append("forgery: accepted bytes nobody signed")
            if hostile is not None:
                problems.append(f"hostile edit accepted: {hostile}")
            if problems:
                st.false_accepts += 1
                self.save("false-accept", token, "; ".join(problems))
        elapsed = time.perf_counter() - start
        if elapsed > self.slow:  # confirm: a GC pause or a busy machine is not a slow input
            elapsed = min(self._time_again(seed, token) for _ in range(3))
            if elapsed > self.slow:
                st.slow += 1
                self.save("slow", token, f"{elapsed * 1000:.1f} ms")
        st.slowest = max(st.slowest, elapsed)

    def _time_again(self, seed: SessionSeed, token: str) -> float:
        start = time.perf_counter()
        try:
            verify_session_token(
                token, seed.signer.jwks(), issuer=SESSION_ISSUER, audience=SESSION_ISSUER,
                now=SESSION_NOW, leeway=SESSION_LEEWAY,
            )  # fmt: skip
        except AuthTokenError:
            pass
        return time.perf_counter() - start

    def run(self, seconds: float) -> SiwsStats:
        for seed in self.seeds:  # the originals verify
            try:
                verify_session_token(
                    seed.token, seed.signer.jwks(), issuer=SESSION_ISSUER,
                    audience=SESSION_ISSUER, now=SESSION_NOW, leeway=SESSION_LEEWAY,
                )  # fmt: skip
            except Exception as exc:
                self.stats.crashes += 1
                self.save("crash", seed.token, "original: " + repr(exc))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for _ in range(50):
                self.one()
        return self.stats

    def report(self) -> None:
        st = self.stats
        print("\n== authtokens session-token fuzz summary ==")
        print(
            f"inputs={st.tried} accepted={st.accepted} crashes={st.crashes} "
            f"false_accepts={st.false_accepts} slow={st.slow} slowest={st.slowest * 1000:.1f}ms"
        )
        print(f"calls per target: {st.per_target}")
        top = sorted(st.errors.items(), key=lambda kv: -kv[1])
        print("rejections by error: " + ", ".join(f"{k}={v}" for k, v in top))
        for path in st.saved:
            print(f"  reproducer: {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--out", default=None, help="directory for reproducers (default: temp)")
    parser.add_argument("--targets", nargs="+", choices=ALL_TARGETS, default=list(ALL_TARGETS))
    parser.add_argument("--slow-ms", type=float, default=50.0, help="slow-call threshold, ms")
    parser.add_argument("--fail-on-slow", action="store_true", help="exit 1 on slow inputs too")
    parser.add_argument("--report-every", type=float, default=30.0, help="progress line, s")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "big")
    print(f"fuzzing {sorted(args.targets)} for {args.seconds:.0f} s, seed {args.seed}", flush=True)
    token_targets = [t for t in args.targets if t in TOKEN_TARGETS]
    siws_targets = [t for t in args.targets if t in SIWS_TARGETS]
    session = "verify_session_token" in args.targets
    total_seconds = args.seconds
    shares = len(token_targets) + len(siws_targets) + session
    failed = False
    if token_targets:
        args.targets = token_targets
        args.seconds = total_seconds * len(token_targets) / shares
        fuzzer = Fuzzer(args)
        stats = fuzzer.run()
        fuzzer.report()
        failed = bool(stats.crashes or stats.false_accepts or (args.fail_on_slow and stats.slow))
    if siws_targets:
        seconds = total_seconds * len(siws_targets) / shares
        siws_fuzzer = SiwsFuzzer(siws_targets, seed=args.seed, out=args.out, slow_ms=args.slow_ms)
        siws_stats = siws_fuzzer.run(seconds)
        siws_fuzzer.report()
        failed = failed or bool(
            siws_stats.crashes
            or siws_stats.false_accepts
            or (args.fail_on_slow and siws_stats.slow)
        )
    if session:
        session_fuzzer = SessionFuzzer(seed=args.seed, out=args.out, slow_ms=args.slow_ms)
        session_stats = session_fuzzer.run(total_seconds / shares)
        session_fuzzer.report()
        failed = failed or bool(
            session_stats.crashes
            or session_stats.false_accepts
            or (args.fail_on_slow and session_stats.slow)
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
