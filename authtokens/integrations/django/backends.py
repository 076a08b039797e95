"""The authentication backend: ``authenticate(request, stacks_account=account)`` gives the
account's user, so ``django.contrib.auth.login`` and ``request.user`` work as usual. The
account must come from a verified sign-in (`authtokens.integrations.django.service`); the
backend answers nothing for credentials of any other kind."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from .models import StacksAccount

BACKEND = "authtokens.integrations.django.backends.StacksAccountBackend"


class StacksAccountBackend:
    """Authenticates the user a verified `StacksAccount` belongs to."""

    def authenticate(
        self, request: HttpRequest | None, stacks_account: StacksAccount | None = None, **_: Any
    ) -> Any:
        if not isinstance(stacks_account, StacksAccount):
            return None
        user = stacks_account.user
        return user if getattr(user, "is_active", True) else None

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if getattr(user, "is_active", True) else None
