"""`AuthConfig`: the one options object of the web framework integrations.

Frozen and checked once at construction, so a misconfigured app fails at start-up with an
`InvalidArgumentError`, not on the first sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..errors import InvalidArgumentError
from ..origins import Origin, strict_origin_of

__all__ = ["MAINNET", "TESTNET", "AuthConfig", "CookieSettings"]

#: The Sign-In with Stacks chain IDs (CAIP-2 ``stacks:1`` and ``stacks:2147483648``).
MAINNET = 1
TESTNET = 2147483648


@dataclass(frozen=True, slots=True)
class CookieSettings:
    """The session cookie (and the short-lived cookie of a pending legacy login).

    Both are ``HttpOnly``. ``secure=None`` sets ``Secure`` exactly when the app's URI is https.
    ``SameSite=Lax`` lets the authenticator's redirect back (a top-level GET) carry them.
    """

    name: str = "authtokens_session"
    login_name: str = "authtokens_login"
    secure: bool | None = None
    samesite: Literal["lax", "strict", "none"] = "lax"
    domain: str | None = None
    path: str = "/"


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """Everything the integrations need to know about the app.

    - ``domain`` and ``uri``: what a Sign-In with Stacks message must name (``HOST[:PORT]`` and
      the app's URL, e.g. ``example.com`` and ``https://example.com``);
    - ``allowed_origins``: origins whose state-changing requests are accepted (default: the
      origin of ``uri``);
    - ``store_url``: ``memory``, ``sqlite:///PATH`` or ``redis://…`` (`authtokens.stores`);
    - ``chain_id``: the chain accepted (1 mainnet, 2147483648 testnet);
    - ``prefix``: where the routes are mounted;
    - lifetimes in seconds: the session, its bearer tokens (at most the session's), a SIWS
      nonce, a pending legacy login;
    - ``authenticator_url``: where the legacy flow sends the browser (None: legacy flow off);
    - ``keep_app_private_key``: keep the legacy flow's app private key in the server-side
      session (it is never sent to the browser);
    - ``signing_key_path``: PEM file of the bearer-token key (made if absent); None makes a new
      key per process, so tokens do not survive a restart;
    - ``leeway`` and ``max_age`` of SIWS message times.
    """

    domain: str
    uri: str
    allowed_origins: tuple[str, ...] = ()
    store_url: str = "memory"
    chain_id: int = MAINNET
    prefix: str = "/auth"
    session_lifetime: int = 7 * 24 * 3600
    token_lifetime: int = 3600
    nonce_lifetime: int = 300
    login_lifetime: int = 600
    cookie: CookieSettings = field(default_factory=CookieSettings)
    authenticator_url: str | None = None
    scopes: tuple[str, ...] = ("store_write",)
    app_name: str | None = None
    keep_app_private_key: bool = False
    signing_key_path: str | None = None
    issuer: str | None = None
    audience: str | None = None
    leeway: float = 60.0
    max_age: float = 600.0

    def __post_init__(self) -> None:
        if not isinstance(self.domain, str) or not self.domain or "/" in self.domain:
            raise InvalidArgumentError(f"domain must be HOST[:PORT], got {self.domain!r}")
        strict_origin_of(self.uri)  # an http(s) URL, or InvalidArgumentError
        for origin in self.allowed_origins:
            if str(strict_origin_of(origin)) != origin.rstrip("/"):
                raise InvalidArgumentError(f"allowed origin {origin!r} is not a bare origin")
        if self.chain_id not in (MAINNET, TESTNET):
            raise InvalidArgumentError(f"chain_id must be {MAINNET} or {TESTNET}")
        if not self.prefix.startswith("/") or self.prefix.endswith("/") or "//" in self.prefix:
            raise InvalidArgumentError(f"prefix must look like /auth, got {self.prefix!r}")
        for name in ("session_lifetime", "token_lifetime", "nonce_lifetime", "login_lifetime"):
            if getattr(self, name) <= 0:
                raise InvalidArgumentError(f"{name} must be positive")
        if self.authenticator_url is not None:
            strict_origin_of(self.authenticator_url)

    @property
    def origins(self) -> frozenset[Origin]:
        """The allowed origins, parsed."""
        given = self.allowed_origins or (self.uri,)
        return frozenset(strict_origin_of(o) for o in given)

    @property
    def app_origin(self) -> str:
        """The origin of ``uri`` (the legacy flow's ``app_domain``)."""
        return str(strict_origin_of(self.uri))

    @property
    def cookie_secure(self) -> bool:
        """Whether cookies carry ``Secure``."""
        if self.cookie.secure is not None:
            return self.cookie.secure
        return self.uri.lower().startswith("https:")

    @property
    def redirect_uri(self) -> str:
        """Where the authenticator sends the authResponse: ``{uri}{prefix}/stacks/callback``."""
        return self.uri.rstrip("/") + self.prefix + "/stacks/callback"

    @property
    def token_issuer(self) -> str:
        """``iss`` of bearer tokens (default: ``uri``)."""
        return self.issuer or self.uri

    @property
    def token_audience(self) -> str:
        """``aud`` of bearer tokens (default: ``uri``)."""
        return self.audience or self.uri
