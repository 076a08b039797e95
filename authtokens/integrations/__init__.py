"""Sign-in for web apps: Sign-In with Stacks and the legacy authRequest flow, server-side
sessions, bearer tokens and linked accounts.

The core (`StacksAuth`, `AuthConfig`) is framework-free; `authtokens.integrations.fastapi`
(FastAPI or plain Starlette, extra ``authtokens[fastapi]``) adapts it to HTTP.
"""

from __future__ import annotations

from .config import MAINNET, TESTNET, AuthConfig, CookieSettings
from .core import LEGACY, SIWS, LegacyLogin, Session, SignIn, StacksAuth, safe_next

__all__ = [
    "LEGACY",
    "MAINNET",
    "SIWS",
    "TESTNET",
    "AuthConfig",
    "CookieSettings",
    "LegacyLogin",
    "Session",
    "SignIn",
    "StacksAuth",
    "safe_next",
]
