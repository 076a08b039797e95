"""Scopes: the known ones, collection and unknown scopes, validation, descriptions, and the
top-level ``scopes`` package re-exporting `authtokens.scopes`."""

from __future__ import annotations

from typing import Any

import pytest

import scopes
from authtokens import scopes as inner
from authtokens.errors import InvalidScopeError, InvalidTokenError
from authtokens.scopes import (
    DEFAULT_SCOPES,
    MAX_SCOPE_LENGTH,
    MAX_SCOPES,
    Scope,
    describe_scope,
    describe_scopes,
    parse_scopes,
)


def test_top_level_package_is_the_same_module_surface() -> None:
    assert scopes.__all__ == inner.__all__
    for name in scopes.__all__:
        assert getattr(scopes, name) is getattr(inner, name)


def test_known_scopes_are_strings() -> None:
    assert str(Scope.STORE_WRITE) == "store_write"
    assert parse_scopes(["store_write", "publish_data", "email"]) == (
        Scope.STORE_WRITE,
        Scope.PUBLISH_DATA,
        Scope.EMAIL,
    )
    assert DEFAULT_SCOPES == (Scope.STORE_WRITE,)
    assert parse_scopes([]) == ()


def test_collection_scopes() -> None:
    (scope,) = parse_scopes(["collection.contact"])
    assert isinstance(scope, Scope)
    assert scope == "collection.contact"
    assert scope.is_collection
    assert scope.is_known
    assert scope.collection == "contact"
    assert Scope.EMAIL.collection is None


@pytest.mark.parametrize("bad", ["collection.", "collection..x", "collection.a b"])
def test_malformed_collection_scopes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidScopeError):
        parse_scopes([bad])


def test_unknown_scopes_only_when_allowed() -> None:
    with pytest.raises(InvalidScopeError, match="unknown scope"):
        parse_scopes(["read_mail"])
    (scope,) = parse_scopes(["read_mail"], allow_unknown=True)
    assert scope == "read_mail"
    assert not scope.is_known
    assert "Unrecognised" in scope.description


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("store_write", "must be a list"),
        (["store_write", "store_write"], "listed twice"),
        ([1], "must be a string"),
        ([""], "empty or malformed"),
        (["a b"], "empty or malformed"),
        (["x" * (MAX_SCOPE_LENGTH + 1)], "empty or malformed"),
        ([f"collection.x{i}" for i in range(MAX_SCOPES + 1)], f"at most {MAX_SCOPES}"),
    ],
)
def test_validation(value: Any, message: str) -> None:
    with pytest.raises(InvalidScopeError, match=message) as info:
        parse_scopes(value, allow_unknown=True)
    assert isinstance(info.value, InvalidTokenError)
    assert info.value.code == "invalid_scope"


def test_unknown_constructor_checks_form() -> None:
    assert Scope.unknown("store_write") is Scope.STORE_WRITE
    with pytest.raises(InvalidScopeError):
        Scope.unknown("two words")


def test_descriptions() -> None:
    assert describe_scopes(["store_write", "collection.photos"]) == [
        "Read and write data in this app's storage bucket on your Gaia hub",
        "Read and write your 'photos' collection",
    ]
    assert describe_scope(Scope.EMAIL) == Scope.EMAIL.description == "See your email address"
