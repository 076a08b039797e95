"""Scopes an app asks for in a Stacks authRequest: `Scope`, `parse_scopes` and friends.

This package is the public name for `authtokens.scopes`, which it re-exports; it imports
nothing else, so there is no circle between the two packages.
"""

from __future__ import annotations

from authtokens.scopes import (
    COLLECTION_PREFIX,
    DEFAULT_SCOPES,
    MAX_SCOPE_LENGTH,
    MAX_SCOPES,
    Scope,
    describe_scope,
    describe_scopes,
    parse_scopes,
)

__all__ = [
    "COLLECTION_PREFIX",
    "DEFAULT_SCOPES",
    "MAX_SCOPES",
    "MAX_SCOPE_LENGTH",
    "Scope",
    "describe_scope",
    "describe_scopes",
    "parse_scopes",
]
