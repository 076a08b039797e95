"""The sign-in server's key files: the per-user state directory, created private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from authtokens.server import keyfiles
from authtokens.server.cli import build_parser


def test_state_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert keyfiles.state_dir() == tmp_path / "authtokens"


@pytest.mark.parametrize("value", [None, "", "relative/dir"])
def test_state_dir_falls_back_to_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str | None
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    if value is None:
        monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_STATE_HOME", value)
    assert keyfiles.state_dir() == tmp_path / ".local" / "state" / "authtokens"


def test_serve_defaults_to_the_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    for name in ("AUTH_TOKEN_KEY_FILE", "AUTH_API_SECRET_FILE"):
        monkeypatch.delenv(name, raising=False)
    args = build_parser().parse_args(["serve"])
    assert Path(args.token_key_file) == tmp_path / "authtokens" / keyfiles.SIGNING_KEY_FILE
    assert Path(args.api_secret_file) == tmp_path / "authtokens" / keyfiles.API_SECRET_FILE


def test_files_are_created_private_and_reused(tmp_path: Path) -> None:
    where = tmp_path / "state" / "authtokens"
    key = keyfiles.load_signing_key(where / keyfiles.SIGNING_KEY_FILE, "ES256K")
    secret = keyfiles.load_api_secret(where / keyfiles.API_SECRET_FILE)
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o700
    for name in (keyfiles.SIGNING_KEY_FILE, keyfiles.API_SECRET_FILE):
        assert stat.S_IMODE(os.stat(where / name).st_mode) == 0o600
    again = keyfiles.load_signing_key(where / keyfiles.SIGNING_KEY_FILE, "ES256K")
    assert again.private_numbers() == key.private_numbers()  # type: ignore[union-attr]
    assert keyfiles.load_api_secret(where / keyfiles.API_SECRET_FILE) == secret
