"""The Django example's page: "Sign in with Stacks", the legacy link, the signed-in user."""

from __future__ import annotations

import html
import os
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie

from authtokens.integrations import Session
from authtokens.integrations.django.service import service

BUNDLE = Path(__file__).resolve().parents[2] / "frontend" / "dist" / "signin.js"


def _user_html(session: Session | None) -> str:
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


@ensure_csrf_cookie  # the front end sends the csrftoken cookie back as X-CSRFToken
def home(request: HttpRequest) -> HttpResponse:
    found = service().session_of(request, None)
    session = found[1] if found else None
    provider = os.environ.get("AUTH_DEV_PROVIDER")
    provider_tag = f'<script src="{html.escape(provider)}"></script>' if provider else ""
    prefix = html.escape(settings.AUTHTOKENS.get("PREFIX", "/auth"))
    note = "" if BUNDLE.exists() else "<p>The front end is not built: run make frontend.</p>"
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>authtokens: Django sign-in example</title></head>
<body>
<h1>Sign in with Stacks (Django)</h1>
{_user_html(session)}
<p id="auth-status" data-state="{"signed-in" if session else "signed-out"}"></p>
<button id="siws-button" type="button">Sign in with Stacks</button>
<button id="logout-button" type="button">Sign out</button>
<p><a id="legacy-link" href="{prefix}/stacks/login?next=/">
  Sign in with a Stacks authenticator</a></p>
{note}
{provider_tag}
<script src="/static/signin.js" data-auth-prefix="{prefix}"
        data-statement="Sign in to the authtokens Django example."></script>
</body>
</html>
"""
    response = HttpResponse(page)
    response["Cache-Control"] = "no-store"
    return response


def bundle(request: HttpRequest) -> HttpResponse:
    if BUNDLE.exists():
        return FileResponse(BUNDLE.open("rb"), content_type="text/javascript")
    return HttpResponse("front end not built: run make frontend", status=404)


def manifest(request: HttpRequest) -> JsonResponse:
    config = service().config
    response = JsonResponse({"name": config.app_name, "start_url": config.uri, "icons": []})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
