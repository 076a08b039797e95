"""The Django app of `authtokens.integrations.django`."""

from __future__ import annotations

from django.apps import AppConfig


class AuthtokensConfig(AppConfig):
    """Sign in with Stacks: accounts linked to users, nonces, sign-in events."""

    name = "authtokens.integrations.django"
    label = "authtokens"
    verbose_name = "Stacks sign-in"
    default_auto_field = "django.db.models.BigAutoField"
