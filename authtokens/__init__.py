"""authtokens: Stacks-compatible auth tokens and key-based sign-in for Python."""

from __future__ import annotations

from .errors import AuthTokenError, InvalidTokenError
from .keys import generate_transit_key, get_public_key

__all__ = [
    "AuthTokenError",
    "InvalidTokenError",
    "generate_transit_key",
    "get_public_key",
]
