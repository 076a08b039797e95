"""``make-request`` (app side) and ``make-response`` (wallet side)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..auth_request import make_auth_request, verify_auth_request
from ..auth_response import make_auth_response_for_request
from ..errors import InvalidArgumentError
from ..keys import generate_transit_key, get_public_key
from ..scopes import DEFAULT_SCOPES
from ..urls import auth_request_url, redirect_with_auth_response
from .console import (
    EXIT_OK,
    check_stdin,
    emit_json,
    print_note,
    read_token,
    read_transit_key,
    read_wallet,
    say,
    write_secret,
)


def cmd_make_request(args: argparse.Namespace) -> int:
    check_stdin(args)
    given = read_transit_key(args)
    if given is not None and args.transit_key_out is not None:
        raise InvalidArgumentError("--transit-key-out is for a generated key; one was given")
    key = generate_transit_key() if given is None else given
    now = time.time() if args.now is None else args.now
    details = None
    if args.app_name is not None or args.app_icon is not None:
        details = {k: v for k, v in (("name", args.app_name), ("icon", args.app_icon)) if v}
    token = make_auth_request(
        key,
        app_domain=args.app_domain,
        redirect_uri=args.redirect_uri,
        manifest_uri=args.manifest_uri,
        scopes=args.scope if args.scope else DEFAULT_SCOPES,
        expires_at=now + args.expires_in,
        app_details=details,
        allow_unknown_scopes=args.allow_unknown_scopes,
        now=now,
    )
    url = None if args.authenticator is None else auth_request_url(args.authenticator, token)
    if given is None and args.transit_key_out is not None:
        write_secret(args.transit_key_out, key)
    public = get_public_key(key)
    if args.json:
        out: dict[str, Any] = {"ok": True, "token": token, "url": url, "transit_public_key": public}
        if args.show_secrets:
            out["transit_private_key"] = key
        emit_json(out)
        return EXIT_OK
    say(token if url is None else url)
    print_note(f"transit public key {public}")
    if args.show_secrets:
        sys.stderr.write(f"transit private key: {key}\n")
    elif given is None and args.transit_key_out is None:
        print_note(
            "the generated transit key was not kept (--transit-key-out FILE keeps it; the app "
            "needs it to decrypt the response)"
        )
    return EXIT_OK


def cmd_make_response(args: argparse.Namespace) -> int:
    check_stdin(args)
    token = read_token(args)
    account = read_wallet(args).account(args.account)
    now = time.time() if args.now is None else args.now
    request = verify_auth_request(
        token,
        now=now,
        leeway=args.leeway,
        max_lifetime=args.max_lifetime,
        allow_unknown_scopes=args.allow_unknown_scopes,
    )
    domain = request.origin if args.app_domain is None else args.app_domain
    response = make_auth_response_for_request(
        request,
        account,
        hub_url=args.hub_url,
        app_domain=domain,
        now=now,
        expires_at=None if args.expires_in is None else now + args.expires_in,
    )
    redirect = redirect_with_auth_response(request.redirect_uri, response)
    app_key = account.app_private_key(domain)
    if args.json:
        out: dict[str, Any] = {
            "ok": True,
            "token": response,
            "redirect_url": redirect,
            "app_domain": domain,
            "identity_address": account.identity_address,
            "app_public_key": get_public_key(app_key),
            "scopes": [str(s) for s in request.scopes],
        }
        if args.show_secrets:
            out["app_private_key"] = app_key
        emit_json(out)
        return EXIT_OK
    say(redirect if args.redirect else response)
    scopes = ", ".join(str(s) for s in request.scopes) or "none"
    print_note(f"answered {domain} (scopes: {scopes}) as {account.identity_address}")
    if args.show_secrets:
        sys.stderr.write(f"app private key: {app_key}\n")
    return EXIT_OK
