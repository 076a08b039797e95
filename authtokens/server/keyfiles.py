"""The sign-in server's secrets on disk: the session-token signing key and the Textile-style
API secret, each created (mode 0600, atomically) on first use and refused rather than replaced
when unreadable.

By default both live in a per-user state directory (`state_dir`): ``$XDG_STATE_HOME/authtokens``,
or ``~/.local/state/authtokens`` when that variable is unset or not absolute, never the working
directory.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from ..encoding import multibase_b32_decode, multibase_b32_encode
from ..errors import InvalidArgumentError, InvalidEncodingError

__all__ = [
    "API_SECRET_FILE",
    "SIGNING_KEY_FILE",
    "SigningKey",
    "load_api_secret",
    "load_signing_key",
    "state_dir",
]

SigningKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

SIGNING_KEY_FILE = "authtokens-server-key.pem"
API_SECRET_FILE = "authtokens-server-api-secret"  # noqa: S105 - a file name


def state_dir() -> Path:
    """The per-user directory for the server's key files (XDG Base Directory state home)."""
    xdg = os.environ.get("XDG_STATE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "authtokens"


def _write_once(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` (mode 0600) unless it exists; True if this call made it.

    Written to a temporary file first and hard-linked into place, so two processes starting
    together never see a half-written file and agree on one key.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-" + path.name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def load_signing_key(path: str | os.PathLike[str], alg: str) -> SigningKey:
    """Load the PEM (PKCS#8) session-token key at ``path``, generating it first if absent.

    The key type must match ``alg`` (secp256k1 for ES256K, Ed25519 for EdDSA); a mismatch or
    an unreadable file raises `InvalidArgumentError` rather than silently replacing the key.
    """
    file = Path(path)
    if not file.exists():
        new: SigningKey = (
            ec.generate_private_key(ec.SECP256K1())
            if alg == "ES256K"
            else ed25519.Ed25519PrivateKey.generate()
        )
        _write_once(
            file,
            new.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    try:
        key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise InvalidArgumentError(f"cannot load token signing key {file}: {exc}") from None
    if (
        alg == "ES256K"
        and isinstance(key, ec.EllipticCurvePrivateKey)
        and isinstance(key.curve, ec.SECP256K1)
    ):
        return key
    if alg == "EdDSA" and isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise InvalidArgumentError(f"token signing key {file} does not match alg {alg}")


def load_api_secret(path: str | os.PathLike[str]) -> bytes:
    """The Textile-style API secret (24 random bytes, stored multibase base32), made if absent."""
    file = Path(path)
    if not file.exists():
        text = multibase_b32_encode(secrets.token_bytes(24))
        _write_once(file, text.encode("ascii") + b"\n")
    text = file.read_text(encoding="ascii").strip()
    try:
        return multibase_b32_decode(text, what="API secret")
    except InvalidEncodingError as exc:
        raise InvalidArgumentError(f"cannot read API secret {file}: {exc}") from None
