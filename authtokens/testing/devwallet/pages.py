"""The dev wallet's HTML pages, as pure functions of what they show.

Every value that reaches the HTML goes through `esc` (``html.escape`` with quotes), including
values that come from tokens: app names, origins, claims and error messages are attacker
controlled. Pages carry no script except the tiny ``window.close()`` of the finished popup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from ...checks import Check

__all__ = [
    "CHECK_WORDS",
    "CLOSE_SCRIPT",
    "AccountChoice",
    "consent_page",
    "done_page",
    "esc",
    "failed_checks_page",
    "index_page",
    "inspector_page",
    "message_page",
    "rpc_consent_page",
]

#: What each check of `check_auth_request` / `check_auth_response` means, in words.
CHECK_WORDS = {
    "format": "The token is a well-formed compact JWT (three base64url parts, JSON object).",
    "algorithm": "The header's algorithm is exactly ES256K (unsigned tokens are refused).",
    "critical": "The header asks for no critical (crit) extensions, which nobody understands.",
    "public_keys": "The token names exactly one valid secp256k1 public key.",
    "issuer_format": "The issuer (iss) is a well-formed did:btc-addr: DID.",
    "signature": "The signature verifies with the token's public key.",
    "issuer": "The issuer DID is the address of the token's public key.",
    "times": "The token is already valid (iat) and not expired (exp), within the leeway.",
    "token_type": "It is an authResponse (private_key present, no authRequest-only claims).",
    "claims": "The claims have the right types (jti, flags, version, appDetails).",
    "domain_name": "domain_name is an http(s) origin.",
    "manifest_uri": "manifest_uri is on the app's origin.",
    "redirect_uri": "redirect_uri is on the app's origin (where the answer would be sent).",
    "scopes": "Every scope asked for is known and well formed.",
    "version": "The protocol version is one this library reads.",
    "private_key": "The app private key is encrypted (not sent in clear).",
}

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
.warn{background:#fff3cd;border:2px solid #c77700;padding:.75rem;font-weight:bold}
.bad{color:#a00}.ok{color:#070}table{border-collapse:collapse}td,th{padding:.2rem .5rem;
text-align:left;vertical-align:top}pre{background:#f4f4f4;padding:.5rem;overflow:auto;
white-space:pre-wrap;word-break:break-all}img.icon{width:48px;height:48px}
button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}
"""

TEST_MNEMONIC_WARNING = (
    "DEVELOPMENT WALLET. It holds the public test mnemonic: anyone can spend from and sign "
    "as these accounts. Never send real funds to them."
)
DEV_WARNING = "DEVELOPMENT WALLET: keys live in a local file; do not use it for real funds."


