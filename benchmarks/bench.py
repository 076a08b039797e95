"""Throughput of every hot path, next to its floor and to the reference JS stack.

Run with ``make bench`` (or ``python benchmarks/bench.py [--rounds N] [--window S]``).

For each path three things are timed in alternating short windows, round after round: ours,
the *floor* (the same unavoidable work written bare against the same libraries, with no
framing, no validation beyond what the work itself does, no error handling), and, when Node and
the pinned reference install in tools/vectors are present, the reference's equivalent. The
machine's speed drifts by tens of percent within seconds, so every figure in the table is the
median over rounds of a ratio taken *within* one round: ours/floor in time per operation, and
ours/reference in operations per second.

Each floor function below says what "bare" means for its path.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import platform
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coincurve import PrivateKey, PublicKey
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import authtokens
from authtokens import ecies, jwt, siws
from authtokens.bip39 import wordlist
from authtokens.stacks_messages import sign_message
from authtokens.wallet import Wallet

ROOT = Path(__file__).resolve().parent.parent
TRANSIT = "514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2"
TRANSIT_SECRET = bytes.fromhex(TRANSIT)
TRANSIT_PUB = authtokens.get_public_key(TRANSIT)
TRANSIT_PUB_BYTES = bytes.fromhex(TRANSIT_PUB)
MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)
DOMAIN = "https://app.example.com"
ACCOUNT = Wallet.from_mnemonic(MNEMONIC).account(0)
IDENTITY = ACCOUNT.data_private_key
IDENTITY_SECRET = bytes.fromhex(IDENTITY)
APP_KEY = ACCOUNT.app_private_key(DOMAIN)
PAYLOAD: dict[str, Any] = {
    "jti": "939ead40-cbd6-40a4-a81b-5f93d71a4e82",
    "iat": 1735689600,
    "exp": 1735693200,
    "iss": "did:btc-addr:19rQDJwvodQm2iL1wv5K93gVptK3QLQbzi",
    "public_keys": [TRANSIT_PUB],
    "domain_name": DOMAIN,
    "manifest_uri": DOMAIN + "/manifest.json",
    "redirect_uri": DOMAIN + "/",
    "version": "1.4.0",
    "do_not_include_profile": True,
    "supports_hub_url": True,
    "scopes": ["store_write", "publish_data"],
}
MESSAGE = bytes([7]) * 64
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

SIGNED = jwt.sign(PAYLOAD, TRANSIT)
REQUEST = authtokens.make_auth_request(TRANSIT, app_domain=DOMAIN, expires_at=time.time() + 86400)
RESPONSE = authtokens.make_auth_response(
    IDENTITY,
    app_private_key=APP_KEY,
    transit_public_key=TRANSIT_PUB,
    profile={"name": "bench"},
    hub_url="https://hub.blockstack.org",
    expires_at=time.time() + 86400,
)
CIPHER = ecies.encrypt(TRANSIT_PUB, MESSAGE)
HEADER_B64 = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NksifQ"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# --- bare building blocks used by the floors -----------------------------------------------


def b64u(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def unb64u(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def p2pkh(public_key: bytes) -> str:
    body = b"\x00" + hashlib.new("ripemd160", hashlib.sha256(public_key).digest()).digest()
    raw = body + hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4]
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" + out


def der(sig: bytes) -> bytes:
    def integer(b: bytes) -> bytes:
        b = b.lstrip(b"\x00")
        if b[0] & 0x80:
            b = b"\x00" + b
        return b"\x02" + bytes((len(b),)) + b

    body = integer(sig[:32]) + integer(sig[32:])
    return b"\x30" + bytes((len(body),)) + body


def sign(signing_input: bytes, key: PrivateKey) -> bytes:
    digest = hashlib.sha256(signing_input).digest()
    sig: bytes = key.sign_recoverable(digest, hasher=None)[:64]
    return signing_input + b"." + b64u(sig)


def aes_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(padder.update(data) + padder.finalize()) + enc.finalize()


def aes_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(dec.update(data) + dec.finalize()) + unpadder.finalize()


def ecies_encrypt_bare(public_key: bytes, data: bytes, was_string: bool) -> dict[str, Any]:
    ephemeral = PrivateKey()
    shared = PublicKey(public_key).multiply(ephemeral.secret).format()[1:]
    keys = hashlib.sha512(shared).digest()
    iv = b"\x01" * 16  # the floor skips the CSPRNG call for the IV
    ct = aes_encrypt(keys[:32], iv, data)
    eph = ephemeral.public_key.format()
    mac = hmac.digest(keys[32:], iv + eph + ct, "sha256")
    return {
        "iv": iv.hex(),
        "ephemeralPK": eph.hex(),
        "cipherText": ct.hex(),
        "mac": mac.hex(),
        "wasString": was_string,
    }


def ecies_decrypt_bare(secret: bytes, cipher: dict[str, Any]) -> bytes:
    iv = bytes.fromhex(cipher["iv"])
    eph = bytes.fromhex(cipher["ephemeralPK"])
    ct = bytes.fromhex(cipher["cipherText"])
    shared = PublicKey(eph).multiply(secret).format()[1:]
    keys = hashlib.sha512(shared).digest()
    if not hmac.compare_digest(
        hmac.digest(keys[32:], iv + eph + ct, "sha256"), bytes.fromhex(cipher["mac"])
    ):
        raise ValueError("mac")
    return aes_decrypt(keys[:32], iv, ct)


def verify_bare(token: str) -> tuple[dict[str, Any], PublicKey]:
    head, body, sig = token.split(".")
    payload = json.loads(unb64u(body))
    signature = unb64u(sig)
    key_hex = payload["public_keys"][0]
    point = PublicKey(bytes.fromhex(key_hex))
    if p2pkh(bytes.fromhex(key_hex)) != payload["iss"][13:]:
        raise ValueError("issuer")
    s = int.from_bytes(signature[32:], "big")
    if s > N // 2:
        signature = signature[:32] + (N - s).to_bytes(32, "big")
    digest = hashlib.sha256((head + "." + body).encode()).digest()
    if not point.verify(der(signature), digest, hasher=None):
        raise ValueError("signature")
    return payload, point


# --- floors: one per path -------------------------------------------------------------------


def floor_jwt_sign() -> bytes:
    """JSON of the payload, base64url, SHA-256, one ECDSA sign, base64url of r||s."""
    body = json.dumps(PAYLOAD, separators=(",", ":"), ensure_ascii=False).encode()
    return sign(HEADER_B64 + b"." + b64u(body), PrivateKey(TRANSIT_SECRET))


def floor_jwt_verify() -> None:
    """Split, base64url + JSON of the payload, base64url of the signature, parse the public
    key, SHA-256, DER of r||s, one ECDSA verify."""
    head, body, sig = SIGNED.split(".")
    json.loads(unb64u(body))
    signature = unb64u(sig)
    point = PublicKey(TRANSIT_PUB_BYTES)
    s = int.from_bytes(signature[32:], "big")
    if s > N // 2:
        signature = signature[:32] + (N - s).to_bytes(32, "big")
    digest = hashlib.sha256((head + "." + body).encode()).digest()
    if not point.verify(der(signature), digest, None):
        raise ValueError("signature")


def floor_make_auth_request() -> bytes:
    """One key construction (the public key), its P2PKH address, a UUID4, JSON, base64url,
    SHA-256, one ECDSA sign."""
    key = PrivateKey(TRANSIT_SECRET)
    public = key.public_key.format()
    payload = {
        "jti": str(uuid.uuid4()),
        "iat": int(time.time()),
        "exp": int(time.time()) + 3600,
        "iss": "did:btc-addr:" + p2pkh(public),
        "public_keys": [public.hex()],
        "domain_name": DOMAIN,
        "manifest_uri": DOMAIN + "/manifest.json",
        "redirect_uri": DOMAIN + "/",
        "version": "1.4.0",
        "do_not_include_profile": True,
        "supports_hub_url": True,
        "scopes": ["store_write"],
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return sign(HEADER_B64 + b"." + b64u(body), key)


def floor_verify_auth_request() -> None:
    """`verify_bare` (segments, JSON, key, address, one ECDSA verify) plus the same-origin
    test of manifest and redirect URIs with urlsplit."""
    payload, _ = verify_bare(REQUEST)
    domain = urlsplit(payload["domain_name"])
    for name in ("manifest_uri", "redirect_uri"):
        uri = urlsplit(payload[name])
        if (uri.scheme, uri.netloc) != (domain.scheme, domain.netloc):
            raise ValueError(name)


def floor_make_auth_response() -> bytes:
    """Identity key and address, a UUID4, ECIES of the app key (ephemeral key, ECDH, SHA-512,
    AES-CBC, HMAC), hex of the cipher JSON, JSON of the payload, base64url, one ECDSA sign."""
    key = PrivateKey(IDENTITY_SECRET)
    public = key.public_key.format()
    cipher = ecies_encrypt_bare(TRANSIT_PUB_BYTES, APP_KEY.encode(), True)
    payload = {
        "jti": str(uuid.uuid4()),
        "iat": int(time.time()),
        "exp": int(time.time()) + 3600,
        "iss": "did:btc-addr:" + p2pkh(public),
        "private_key": json.dumps(cipher, separators=(",", ":")).encode().hex(),
        "public_keys": [public.hex()],
        "appPrivateKeyFromWalletSalt": None,
        "profile": {"name": "bench"},
        "core_token": None,
        "email": None,
        "profile_url": None,
        "hubUrl": "https://hub.blockstack.org",
        "blockstackAPIUrl": None,
        "associationToken": None,
        "version": "1.4.0",
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return sign(HEADER_B64 + b"." + b64u(body), key)


def floor_decode_auth_response() -> str:
    """The issue's floor: segments (base64url + JSON), parse the public key, HASH160 +
    base58check for the issuer check, one ECDSA verify, hex + JSON of the cipher object, one
    point multiplication, SHA-512, HMAC-SHA256, AES-CBC."""
    payload, _ = verify_bare(RESPONSE)
    cipher = json.loads(bytes.fromhex(payload["private_key"]))
    return ecies_decrypt_bare(TRANSIT_SECRET, cipher).decode()


def floor_ecies_encrypt() -> dict[str, Any]:
    """Ephemeral key, ECDH point multiplication, SHA-512, AES-CBC, HMAC, hex fields."""
    return ecies_encrypt_bare(TRANSIT_PUB_BYTES, MESSAGE, False)


def floor_ecies_decrypt() -> bytes:
    """Hex of the fields, parse the ephemeral key, ECDH, SHA-512, HMAC check, AES-CBC."""
    return ecies_decrypt_bare(TRANSIT_SECRET, CIPHER)  # type: ignore[arg-type]


_APPS = ACCOUNT._apps_node  # the floor reuses the parsed apps node


def floor_app_private_key() -> str:
    """SHA-256 of domain + salt, Java hashCode of its hex, one hardened BIP32 step (HMAC-SHA512
    and one scalar addition through coincurve's public ``PrivateKey.add``)."""
    digest = hashlib.sha256((DOMAIN + ACCOUNT.salt).encode()).hexdigest()
    h = 0
    for c in digest:
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    index = (h & 0x7FFFFFFF) | 0x80000000
    data = b"\x00" + _APPS.private_key + index.to_bytes(4, "big")
    il = hmac.digest(_APPS.chain_code, data, "sha512")
    return str(_APPS.key.add(il[:32]).secret.hex())


_WORDS = {w: i for i, w in enumerate(wordlist())}


def floor_wallet_from_mnemonic() -> tuple[str, str]:
    """Checksum of the phrase, PBKDF2 (2048 rounds), the master key, and the nine BIP32 steps
    an account needs (m/888'/0' for the salt, /0' identity, /0' apps node, m/44'/5757'/0'/0/0
    for the STX key), each an HMAC-SHA512 and one ``PrivateKey.add``."""
    words = MNEMONIC.split()
    bits = "".join(format(_WORDS[w], "011b") for w in words)
    entropy = int(bits[:-4], 2).to_bytes(16, "big")
    if format(hashlib.sha256(entropy).digest()[0], "08b")[:4] != bits[-4:]:
        raise ValueError("checksum")
    seed = hashlib.pbkdf2_hmac("sha512", MNEMONIC.encode(), b"mnemonic", 2048)
    master = hmac.digest(b"Bitcoin seed", seed, "sha512")

    def child(key: PrivateKey, chain: bytes, index: int) -> tuple[PrivateKey, bytes]:
        data = (
            b"\x00" + key.secret if index >= 0x80000000 else key.public_key.format()
        ) + index.to_bytes(4, "big")
        d = hmac.digest(chain, data, "sha512")
        return key.add(d[:32]), d[32:]

    h = 0x80000000
    root = (PrivateKey(master[:32]), master[32:])
    ident = child(*child(*root, 888 + h), 0 + h)
    salt = hashlib.sha256(ident[0].public_key.format().hex().encode()).hexdigest()
    data = child(*ident, 0 + h)
    child(*data, 0 + h)
    stx = root
    for index in (44 + h, 5757 + h, 0 + h, 0, 0):
        stx = child(*stx, index)
    return salt, data[0].secret.hex()


SIWS_KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801"
SIWS_NOW = datetime(2026, 11, 30, 0, 1, tzinfo=UTC)
SIWS_TEXT = siws.create_message(
    domain="example.com",
    address="SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY",
    uri="https://example.com/path",
    nonce="foobarbaz1",
    issued_at=datetime(2026, 11, 30, tzinfo=UTC),
)
SIWS_SIG = sign_message(SIWS_KEY, SIWS_TEXT)
_SIWS_SIG_BYTES = bytes.fromhex(SIWS_SIG)
C32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def floor_siws_verify() -> str:
    """Bare: split the lines and read the address, nonce and domain by position (no grammar,
    no timestamps), one SHA-256 of the prefixed text, one public-key recovery (RSV as given, no
    range or high-S handling), one HASH160, one c32check encode, one comparison."""
    lines = SIWS_TEXT.split("\n")
    address = lines[1]
    if lines[0].split(" ", 1)[0] != "example.com" or lines[7][7:] != "foobarbaz1":
        raise ValueError("field")
    data = SIWS_TEXT.encode()
    digest = hashlib.sha256(b"\x17Stacks Signed Message:\n" + bytes((len(data),)) + data).digest()
    pub = PublicKey.from_signature_and_message(_SIWS_SIG_BYTES, digest, hasher=None)
    h160 = hashlib.new("ripemd160", hashlib.sha256(pub.format()).digest()).digest()
    check = hashlib.sha256(hashlib.sha256(b"\x16" + h160).digest()).digest()[:4]
    n = int.from_bytes(h160 + check, "big")
    out = ""
    while n:
        n, r = divmod(n, 32)
        out = C32[r] + out
    if "SP" + out != address:
        raise ValueError("address")
    return address


# --- ours -----------------------------------------------------------------------------------


def ours_ecies_decrypt() -> bytes | str:
    return ecies.decrypt(TRANSIT, CIPHER)


@dataclass(frozen=True)
class HotPath:
    name: str
    ours: Callable[[], object]
    floor: Callable[[], object]
    floor_goal: float | None  # ours/floor time ratio must not exceed this
    reference_goal: float | None  # ours/reference throughput must reach this


PATHS = [
    HotPath("jwt.sign", lambda: jwt.sign(PAYLOAD, TRANSIT), floor_jwt_sign, 1.5, 2.0),
    HotPath("jwt.verify", lambda: jwt.verify(SIGNED, TRANSIT_PUB), floor_jwt_verify, 1.5, 2.0),
    HotPath(
        "make_auth_request",
        lambda: authtokens.make_auth_request(TRANSIT, app_domain=DOMAIN),
        floor_make_auth_request,
        1.5,
        2.0,
    ),
    HotPath(
        "verify_auth_request",
        lambda: authtokens.verify_auth_request(REQUEST),
        floor_verify_auth_request,
        1.3,
        2.0,
    ),
    HotPath(
        "make_auth_response",
        lambda: authtokens.make_auth_response(
            IDENTITY,
            app_private_key=APP_KEY,
            transit_public_key=TRANSIT_PUB,
            profile={"name": "bench"},
            hub_url="https://hub.blockstack.org",
        ),
        floor_make_auth_response,
        1.5,
        2.0,
    ),
    HotPath(
        "decode_auth_response",
        lambda: authtokens.decode_auth_response(RESPONSE, TRANSIT),
        floor_decode_auth_response,
        1.3,
        25.0,
    ),
    HotPath(
        "ecies.encrypt",
        lambda: ecies.encrypt(TRANSIT_PUB, MESSAGE),
        floor_ecies_encrypt,
        None,
        2.0,
    ),
    HotPath("ecies.decrypt", ours_ecies_decrypt, floor_ecies_decrypt, None, 2.0),
    HotPath(
        "app_private_key",
        lambda: ACCOUNT.app_private_key(DOMAIN),
        floor_app_private_key,
        None,
        2.0,
    ),
    HotPath(
        "siws.verify_message",
        lambda: siws.verify_message(
            SIWS_TEXT, SIWS_SIG, domain="example.com", nonce="foobarbaz1", now=SIWS_NOW
        ),
        floor_siws_verify,
        1.3,
        2.0,
    ),
    HotPath(
        "wallet_from_mnemonic",
        lambda: Wallet.from_mnemonic(MNEMONIC).account(0),
        floor_wallet_from_mnemonic,
        None,
        2.0,
    ),
]


# --- timing ---------------------------------------------------------------------------------


def window(fn: Callable[[], object], seconds: float) -> float:
    """Operations per second of ``fn`` over one window of about ``seconds``."""
    ops = 0
    batch = 1
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            fn()
        ops += batch
        now = time.perf_counter()
        if now >= deadline:
            return ops / (now - start)
        batch = min(batch * 2, 64)


class Reference:
    """The Node process running benchmarks/reference.mjs, or None when unavailable."""

    def __init__(self) -> None:
        node = shutil.which("node")
        modules = ROOT / "tools" / "vectors" / "node_modules" / "@stacks" / "auth"
        self.proc: subprocess.Popen[str] | None = None
        self.why = ""
        if node is None:
            self.why = "node not found"
        elif not modules.exists():
            self.why = "tools/vectors/node_modules missing (run: make vectors)"
        else:
            self.proc = subprocess.Popen(
                [node, str(ROOT / "benchmarks" / "reference.mjs")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self.version = (
                "@stacks/auth 7.6.0, Node "
                + subprocess.run(
                    [node, "--version"], capture_output=True, text=True, check=True
                ).stdout.strip()
            )

    def window(self, name: str, seconds: float) -> float | None:
        if self.proc is None or self.proc.stdin is None or self.proc.stdout is None:
            return None
        self.proc.stdin.write(f"{name} {seconds}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        if not answer or answer[0] == "error":
            raise RuntimeError(f"reference {name}: {' '.join(answer)}")
        return float(answer[0]) / float(answer[1])

    def close(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


@dataclass
class Result:
    path: HotPath
    ours: float
    floor: float
    floor_ratio: float
    reference: float | None
    reference_ratio: float | None


def measure(path: HotPath, ref: Reference, rounds: int, seconds: float) -> Result:
    ours_ops, floor_ops, ref_ops, floor_ratios, ref_ratios = [], [], [], [], []
    for fn in (path.ours, path.floor):
        fn()  # warm caches both sides may use
    for _ in range(rounds):
        o = window(path.ours, seconds)
        f = window(path.floor, seconds)
        r = ref.window(path.name, seconds)
        ours_ops.append(o)
        floor_ops.append(f)
        floor_ratios.append(f / o)  # time per op: ours / floor
        if r is not None:
            ref_ops.append(r)
            ref_ratios.append(o / r)
    return Result(
        path,
        statistics.median(ours_ops),
        statistics.median(floor_ops),
        statistics.median(floor_ratios),
        statistics.median(ref_ops) if ref_ops else None,
        statistics.median(ref_ratios) if ref_ratios else None,
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def app_key_best_micros() -> float:
    """The app-key goal is absolute (µs), so it also gets a best-of timing, which the machine's
    drift cannot inflate."""
    import timeit

    runs = timeit.repeat(lambda: ACCOUNT.app_private_key(DOMAIN), number=300, repeat=7)
    return min(runs) / 300 * 1e6


def render(results: list[Result], ref: Reference, rounds: int, seconds: float) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {when} on {machine()}; "
        f"{rounds} alternating rounds of {seconds:g} s windows, medians of per-round ratios.",
        "Reference: " + (ref.version if ref.proc else f"not run ({ref.why})") + ".",
        "",
        "| path | ours (ops/s) | floor (ops/s) | ours/floor (time) | goal | "
        "reference (ops/s) | ours/reference | goal |",
        "|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        floor_goal = f"≤ {r.path.floor_goal:g}x" if r.path.floor_goal else ""
        if r.path.floor_goal:
            floor_goal += " ✓" if r.floor_ratio <= r.path.floor_goal else " ✗"
        ref_goal = f"≥ {r.path.reference_goal:g}x" if r.path.reference_goal else ""
        if r.reference_ratio is not None and r.path.reference_goal:
            ref_goal += " ✓" if r.reference_ratio >= r.path.reference_goal else " ✗"
        lines.append(
            f"| {r.path.name} | {r.ours:,.0f} | {r.floor:,.0f} | {r.floor_ratio:.2f}x | "
            f"{floor_goal} | {'' if r.reference is None else f'{r.reference:,.0f}'} | "
            f"{'' if r.reference_ratio is None else f'{r.reference_ratio:.1f}x'} | {ref_goal} |"
        )
    for app in (r for r in results if r.path.name == "app_private_key"):
        best = app_key_best_micros()
        lines.append("")
        lines.append(
            f"App-key derivation from an account: {best:.0f} µs per key, best of 7 runs of 300 "
            f"(goal < 100 µs {'✓' if best < 100 else '✗'}); {1e6 / app.ours:.0f} µs at the "
            "median window above."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--window", type=float, default=0.25, help="seconds per window")
    parser.add_argument("--only", action="append", help="run only these paths")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    for path in PATHS:  # sanity: ours and the floor compute the same thing where comparable
        path.ours()
        path.floor()
    assert floor_decode_auth_response() == APP_KEY
    ref = Reference()
    try:
        results = [
            measure(p, ref, args.rounds, args.window)
            for p in PATHS
            if not args.only or p.name in args.only
        ]
    finally:
        ref.close()
    print(render(results, ref, args.rounds, args.window))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "path": r.path.name,
                        "ours": r.ours,
                        "floor": r.floor,
                        "floor_ratio": r.floor_ratio,
                        "reference": r.reference,
                        "reference_ratio": r.reference_ratio,
                    }
                    for r in results
                ],
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
