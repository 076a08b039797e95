"""The one error tree: every class is reachable from the root, codes are unique, the drawing in
the module docstring matches the classes, and every error class the package defines lives in
`authtokens.errors`."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import TypeVar

import pytest

from authtokens import errors
from authtokens.errors import AuthTokenError, InvalidTokenError, SignInError, UsageError

T = TypeVar("T", bound=AuthTokenError)
PACKAGE = Path(errors.__file__).parent


def _classes() -> list[type[AuthTokenError]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if obj.__module__ == errors.__name__ and issubclass(obj, AuthTokenError)
    ]


def _walk(root: type[T]) -> list[type[T]]:
    out = [root]
    for sub in root.__subclasses__():
        out.extend(_walk(sub))
    return out


def test_every_class_is_reachable_from_the_root() -> None:
    reachable = set(_walk(AuthTokenError))
    defined = [obj for obj in vars(errors).values() if inspect.isclass(obj)]
    assert {c for c in defined if c.__module__ == errors.__name__} == reachable
    assert all(cls.__module__ == errors.__name__ for cls in reachable)


def test_codes_are_unique_per_class() -> None:
    codes = [cls.code for cls in _classes()]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
    assert all(cls.code == cls.__dict__["code"] for cls in _classes())


def test_all_lists_every_class() -> None:
    assert sorted(errors.__all__) == sorted(cls.__name__ for cls in _classes())


@pytest.mark.parametrize("cls", _classes(), ids=lambda cls: cls.__name__)
def test_the_drawing_names_each_class_with_its_code(cls: type[AuthTokenError]) -> None:
    doc = errors.__doc__ or ""
    assert re.search(rf"\b{cls.__name__}\s+\"{re.escape(cls.code)}\"", doc), cls.__name__


def test_families() -> None:
    assert issubclass(SignInError, InvalidTokenError)
    assert not issubclass(UsageError, InvalidTokenError)
    for cls in _walk(SignInError):
        assert 400 <= cls.status < 500


def test_no_error_class_is_defined_outside_errors_py() -> None:
    stray = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                bases = {ast.unparse(b) for b in node.bases}
                if node.name.endswith("Error") or bases & {"Exception", "ValueError"}:
                    stray.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert stray == []