def esc(value: object) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes."""
    return escape(str(value), quote=True)


@dataclass(frozen=True, slots=True)
class AccountChoice:
    """One entry of the account picker."""

    index: int
    stx_address: str
    identity_address: str


def _iso(seconds: Any) -> str:
    try:
        return datetime.fromtimestamp(float(seconds), UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError, TypeError):
        return "out of range"


def _page(title: str, body: str, *, test_mnemonic: bool) -> str:
    warning = TEST_MNEMONIC_WARNING if test_mnemonic else DEV_WARNING
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)} · authtokens dev wallet</title><style>{_STYLE}</style></head>"
        f"<body><p class=warn role=alert id=warning>{esc(warning)}</p>"
        f"<h1>{esc(title)}</h1>{body}"
        '<p><small><a href="/">dev wallet</a> · <a href="/inspect">token inspector</a>'
        "</small></p></body></html>"
    )


def _hidden(name: str, value: str) -> str:
    return f'<input type=hidden name="{esc(name)}" value="{esc(value)}">'


def _account_picker(accounts: Sequence[AccountChoice], selected: int = 0) -> str:
    options = "".join(
        f'<option value="{a.index}"{" selected" if a.index == selected else ""}>'
        f"Account {a.index + 1}: {esc(a.stx_address)}</option>"
        for a in accounts
    )
    return f"<p><label>Account <select name=account id=account>{options}</select></label></p>"


def _checks_list(checks: Iterable[Check]) -> str:
    rows = []
    for check in checks:
        words = CHECK_WORDS.get(check.name, check.name)
        if check.error is None:
            rows.append(f"<li class=ok>pass · {esc(words)}</li>")
        else:
            rows.append(
                f"<li class=bad><strong>FAILED · {esc(words)}</strong><br>"
                f"<code>{esc(check.code)}</code>: {esc(check.error.message)}</li>"
            )
    return f"<ul id=checks>{''.join(rows)}</ul>"


def index_page(
    *, accounts: Sequence[AccountChoice], base_url: str, auto_approve: bool, test_mnemonic: bool
) -> str:
    """The home page: the accounts, and how to use the wallet from a dapp."""
    rows = "".join(
        f"<tr><td>{a.index + 1}</td><td><code>{esc(a.stx_address)}</code></td>"
        f"<td><code>{esc(a.identity_address)}</code></td></tr>"
        for a in accounts
    )
    mode = (
        "auto-approve (test mode): requests are answered without asking"
        if auto_approve
        else ("every request asks for consent")
    )
    body = (
        f"<p>Mode: {esc(mode)}.</p>"
        "<h2>Accounts</h2><table><tr><th>#</th><th>STX address</th><th>identity address</th></tr>"
        f"{rows}</table>"
        "<h2>Legacy sign-in (authRequest)</h2>"
        f"<p>Send users to <code>{esc(base_url)}/auth?authRequest=…</code>.</p>"
        "<h2>Connect 8 (SIP-030)</h2>"
        f'<p>Include <code>&lt;script src="{esc(base_url)}/provider.js"&gt;&lt;/script&gt;'
        "</code> in the dapp page during development: it registers "
        "<code>window.AuthtokensDevWallet</code> in <code>window.wbip_providers</code> and, when "
        "no wallet extension did, as <code>window.StacksProvider</code>.</p>"
    )
    return _page("authtokens dev wallet", body, test_mnemonic=test_mnemonic)


def consent_page(
    *,
    token: str,
    origin: str,
    app_name: str | None,
    app_icon: str | None,
    scopes: Sequence[tuple[str, str]],
    accounts: Sequence[AccountChoice],
    csrf: str,
    manifest_note: str | None,
    test_mnemonic: bool,
) -> str:
    """The legacy consent page: who asks, for what, with which account; Approve or Deny."""
    icon = f'<img class=icon alt="" src="{esc(app_icon)}">' if app_icon else ""
    name = esc(app_name) if app_name else f"An app at {esc(origin)}"
    scope_items = "".join(
        f"<li><code>{esc(scope)}</code>: {esc(words)}</li>" for scope, words in scopes
    )
    note = f"<p><small>{esc(manifest_note)}</small></p>" if manifest_note else ""
    body = (
        f"<p>{icon} <strong id=app-name>{name}</strong></p>"
        f"<p>Origin: <code id=origin>{esc(origin)}</code></p>{note}"
        f"<p>wants you to sign in. It asks to:</p><ul id=scopes>{scope_items}</ul>"
        '<form method=post action="/auth/answer">'
        f"{_hidden('authRequest', token)}{_hidden('csrf', csrf)}"
        f"{_account_picker(accounts)}"
        "<button name=decision value=approve id=approve>Approve</button>"
        "<button name=decision value=deny id=deny>Deny</button></form>"
    )
    return _page("Sign in", body, test_mnemonic=test_mnemonic)


def failed_checks_page(
    *, checks: Sequence[Check], payload: dict[str, Any] | None, test_mnemonic: bool
) -> str:
    """A request that failed verification: every check, the failed ones in words."""
    failed = sum(1 for c in checks if c.error is not None)
    claims = (
        f"<h2>Claims</h2><pre>{esc(json.dumps(payload, indent=2, ensure_ascii=False))}</pre>"
        if payload is not None
        else ""
    )
    body = (
        f"<p class=bad id=summary>This sign-in request failed {failed} of {len(checks)} "
        "checks. A wallet must refuse it; nothing was signed.</p>"
        f"{_checks_list(checks)}{claims}"
    )
    return _page("Request refused", body, test_mnemonic=test_mnemonic)


def inspector_page(
    *,
    token: str,
    kind: str | None,
    header: dict[str, Any] | None,
    payload: dict[str, Any] | None,
    checks: Sequence[Check],
    error: str | None,
    now: float,
    test_mnemonic: bool,
) -> str:
    """The token inspector: a form, and for a pasted token its header, claims, times, checks."""
    form = (
        '<form method=post action="/inspect"><p><textarea name=token rows=6 cols=80 '
        f'id=token placeholder="paste a token or a URL carrying one">{esc(token)}</textarea>'
        "</p><button id=inspect>Inspect</button></form>"
    )
    result = ""
    if error is not None:
        result = f"<p class=bad id=error>{esc(error)}</p>"
    elif header is not None and payload is not None:
        times = "".join(
            f"<tr><td>{esc(name)}</td><td>{esc(payload[name])}</td>"
            f"<td>{esc(_iso(payload[name]))}</td></tr>"
            for name in ("iat", "nbf", "exp")
            if isinstance(payload.get(name), int | float) and not isinstance(payload[name], bool)
        )
        result = (
            f"<h2>Type</h2><p id=kind>{esc(kind)}</p>"
            f"<h2>Header</h2><pre id=header>{esc(json.dumps(header, ensure_ascii=False))}</pre>"
            "<h2>Claims</h2>"
            f"<pre id=claims>{esc(json.dumps(payload, indent=2, ensure_ascii=False))}</pre>"
            f"<h2>Times</h2><table id=times>{times}</table>"
            f"<h2>Checks (at {esc(_iso(now))})</h2>"
            + (_checks_list(checks) if checks else "<p>No checks for this kind of token.</p>")
        )
    return _page("Token inspector", form + result, test_mnemonic=test_mnemonic)


def rpc_consent_page(
    *,
    request_id: str,
    origin: str,
    method: str,
    details: Sequence[tuple[str, str]],
    warnings: Sequence[str],
    accounts: Sequence[AccountChoice],
    csrf: str,
    test_mnemonic: bool,
) -> str:
    """The SIP-030 consent popup: which site asks, the method, what would be signed."""
    rows = "".join(
        f"<tr><th>{esc(label)}</th><td><pre>{esc(value)}</pre></td></tr>"
        for label, value in details
    )
    alerts = ""
    if warnings:
        items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
        alerts = (
            "<div class=bad id=warnings><p><strong>This sign-in message fails the wallet's "
            f"checks; a real wallet should refuse it:</strong></p><ul>{items}</ul></div>"
        )
    body = (
        f"<p>Origin: <code id=origin>{esc(origin)}</code></p>"
        f"<p>Method: <code id=method>{esc(method)}</code></p>{alerts}"
        f"<table id=details>{rows}</table>"
        f'<form method=post action="/rpc/consent/{esc(request_id)}">{_hidden("csrf", csrf)}'
        f"{_account_picker(accounts)}"
        "<button name=decision value=approve id=approve>Approve</button>"
        "<button name=decision value=deny id=deny>Deny</button></form>"
    )
    return _page("Wallet request", body, test_mnemonic=test_mnemonic)


#: The one inline script of any page (the finished popup closes itself); CSP allows its hash.
CLOSE_SCRIPT = "window.close()"


def done_page(text: str, *, test_mnemonic: bool) -> str:
    """What the popup shows once answered; it closes itself."""
    body = f"<p id=done>{esc(text)}</p><script>{CLOSE_SCRIPT}</script>"
    return _page("Done", body, test_mnemonic=test_mnemonic)


def message_page(title: str, text: str, *, test_mnemonic: bool) -> str:
    """A plain page with one message (errors such as an unknown request)."""
    return _page(title, f"<p id=message>{esc(text)}</p>", test_mnemonic=test_mnemonic)
