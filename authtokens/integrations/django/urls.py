"""``path("auth/", include("authtokens.integrations.django.urls"))``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "authtokens"

urlpatterns = [
    path("siws/nonce", views.nonce, name="siws-nonce"),
    path("siws/verify", views.verify, name="siws-verify"),
    path("stacks/login", views.login, name="stacks-login"),
    path("stacks/callback", views.callback, name="stacks-callback"),
    path("session", views.session, name="session"),
    path("logout", views.logout, name="logout"),
    path("accounts", views.accounts, name="accounts"),
    path("accounts/link", views.link, name="accounts-link"),
    path("accounts/unlink", views.unlink, name="accounts-unlink"),
]
