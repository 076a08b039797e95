"""Scopes an app asks for in a Stacks authRequest, and what they mean to a user.

The top-level ``scopes`` package re-exports this module (``from scopes import Scope``).

The known scopes are those Stacks authenticators accept: ``store_write`` (the default),
``publish_data``, ``email`` and ``collection.<name>``. `Scope` is a str enum, so a scope
compares equal to its string and serialises as one; collection scopes and, when the caller
allows them, unknown scope strings are carried as extra members of the same type::

    >>> parse_scopes(["store_write", "collection.contact"])
    (<Scope.STORE_WRITE: 'store_write'>, <Scope.collection.contact: 'collection.contact'>)
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from .errors import InvalidScopeError

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

COLLECTION_PREFIX = "collection."
MAX_SCOPES = 32
MAX_SCOPE_LENGTH = 128


def _is_well_formed(value: str) -> bool:
    return 0 < len(value) <= MAX_SCOPE_LENGTH and value.isprintable() and " " not in value


class Scope(StrEnum):
    """A scope string. Members beyond the named ones are collection or unknown scopes."""

    STORE_WRITE = "store_write"
    PUBLISH_DATA = "publish_data"
    EMAIL = "email"

    @classmethod
    def _missing_(cls, value: object) -> Scope | None:
        # Scope("collection.contact") works; unknown strings need parse_scopes(allow_unknown=True).
        if isinstance(value, str) and value.startswith(COLLECTION_PREFIX):
            name = value[len(COLLECTION_PREFIX) :]
            if _is_well_formed(value) and name and "." not in name[:1]:
                return cls._pseudo_member(value)
        return None

    @classmethod
    def _pseudo_member(cls, value: str) -> Scope:
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @classmethod
    def unknown(cls, value: str) -> Scope:
        """A member carrying a scope string this library does not know (validated for form)."""
        if not isinstance(value, str) or not _is_well_formed(value):
            raise InvalidScopeError(f"scope {value!r} is malformed")
        try:
            return cls(value)
        except ValueError:
            return cls._pseudo_member(value)

    @property
    def is_known(self) -> bool:
        """True for the named scopes and collection scopes."""
        return self.value in _DESCRIPTIONS or self.is_collection

    @property
    def is_collection(self) -> bool:
        return self.value.startswith(COLLECTION_PREFIX)

    @property
    def collection(self) -> str | None:
        """The collection name of a ``collection.<name>`` scope."""
        return self.value[len(COLLECTION_PREFIX) :] if self.is_collection else None

    @property
    def description(self) -> str:
        """A one-line description a wallet can show the user."""
        return describe_scope(self)


DEFAULT_SCOPES: tuple[Scope, ...] = (Scope.STORE_WRITE,)

_DESCRIPTIONS = {
    "store_write": "Read and write data in this app's storage bucket on your Gaia hub",
    "publish_data": "Publish data so that other users of this app can read it",
    "email": "See your email address",
}


def describe_scope(scope: Scope | str) -> str:
    """One line of plain language describing what granting ``scope`` allows."""
    value = str(scope)
    if value in _DESCRIPTIONS:
        return _DESCRIPTIONS[value]
    if value.startswith(COLLECTION_PREFIX):
        return f"Read and write your '{value[len(COLLECTION_PREFIX) :]}' collection"
    return f"Unrecognised permission '{value}' (not known to this wallet)"


def describe_scopes(scopes: Iterable[Scope | str]) -> list[str]:
    """`describe_scope` for each scope, in order."""
    return [describe_scope(s) for s in scopes]


def parse_scopes(value: Any, *, allow_unknown: bool = False) -> tuple[Scope, ...]:
    """Validate a list of scope strings and return them as `Scope` members, in order.

    Requires a list or tuple (not a bare string) of at most `MAX_SCOPES` non-empty, printable
    strings without spaces, no duplicates, each a known scope (``store_write``,
    ``publish_data``, ``email``, ``collection.<name>``) unless ``allow_unknown``. An empty list
    is valid. Raises `InvalidScopeError` (an `InvalidTokenError`) naming the problem.
    """
    if not isinstance(value, list | tuple):
        raise InvalidScopeError(f"scopes must be a list of strings, got {type(value).__name__}")
    if len(value) > MAX_SCOPES:
        raise InvalidScopeError(f"at most {MAX_SCOPES} scopes are allowed, got {len(value)}")
    result: list[Scope] = []
    for item in value:
        if not isinstance(item, str):
            raise InvalidScopeError(f"each scope must be a string, got {type(item).__name__}")
        if not _is_well_formed(item):
            raise InvalidScopeError(f"scope {item!r} is empty or malformed")
        try:
            scope = Scope(item)
        except ValueError:
            if not allow_unknown:
                raise InvalidScopeError(f"unknown scope {item!r}") from None
            scope = Scope.unknown(item)
        if scope in result:
            raise InvalidScopeError(f"scope {item!r} is listed twice")
        result.append(scope)
    return tuple(result)
