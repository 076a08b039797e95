"""``settings.AUTHTOKENS``: the integration's options, read once.

Keys (upper case): ``DOMAIN`` and ``URI`` (required), ``ALLOWED_ORIGINS`` (default: the URI's
origin), ``NONCE_STORE`` (``"database"``, the default, or a ``redis://`` URL),
``CHAIN_ID``, ``SESSION_LIFETIME``, ``TOKEN_LIFETIME``, ``NONCE_LIFETIME``,
``LOGIN_LIFETIME``, ``AUTHENTICATOR_URL`` (None: legacy flow off), ``SCOPES``, ``APP_NAME``,
``KEEP_APP_PRIVATE_KEY``, ``SIGNING_KEY_PATH``, ``ISSUER``, ``AUDIENCE``, ``LEEWAY``,
``MAX_AGE``. The prefix is where you include the urls (``auth/`` gives ``/auth``), set it as
``PREFIX`` too so the legacy redirect URI is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

from ...errors import InvalidArgumentError
from ..config import AuthConfig

__all__ = ["DjangoAuthSettings", "auth_settings"]

_CONFIG_KEYS = {
    "DOMAIN": "domain",
    "URI": "uri",
    "ALLOWED_ORIGINS": "allowed_origins",
    "CHAIN_ID": "chain_id",
    "PREFIX": "prefix",
    "SESSION_LIFETIME": "session_lifetime",
    "TOKEN_LIFETIME": "token_lifetime",
    "NONCE_LIFETIME": "nonce_lifetime",
    "LOGIN_LIFETIME": "login_lifetime",
    "AUTHENTICATOR_URL": "authenticator_url",
    "SCOPES": "scopes",
    "APP_NAME": "app_name",
    "KEEP_APP_PRIVATE_KEY": "keep_app_private_key",
    "SIGNING_KEY_PATH": "signing_key_path",
    "ISSUER": "issuer",
    "AUDIENCE": "audience",
    "LEEWAY": "leeway",
    "MAX_AGE": "max_age",
}


@dataclass(frozen=True, slots=True)
class DjangoAuthSettings:
    """The shared `AuthConfig` plus what only Django has: the nonce store choice."""

    config: AuthConfig
    nonce_store: str


@lru_cache(maxsize=1)
def auth_settings() -> DjangoAuthSettings:
    """Read ``settings.AUTHTOKENS`` (cached; tests call ``auth_settings.cache_clear()``)."""
    raw: dict[str, Any] = dict(getattr(settings, "AUTHTOKENS", {}))
    nonce_store = str(raw.pop("NONCE_STORE", "database"))
    unknown = set(raw) - set(_CONFIG_KEYS)
    if unknown:
        raise InvalidArgumentError(f"unknown AUTHTOKENS settings: {sorted(unknown)}")
    options = {_CONFIG_KEYS[k]: v for k, v in raw.items()}
    for name in ("allowed_origins", "scopes"):
        if name in options:
            options[name] = tuple(options[name])
    if nonce_store != "database" and not nonce_store.startswith(("redis://", "rediss://")):
        raise InvalidArgumentError("AUTHTOKENS NONCE_STORE must be 'database' or a redis:// URL")
    return DjangoAuthSettings(AuthConfig(**options), nonce_store)
