"""``derive`` and ``keygen``: wallet and transit keys."""

from __future__ import annotations

import argparse
from typing import Any

from ..addresses import btc_address
from ..bip39 import generate_mnemonic
from ..errors import InvalidArgumentError
from ..keys import generate_transit_key, get_public_key
from ..wallet import Wallet, app_domain_origin
from .console import EXIT_OK, emit_json, print_note, read_wallet, say, write_secret


def cmd_derive(args: argparse.Namespace) -> int:
    if args.accounts is not None and not 1 <= args.accounts <= 1000:
        raise InvalidArgumentError("--accounts must be in 1 .. 1000")
    indices = list(range(args.accounts)) if args.accounts else (args.account or [0])
    domains = [d if args.exact_domain else app_domain_origin(d) for d in args.app_domain]
    wallet = read_wallet(args)
    accounts = []
    for index in indices:
        account = wallet.account(index)
        item: dict[str, Any] = {
            "index": index,
            "identity_address": account.identity_address,
            "identity_public_key": account.identity_public_key,
            "stx_address": account.stx_address(),
            "stx_testnet_address": account.stx_address(testnet=True),
            "apps": [],
        }
        if args.show_secrets:
            item["identity_private_key"] = account.data_private_key
            item["stx_private_key"] = account.stx_private_key
            item["apps_key"] = account.apps_key
        for domain in domains:
            app_key = account.app_private_key(domain)
            public = get_public_key(app_key)
            app: dict[str, Any] = {
                "app_domain": domain,
                "public_key": public,
                "address": btc_address(public),
            }
            if args.show_secrets:
                app["private_key"] = app_key
            item["apps"].append(app)
        accounts.append(item)
    if args.json:
        emit_json({"ok": True, "salt": wallet.salt, "accounts": accounts})
        return EXIT_OK
    say(f"salt: {wallet.salt}")
    labels = {
        "identity_address": "identity address",
        "identity_public_key": "identity public key",
        "stx_address": "STX address",
        "stx_testnet_address": "STX address (testnet)",
        "identity_private_key": "identity private key",
        "stx_private_key": "STX private key",
        "apps_key": "apps key",
    }
    for item in accounts:
        say(f"account {item['index']}")
        for key, label in labels.items():
            if key in item:
                say(f"  {label + ':':<24}{item[key]}")
        for app in item["apps"]:
            say(f"  app {app['app_domain']}")
            say(f"    {'public key:':<22}{app['public_key']}")
            say(f"    {'address:':<22}{app['address']}")
            if "private_key" in app:
                say(f"    {'private key:':<22}{app['private_key']}")
    if not args.show_secrets:
        print_note("private keys not shown (--show-secrets)")
    return EXIT_OK


def cmd_keygen(args: argparse.Namespace) -> int:
    out: dict[str, Any] = {"ok": True}
    if args.mnemonic:
        secret = generate_mnemonic(128 if args.words == 12 else 256)
        account = Wallet.from_mnemonic(secret).account(0)
        out.update(
            kind="mnemonic",
            words=args.words,
            identity_address=account.identity_address,
            stx_address=account.stx_address(),
        )
        label = "mnemonic"
    else:
        secret = generate_transit_key()
        public = get_public_key(secret)
        out.update(kind="transit_key", public_key=public, address=btc_address(public))
        label = "private key"
    if args.out is not None:
        write_secret(args.out, secret)
        out["written_to"] = args.out
    if args.show_secrets:
        out["mnemonic" if args.mnemonic else "private_key"] = secret
    if args.json:
        emit_json(out)
        return EXIT_OK
    for key in ("public_key", "address", "identity_address", "stx_address", "written_to"):
        if key in out:
            say(f"{key.replace('_', ' ')}: {out[key]}")
    if args.show_secrets:
        say(f"{label}: {secret}")
    elif args.out is None:
        print_note(f"the {label} was neither shown (--show-secrets) nor saved (--out FILE)")
    return EXIT_OK
