"""The floors hold (tools/import_graph.py): imports only go down or sideways, the pure floors
import no I/O module and read no clock, and the base install's modules load no extra."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import authtokens

ROOT = Path(__file__).resolve().parent.parent


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools/import_graph.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


import_graph = _tool()


def test_every_import_goes_down_or_sideways() -> None:
    assert import_graph.violations() == []


def test_the_checker_sees_function_level_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import sqlite3\n"
        "def f():\n    import socket\n    from . import jwt, nothing\n",
        encoding="utf-8",
    )
    found = import_graph.imports_of(module, {"authtokens.jwt"}, name="authtokens.m")
    assert found == {"typing", "socket", "authtokens", "authtokens.jwt"}


@pytest.mark.parametrize(
    "module",
    ["authtokens.errors", "authtokens.keys", "authtokens.claims", "authtokens.challenge"],
)
def test_floors_are_assigned(module: str) -> None:
    assert import_graph.floor(module) is not None


def test_the_edges_sit_on_floor_3() -> None:
    for module in ("authtokens.stores.sqlite", "authtokens.server.app", "authtokens.manifest"):
        assert import_graph.floor(module) == 3


_EXTRAS = ["sqlite3", "redis", "starlette", "uvicorn", "websockets", "jwt", "httpx"]


@pytest.mark.parametrize(
    "statement",
    [
        "import authtokens",
        "import scopes",
        "import authtokens.challenge",
        "import authtokens.stacks_messages",
        "import authtokens.stores",
    ],
)
def test_base_modules_load_no_extra(statement: str) -> None:
    code = f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(out))
    assert {m for m in _EXTRAS if m in loaded} == set()
    assert not any(m.startswith("authtokens.server") for m in loaded)


def test_facade_resolves_storage_lazily() -> None:
    from authtokens.stores.sqlite import SQLiteReplayCache

    assert authtokens.SQLiteReplayCache is SQLiteReplayCache
    with pytest.raises(AttributeError):
        _ = authtokens.NoSuchName


def test_facade_all_is_sorted_and_complete() -> None:
    names = authtokens.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(authtokens, name) is not None
