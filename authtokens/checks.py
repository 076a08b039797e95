"""Running verification checks one after another: stop at the first failure, or collect all.

Verifiers describe their checks once and run them through a `CheckRunner`. With
``collect=False`` (verification) the first failure propagates as its own `InvalidTokenError`
subclass; with ``collect=True`` (display, the CLI's ``decode``) every outcome is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from .errors import InvalidTokenError

__all__ = ["Check", "CheckRunner"]

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome: ``error`` is None when it passed."""

    name: str
    error: InvalidTokenError | None

    @property
    def passed(self) -> bool:
        return self.error is None

    @property
    def code(self) -> str:
        return "ok" if self.error is None else self.error.code


class CheckRunner:
    """Calls checks; see the module docstring."""

    __slots__ = ("collect", "ok", "results")

    def __init__(self, collect: bool) -> None:
        self.collect = collect
        self.ok = True
        self.results: list[Check] = []

    def __call__(
        self, name: str, check: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        if not self.collect:
            return check(*args, **kwargs)
        try:
            result = check(*args, **kwargs)
        except InvalidTokenError as exc:
            self.ok = False
            self.results.append(Check(name, exc))
            return None
        self.results.append(Check(name, None))
        return result
