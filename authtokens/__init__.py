"""authtokens: Stacks-compatible auth tokens and key-based sign-in for Python.

The app side of sign-in::

    transit_key = authtokens.generate_transit_key()
    token = authtokens.make_auth_request(transit_key, app_domain="https://app.example.com")
    ...  # the wallet answers with an authResponse token
    user = authtokens.decode_auth_response(response_token, transit_key)
    user.app_private_key

The wallet side::

    request = authtokens.verify_auth_request(token)
    account = Wallet.from_mnemonic(phrase).account(0)
    response = authtokens.make_auth_response_for_request(request, account)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .auth_request import AuthRequest, check_auth_request, make_auth_request, verify_auth_request
from .auth_response import (
    AuthResponse,
    check_auth_response,
    make_auth_response,
    make_auth_response_for_request,
    verify_auth_response,
)
from .errors import (
    AuthTokenError,
    DecryptionError,
    ExpiredTokenError,
    InvalidKeyError,
    InvalidSignatureError,
    InvalidTokenError,
    UsageError,
)
from .keys import generate_transit_key, get_public_key
from .replay import MemoryReplayCache, ReplayCache
from .sign_in import UserData, decode_auth_response
from .wallet import Account, Wallet

if TYPE_CHECKING:
    from .stores.redis import RedisReplayCache
    from .stores.sqlite import SQLiteReplayCache

__version__ = "0.1.0"

__all__ = [
    "Account",
    "AuthRequest",
    "AuthResponse",
    "AuthTokenError",
    "DecryptionError",
    "ExpiredTokenError",
    "InvalidKeyError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "MemoryReplayCache",
    "RedisReplayCache",
    "ReplayCache",
    "SQLiteReplayCache",
    "UsageError",
    "UserData",
    "Wallet",
    "__version__",
    "check_auth_request",
    "check_auth_response",
    "decode_auth_response",
    "generate_transit_key",
    "get_public_key",
    "make_auth_request",
    "make_auth_response",
    "make_auth_response_for_request",
    "verify_auth_request",
    "verify_auth_response",
]


def __getattr__(name: str) -> Any:
    """PEP 562: the replay caches that need ``sqlite3`` or ``redis`` load on first use, so
    ``import authtokens`` loads neither."""
    if name in ("SQLiteReplayCache", "RedisReplayCache"):
        from . import stores

        return getattr(stores, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
