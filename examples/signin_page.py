"""The page both web examples serve (`fastapi_app.py`, `django_app`): "Sign in with Stacks",
the legacy link and the signed-in user. Every value from the session or the environment is
escaped; ``AUTH_DEV_PROVIDER`` names a development wallet's ``provider.js`` to include."""

from __future__ import annotations

import html
import os
from pathlib import Path

from authtokens.integrations import Session

#: The Connect 8 front end, built by ``make frontend``; the apps serve it at /static/signin.js.
BUNDLE = Path(__file__).resolve().parent / "frontend" / "dist" / "signin.js"


def user_html(session: Session | None) -> str:
    """Who is signed in, as a ``<dl id="user">`` (or a "Not signed in." paragraph)."""
    if session is None:
        return '<p id="user" data-signed-in="false">Not signed in.</p>'
    rows: list[tuple[str, str | None]] = [
        ("Address", session.address),
        ("Account", session.account_id),
        ("Signed in with", session.method),
    ]
    if session.did is not None:
        rows += [("DID", session.did), ("STX address (from the profile)", session.stx_address)]
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v or '-')}</dd>" for k, v in rows)
    return f'<dl id="user" data-signed-in="true">{items}</dl>'


def page(framework: str, prefix: str, session: Session | None) -> str:
    """The home page of the ``framework`` example whose sign-in routes are under ``prefix``."""
    provider = os.environ.get("AUTH_DEV_PROVIDER")
    provider_tag = f'<script src="{html.escape(provider)}"></script>' if provider else ""
    prefix = html.escape(prefix)
    name = html.escape(framework)
    bundle_note = (
        ""
        if BUNDLE.exists()
        else "<p>The front end is not built: run <code>make frontend</code>.</p>"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>authtokens: {name} sign-in example</title>
</head>
<body>
<h1>Sign in with Stacks ({name})</h1>
{user_html(session)}
<p id="auth-status" data-state="{"signed-in" if session else "signed-out"}"></p>
<button id="siws-button" type="button">Sign in with Stacks</button>
<button id="logout-button" type="button">Sign out</button>
<p><a id="legacy-link" href="{prefix}/stacks/login?next=/">
  Sign in with a Stacks authenticator</a></p>
{bundle_note}
{provider_tag}
<script src="/static/signin.js" data-auth-prefix="{prefix}"
        data-statement="Sign in to the authtokens {name} example."></script>
</body>
</html>
"""
