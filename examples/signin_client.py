"""Sign in to a running ``authtokens serve`` over HTTP or the demo's WebSocket.

    authtokens serve --store memory &              # or python -m authtokens.server serve …
    python examples/signin_client.py                # Ed25519 key, HTTP
    python examples/signin_client.py --ws           # Ed25519 key, WebSocket (the demo's frames)
    python examples/signin_client.py --stacks --ws  # secp256k1 key, Stacks message signature

A fresh key is generated each run; the session token is then checked with the server's JWKS.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from typing import Any

import httpx
from coincurve import PrivateKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.sync.client import connect

from authtokens.server import verify_session_token


def stacks_sign(secret: PrivateKey, text: str) -> str:
    """What a Stacks wallet's stx_signMessage returns: hex RSV over the prefixed digest."""
    data = text.encode("utf-8")
    size = bytes((len(data),)) if len(data) < 0xFD else b"\xfd" + len(data).to_bytes(2, "little")
    digest = hashlib.sha256(b"\x17Stacks Signed Message:\n" + size + data).digest()
    rsv: bytes = secret.sign_recoverable(digest, hasher=None)
    return rsv.hex()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:3001")
    parser.add_argument("--ws", action="store_true", help="use WS /ws/userauth instead of HTTP")
    parser.add_argument("--stacks", action="store_true", help="use a secp256k1 (Stacks) key")
    args = parser.parse_args()

    if args.stacks:
        secret = PrivateKey()
        pubkey = secret.public_key.format(compressed=True).hex()

        def sign(text: str) -> Any:
            return stacks_sign(secret, text)
    else:
        ed = Ed25519PrivateKey.generate()
        pubkey = (
            ed.public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )

        def sign(text: str) -> Any:
            return {"type": "Buffer", "data": list(ed.sign(text.encode("utf-8")))}

    if args.ws:
        ws_url = args.url.replace("http", "ws", 1) + "/ws/userauth"
        with connect(ws_url) as ws:
            ws.send(json.dumps({"pubkey": pubkey, "type": "token"}))
            frame = json.loads(ws.recv())
            if frame["type"] != "challenge":
                print("refused:", frame, file=sys.stderr)
                return 1
            print(bytes(frame["value"]["data"]).decode("utf-8"), end="\n\n")
            ws.send(json.dumps({"type": "challenge", "sig": sign(frame["text"])}))
            reply = json.loads(ws.recv())
        if reply["type"] != "token":
            print("refused:", reply, file=sys.stderr)
            return 1
        token = reply["value"]["token"]
    else:
        with httpx.Client(base_url=args.url) as http:
            challenge = http.post("/auth/challenge", json={"pubkey": pubkey}).json()
            if "error" in challenge:
                print("refused:", challenge, file=sys.stderr)
                return 1
            print(challenge["message"], end="\n\n")
            sig = sign(challenge["message"])
            answer = http.post("/auth/verify", json={"id": challenge["id"], "signature": sig})
            if answer.status_code != 200:
                print("refused:", answer.json(), file=sys.stderr)
                return 1
            token = answer.json()["token"]

    jwks = httpx.get(args.url + "/.well-known/jwks.json").json()
    # A real service configures iss/aud; this demo reads them from the (unverified) payload.
    issuer = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["iss"]
    claims = verify_session_token(token, jwks, issuer=issuer, audience=issuer)
    print(f"signed in as {claims.sub}; token valid until {claims.exp} (jti {claims.jti})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
