"""The Django example's page: "Sign in with Stacks", the legacy link, the signed-in user."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie

from authtokens.integrations.django.service import service

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # examples/signin_page.py
import signin_page
from signin_page import BUNDLE


@ensure_csrf_cookie  # the front end sends the csrftoken cookie back as X-CSRFToken
def home(request: HttpRequest) -> HttpResponse:
    found = service().session_of(request, None)
    session = found[1] if found else None
    prefix = settings.AUTHTOKENS.get("PREFIX", "/auth")
    page = signin_page.page("Django", prefix, session)
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
