"""A wallet answering a Stacks authRequest: verify it, show what the app asks for, answer.

Reads the authRequest (a token, or the authenticator URL carrying ``?authRequest=``), verifies
it, prints who is asking and for which permissions, and prints the URL that sends the user back
to the app with the authResponse. The mnemonic is read from ``--mnemonic-file`` or stdin, never
from the command line::

    python examples/wallet.py --mnemonic-file phrase.txt 'http://localhost:8888/auth?authRequest=…'

``--fetch-manifest`` also loads the app's manifest for its name and icon (the only network
access; off by default).
"""

from __future__ import annotations

import argparse
import sys

from authtokens import (
    Account,
    AuthRequest,
    AuthTokenError,
    Wallet,
    get_public_key,
    make_auth_response_for_request,
    verify_auth_request,
)
from authtokens.claims import Timestamp
from authtokens.errors import ManifestError, UsageError
from authtokens.manifest import app_display, fetch_manifest
from authtokens.urls import auth_request_from_url, redirect_with_auth_response
from scopes import describe_scope


def review(token_or_url: str, *, now: Timestamp | None = None) -> AuthRequest:
    """Verify an authRequest given as a token or a URL carrying it (raises `InvalidTokenError`)."""
    text = token_or_url.strip()
    token = auth_request_from_url(text) if "authRequest=" in text else text
    return verify_auth_request(token, now=now)


def describe(request: AuthRequest, manifest: dict[str, object] | None = None) -> list[str]:
    """What a wallet shows the user before they approve: the app, its origin, the scopes."""
    name, icon = app_display(request, manifest)
    lines = [
        f"{name or request.origin} wants you to sign in",
        f"  origin:     {request.origin}",
        f"  returns to: {request.redirect_uri}",
    ]
    if icon:
        lines.append(f"  icon:       {icon}")
    lines += [f"  asks to:    {describe_scope(s)} ({s})" for s in request.scopes]
    return lines


def answer(request: AuthRequest, account: Account, *, now: Timestamp | None = None) -> str:
    """The URL that returns the user to the app with an authResponse for ``request``.

    The app key is derived for the request's origin and encrypted to its transit key.
    """
    token = make_auth_response_for_request(request, account, now=now)
    return redirect_with_auth_response(request.redirect_uri, token)


def main(argv: list[str] | None = None) -> int:
    """Command line: 0 answered, 1 request rejected, 2 usage error, 3 manifest not loaded."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("request", help="the authRequest token or a URL carrying it")
    parser.add_argument("--mnemonic-file", help="file with the wallet's BIP39 phrase (or stdin)")
    parser.add_argument("--account", type=int, default=0, help="account index (0)")
    parser.add_argument("--fetch-manifest", action="store_true", help="load the app's manifest")
    args = parser.parse_args(argv)
    try:
        request = review(args.request)
        manifest = fetch_manifest(request) if args.fetch_manifest else None
        for line in describe(request, manifest):
            print(line, file=sys.stderr)
        if args.mnemonic_file:
            with open(args.mnemonic_file, encoding="utf-8") as handle:
                phrase = handle.read()
        else:
            phrase = sys.stdin.read()
        account = Wallet.from_mnemonic(phrase).account(args.account)
        url = answer(request, account)
    except AuthTokenError as exc:
        print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 3 if isinstance(exc, ManifestError) else 1
    except OSError as exc:
        print(f"error: usage: cannot read the mnemonic file: {exc.strerror}", file=sys.stderr)
        return 2
    app_key = account.app_private_key(request.origin)
    print(f"answering as {account.identity_address}", file=sys.stderr)
    print(f"app public key {get_public_key(app_key)}", file=sys.stderr)
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
