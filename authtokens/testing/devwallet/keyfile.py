"""The dev wallet's key file: a small JSON file holding its mnemonic, created 0600 on first run.

The default location is ``$XDG_STATE_HOME/authtokens/dev-wallet.json`` (``~/.local/state`` when
the variable is unset). A new file holds the well-known `TEST_MNEMONIC` unless a fresh random
mnemonic is asked for; either way the file is created with ``O_EXCL`` and mode 0600, so an
existing file is never overwritten. Reading refuses a file others can read or write when it
holds anything but the public test mnemonic.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ...bip39 import generate_mnemonic, validate_mnemonic
from ...errors import InvalidArgumentError, InvalidMnemonicError
from ..wallet import TEST_MNEMONIC

__all__ = ["KeyFile", "default_keyfile_path", "load_or_create_keyfile"]

_MAX_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True)
class KeyFile:
    """A loaded key file: its path, the mnemonic, whether it was just created, and whether the
    mnemonic is the public `TEST_MNEMONIC` (then every page and the console warn)."""

    path: Path
    mnemonic: str
    created: bool

    @property
    def is_test_mnemonic(self) -> bool:
        return self.mnemonic == TEST_MNEMONIC


def default_keyfile_path() -> Path:
    """``$XDG_STATE_HOME/authtokens/dev-wallet.json``, or under ``~/.local/state``."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "authtokens" / "dev-wallet.json"


def _create(path: Path, mnemonic: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "mnemonic": mnemonic}, handle)
        handle.write("\n")


def _read(path: Path) -> str:
    try:
        info = path.stat()
        if info.st_size > _MAX_SIZE:
            raise InvalidArgumentError(f"the key file {path} is too large")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidArgumentError(f"cannot read the key file {path}: {exc}") from None
    phrase = data.get("mnemonic") if isinstance(data, dict) else None
    if not isinstance(phrase, str):
        raise InvalidArgumentError(f"the key file {path} has no mnemonic")
    try:
        mnemonic = validate_mnemonic(phrase)
    except InvalidMnemonicError:
        raise InvalidMnemonicError(f"the key file {path} holds an invalid mnemonic") from None
    if mnemonic != TEST_MNEMONIC and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidArgumentError(
            f"the key file {path} is open to other users (mode {stat.S_IMODE(info.st_mode):o}); "
            "chmod 600 it"
        )
    return mnemonic


def load_or_create_keyfile(path: Path | str | None = None, *, fresh: bool = False) -> KeyFile:
    """Load the key file at ``path`` (default `default_keyfile_path`), creating it if missing.

    A created file holds `TEST_MNEMONIC`, or with ``fresh=True`` a new random 24-word
    mnemonic. ``fresh`` does nothing to an existing file. Raises `InvalidArgumentError` for an
    unreadable, malformed or over-permissive file, `InvalidMnemonicError` for a bad mnemonic.
    """
    target = default_keyfile_path() if path is None else Path(path)
    if not target.exists():
        try:
            _create(target, generate_mnemonic() if fresh else TEST_MNEMONIC)
        except FileExistsError:
            pass  # created by a concurrent run: read what it wrote
        except OSError as exc:
            raise InvalidArgumentError(f"cannot create the key file {target}: {exc}") from None
        else:
            return KeyFile(target, _read(target), created=True)
    return KeyFile(target, _read(target), created=False)
