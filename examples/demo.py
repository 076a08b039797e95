"""The whole Stacks sign-in round trip in one process (``make demo``).

An app makes a transit key and an authRequest; a wallet verifies the request, shows who is
asking and for what, derives the app key for the request's origin and answers; the app decodes
the answer and decrypts the app key; both sides must hold the same key. Then a few answers the
app must refuse, each with its error code.

The wallet uses the public BIP39 *test* phrase "abandon … about": every key printed here is
a well-known test key. Never put funds or data behind it. Exits non-zero if anything mismatches.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from authtokens import (
    InvalidTokenError,
    MemoryReplayCache,
    Wallet,
    check_auth_response,
    decode_auth_response,
    generate_transit_key,
    get_public_key,
    jsjson,
    jwt,
    make_auth_request,
    make_auth_response_for_request,
    verify_auth_request,
)
from authtokens.encoding import b64url_encode
from authtokens.manifest import app_display
from authtokens.urls import (
    auth_request_from_url,
    auth_request_url,
    auth_response_from_url,
    redirect_with_auth_response,
)
from scopes import describe_scope

#: The public BIP39 test phrase (all-zero entropy). Known to everyone: a demo key only.
TEST_MNEMONIC = " ".join(["abandon"] * 11 + ["about"])
APP_ORIGIN = "https://app.example.com"
WALLET_URL = "https://wallet.example.org/auth"


def short(token: str) -> str:
    """A token abbreviated for display."""
    return f"{token[:24]}…{token[-12:]} ({len(token)} chars)"


def step(title: str) -> None:
    print(f"\n== {title}")


def tampered(token: str) -> str:
    """The same token with one claim changed and the original signature kept."""
    decoded = jwt.decode(token)
    payload = dict(decoded.payload)
    payload["profile"] = {**(payload.get("profile") or {}), "name": "Mallory"}
    head, _, signature = token.split(".")
    return f"{head}.{b64url_encode(jsjson.dumps(payload))}.{signature}"


def expect_refusal(label: str, attempt: Callable[[], object], code: str) -> bool:
    """Run ``attempt``; True when it raises the `InvalidTokenError` with ``code``."""
    try:
        attempt()
    except InvalidTokenError as exc:
        ok = exc.code == code
        print(f"  {label}: refused, {exc.code} ({exc.message}){'' if ok else ' UNEXPECTED'}")
        return ok
    print(f"  {label}: ACCEPTED, expected {code}")
    return False


def main() -> int:
    """Run the round trip; 0 when every step agrees, 1 otherwise."""
    step("1. App: make a transit key and an authRequest")
    transit_key = generate_transit_key()  # kept server-side; only its public key travels
    request_token = make_auth_request(
        transit_key,
        app_domain=APP_ORIGIN,
        scopes=["store_write", "email"],
        app_details={"name": "Example App", "icon": f"{APP_ORIGIN}/icon.png"},
    )
    sign_in_url = auth_request_url(WALLET_URL, request_token)
    print(f"  transit public key: {get_public_key(transit_key)}")
    print(f"  authRequest:        {short(request_token)}")
    print(f"  user goes to:       {WALLET_URL}?authRequest=…")

    step("2. Wallet: verify the request and show who asks for what")
    request = verify_auth_request(auth_request_from_url(sign_in_url))
    name, icon = app_display(request)
    print(f"  app:          {name} ({icon})")
    print(f"  origin:       {request.origin}")
    print(f"  returns to:   {request.redirect_uri}")
    for scope in request.scopes:
        print(f"  asks for:     {scope}: {describe_scope(scope)}")

    step("3. Wallet: derive the app key for the request's origin and answer")
    print("  wallet phrase: the public BIP39 test phrase 'abandon … about' (test keys only)")
    account = Wallet.from_mnemonic(TEST_MNEMONIC).account(0)
    wallet_app_key = account.app_private_key(request.origin)
    response_token = make_auth_response_for_request(request, account)
    callback_url = redirect_with_auth_response(request.redirect_uri, response_token)
    print(f"  identity:      {account.identity_address}")
    print(f"  app key for {request.origin}: public key {get_public_key(wallet_app_key)}")
    print(f"  authResponse:  {short(response_token)}")
    print(f"  user returns to {request.redirect_uri}?authResponse=…")

    step("4. App: decode the response and decrypt the app key")
    received = auth_response_from_url(callback_url)
    _, checks = check_auth_response(received)
    for check in checks:
        print(f"  {'pass' if check.passed else 'FAIL'}  {check.name}")
    replay_cache = MemoryReplayCache()
    user = decode_auth_response(received, transit_key, request=request, replay_cache=replay_cache)
    print(f"  signed in:     {user.identity_address} ({user.decentralized_id})")
    print(f"  hub:           {user.hub_url}")
    app_key = user.app_private_key
    matches = app_key == wallet_app_key
    shown = "none" if app_key is None else get_public_key(app_key)
    print(f"  app key:       public key {shown}")
    print(f"  same app key on both sides: {'yes' if matches else 'NO'}")

    step("5. App: answers it must refuse")
    refused = [
        expect_refusal(
            "tampered response",
            lambda: decode_auth_response(tampered(received), transit_key),
            "bad_signature",
        ),
        expect_refusal(
            "same response again",
            lambda: decode_auth_response(received, transit_key, replay_cache=replay_cache),
            "replayed",
        ),
        expect_refusal(
            "answer to another sign-in",
            lambda: decode_auth_response(received, generate_transit_key()),
            "decryption_failed",
        ),
    ]

    ok = matches and all(c.passed for c in checks) and all(refused)
    print(f"\n{'OK: the round trip works' if ok else 'FAILED: see above'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
