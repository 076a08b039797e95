"""Key-based challenge-response sign-in server (the Textile Hub flow, done right).

Needs the ``authtokens[server]`` extra (Starlette, uvicorn, websockets, PyJWT); the Redis store
needs ``authtokens[redis]``. The pieces:

- `create_app` (Starlette app), `ServerConfig`, `RateLimits`;
- `open_store` and the stores `MemoryStore`, ``SqliteStore``, ``RedisStore`` behind `Store`;
- `TokenSigner`, `load_signing_key`, `verify_session_token` (for the application's other
  services), `textile_api_sig`;
- the refusals (`SignInError` and below) in `authtokens.errors`.

See SERVER.md for the protocol and the command line.
"""

from __future__ import annotations

from ..challenge.keys import ClientKey, parse_client_key
from ..errors import SignInError
from ..stores import MemoryStore, Store, UserRecord, open_store
from .app import create_app
from .config import RateLimits, ServerConfig
from .keyfiles import load_api_secret, load_signing_key
from .service import SignInService
from .session import SessionClaims, TokenSigner, textile_api_sig, verify_session_token

__all__ = [
    "ClientKey",
    "MemoryStore",
    "RateLimits",
    "ServerConfig",
    "SessionClaims",
    "SignInError",
    "SignInService",
    "Store",
    "TokenSigner",
    "UserRecord",
    "create_app",
    "load_api_secret",
    "load_signing_key",
    "open_store",
    "parse_client_key",
    "textile_api_sig",
    "verify_session_token",
]
