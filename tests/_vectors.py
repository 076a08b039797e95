"""Loading of the committed test vectors (reference-generated JSON and Wycheproof)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).parent / "vectors"
WYCHEPROOF = VECTORS / "wycheproof"
# A directory of freshly generated reference vectors (tools/vectors/generate.mjs --seed ...)
# replaces the committed ones of the same names.
FRESH = os.environ.get("AUTHTOKENS_VECTORS")


def load(name: str) -> dict[str, Any] | None:
    """A vector file under tests/vectors, or None when it has not been generated."""
    path = VECTORS / name
    if FRESH and (Path(FRESH) / name).exists():
        path = Path(FRESH) / name
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def cases(name: str, key: str = "cases", id_field: str = "name") -> list[Any]:
    """pytest params for every case of ``key`` in a vector file (one skipped param if absent)."""
    data = load(name)
    if data is None:
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{name} not generated"))]
    out = []
    for i, case in enumerate(data[key]):
        ident = case.get(id_field) if isinstance(case, dict) else None
        out.append(pytest.param(case, id=f"{i}-{ident}" if ident else str(i)))
    return out


def wycheproof(name: str) -> list[Any]:
    """pytest params, one per Wycheproof test, each carrying (group, test)."""
    data = json.loads((WYCHEPROOF / name).read_text(encoding="utf-8"))
    return [
        pytest.param(group, test, id=f"tc{test['tcId']}-{test['result']}")
        for group in data["testGroups"]
        for test in group["tests"]
    ]
