from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import authtokens

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "statement",
    [
        "import scopes",
        "from scopes import Scope, parse_scopes",
        "import authtokens",
        "import authtokens.jwt",
        "import scopes, authtokens",
        "import authtokens, scopes",
    ],
)
def test_packages_import_in_any_order(statement: str) -> None:
    # a fresh interpreter: within this one both packages are already imported
    subprocess.run([sys.executable, "-c", statement], check=True, cwd=ROOT)


def test_public_names_from_api_md_exist() -> None:
    for name in (
        "generate_transit_key",
        "get_public_key",
        "make_auth_request",
        "verify_auth_request",
        "make_auth_response",
        "verify_auth_response",
        "decode_auth_response",
        "AuthTokenError",
        "InvalidTokenError",
    ):
        assert name in authtokens.__all__
        assert callable(getattr(authtokens, name))


def test_typed_marker_ships() -> None:
    assert (ROOT / "authtokens" / "py.typed").exists()
    assert (ROOT / "scopes" / "py.typed").exists()
