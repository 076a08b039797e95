"""Signing users into the web integrations the way wallets do: SIWS with the library's
`sign_message`, the legacy flow with `authtokens.wallet` and `make_auth_response_for_request`."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from authtokens import siws
from authtokens.addresses import stacks_address
from authtokens.auth_request import verify_auth_request
from authtokens.auth_response import make_auth_response_for_request
from authtokens.keys import get_public_key
from authtokens.stacks_messages import sign_message
from authtokens.urls import auth_request_from_url
from authtokens.wallet import Account, Wallet

#: The key of spec siws.md §6 and a second one, for linking.
# The app every integration test signs in to, and the wallet it sends users to.
ORIGIN = "http://app.example.com"
DOMAIN = "app.example.com"
URI = "http://app.example.com"
AUTHENTICATOR = "http://127.0.0.1:8800/auth"
KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a8"
ADDRESS = "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"
OTHER_KEY = "0f3ac3e0a5ea3b5f3d5e6a1e4f0f7d6a0e0d9c8b7a6f5e4d3c2b1a09f8e7d6c5"
MNEMONIC = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)


def address_of(key: str) -> str:
    return stacks_address(get_public_key(key))


def signed_message(
    key: str,
    nonce: str,
    *,
    domain: str,
    uri: str,
    chain_id: int = 1,
    issued_at: datetime | float | None = None,
    expiration_time: datetime | float | None = None,
) -> tuple[str, str]:
    """A SIWS message for ``key``'s address and its RSV signature."""
    message = siws.create_message(
        domain=domain,
        address=address_of(key),
        uri=uri,
        nonce=nonce,
        chain_id=chain_id,
        issued_at=issued_at,
        expiration_time=expiration_time,
        statement="Sign in to the test app.",
    )
    return message, sign_message(key, message)


def siws_sign_in(
    client: Any,
    key: str = KEY,
    *,
    origin: str,
    domain: str,
    uri: str,
    prefix: str = "/auth",
    path: str = "/siws/verify",
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Any:
    """Nonce, sign, verify: the better-auth request shapes a front end sends."""
    address = address_of(key)
    head = {"origin": origin, **(headers or {})}
    answer = client.post(prefix + "/siws/nonce", json={"walletAddress": address}, headers=head)
    assert answer.status_code == 200, answer.text
    message, signature = signed_message(
        key, answer.json()["nonce"], domain=domain, uri=uri, **fields
    )
    body = {
        "walletAddress": address,
        "chainId": 1,
        "message": message,
        "signature": signature,
        "publicKey": get_public_key(key),
    }
    return client.post(prefix + path, json=body, headers=head)


def wallet_account(index: int = 0) -> Account:
    return Wallet.from_mnemonic(MNEMONIC).account(index)


def answer_auth_request(location: str, account: Account) -> str:
    """What a wallet does with the authenticator link: verify the request, answer it."""
    request = verify_auth_request(auth_request_from_url(location))
    return make_auth_response_for_request(request, account)


# --- the reference stack (Node, tools/vectors/node_modules) ----------------------------------

_VECTORS = Path(__file__).resolve().parent.parent / "tools" / "vectors"


def reference_missing() -> str | None:
    """Why the reference stack cannot sign here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not (_VECTORS / "node_modules" / "@stacks" / "wallet-sdk").is_dir():
        return "tools/vectors/node_modules is missing (cd tools/vectors && npm ci)"
    return None


_NO_REFERENCE = reference_missing()
#: Marks a test that signs with the reference stack: skipped when it cannot run here.
needs_reference = pytest.mark.skipif(
    _NO_REFERENCE is not None, reason=f"reference stack unavailable: {_NO_REFERENCE}"
)


def check_logout_revokes(browser: httpx.Client, base: str, cookie_name: str, token: str) -> None:
    """A signed-in ``browser`` logs out: then its session cookie (sent again from a new client)
    and the session's bearer ``token`` are both refused (401)."""
    cookie = browser.cookies[cookie_name]
    assert browser.post("/auth/logout", headers={"origin": base}).status_code == 200
    assert browser.get("/auth/session").status_code == 401
    with httpx.Client(base_url=base) as later:
        later.cookies.set(cookie_name, cookie)
        assert later.get("/auth/session").status_code == 401
        bearer = {"authorization": "Bearer " + token}
        assert later.get("/auth/session", headers=bearer).status_code == 401


def reference(request: dict[str, Any]) -> dict[str, Any]:
    """Run tools/vectors/reference_signin.mjs (@stacks/transactions, @stacks/wallet-sdk)."""
    result = subprocess.run(
        ["node", str(_VECTORS / "reference_signin.mjs"), json.dumps(request)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def reference_siws_sign_in(
    client: Any, key: str = KEY, *, origin: str, domain: str, uri: str, prefix: str = "/auth"
) -> Any:
    """The better-auth request shapes with a message the reference stack signed
    (``signMessageHashRsv(hashMessage(text))``, as Leather and Xverse sign)."""
    head = {"origin": origin}
    address = address_of(key)
    answer = client.post(prefix + "/siws/nonce", json={"walletAddress": address}, headers=head)
    assert answer.status_code == 200, answer.text
    now = datetime.now(UTC)
    signed = reference(
        {
            "mode": "siws",
            "privateKey": key + "01",  # stacks.js's compressed-key form
            "domain": domain,
            "uri": uri,
            "nonce": answer.json()["nonce"],
            "chainId": 1,
            "issuedAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "statement": "Sign in with the reference stack.",
        }
    )
    assert signed["address"] == address
    body = {
        "walletAddress": address,
        "chainId": 1,
        "message": signed["message"],
        "signature": signed["signature"],
        "publicKey": signed["publicKey"],
    }
    return client.post(prefix + "/siws/verify", json=body, headers=head)


def reference_auth_response(location: str, mnemonic: str = MNEMONIC) -> str:
    """@stacks/wallet-sdk ``makeAuthResponse`` for the authRequest in an authenticator link."""
    token = auth_request_from_url(location)
    return str(
        reference({"mode": "legacy", "authRequest": token, "mnemonic": mnemonic})["authResponse"]
    )
