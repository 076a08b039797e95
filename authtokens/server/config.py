"""Settings of the sign-in server (challenge-login.md §4.8), with their defaults.

`ServerConfig` is plain data; the command line (`authtokens.server.cli`) fills it from flags and
``AUTH_*`` environment variables. `RateLimits` parses the ``AUTH_RATE_LIMITS`` form
``challenge-ip=120/60,challenge-key=60/60,verify-ip=120/60,verify-key=60/60`` (requests per
window in seconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Literal

from ..addresses import STACKS_MAINNET, STACKS_TESTNET
from ..challenge.schemes import ALL_SCHEMES, DEFAULT_SCHEMES
from ..errors import InvalidArgumentError
from ..origins import bare_origin_of

__all__ = ["Limit", "RateLimits", "ServerConfig", "parse_origin"]

DEFAULT_STATEMENT = "Sign in with your key. This request does not move funds or cost a fee."
TokenAlg = Literal["ES256K", "EdDSA"]


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` requests per ``window`` seconds (0 count disables the limit)."""

    count: int
    window: int

    def __str__(self) -> str:
        return f"{self.count}/{self.window}"


def _limit(text: str) -> Limit:
    m = re.fullmatch(r"\s*(\d{1,9})\s*/\s*(\d{1,7})\s*", text)
    if not m or int(m.group(2)) == 0:
        raise InvalidArgumentError(f"rate limit must look like COUNT/SECONDS, got {text!r}")
    return Limit(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Fixed-window limits per client address (``*_ip``) and per key and address (``*_key``).

    The ``*_key`` limits count per (key, client address) pair, so requests naming someone
    else's key from a stranger's address never spend the key owner's budget (issue 11 item 2).

    The defaults let one client complete 60 sign-ins a minute and make 120 verify attempts in
    a burst from one address, well above the 30 and 60 the design requires.
    """

    challenge_ip: Limit = Limit(120, 60)
    challenge_key: Limit = Limit(60, 60)
    verify_ip: Limit = Limit(120, 60)
    verify_key: Limit = Limit(60, 60)

    @classmethod
    def parse(cls, text: str) -> RateLimits:
        """Parse ``name=COUNT/SECONDS`` pairs, comma-separated; unnamed limits keep defaults."""
        values: dict[str, Limit] = {}
        names = {f.name.replace("_", "-"): f.name for f in fields(cls)}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, spec = part.partition("=")
            if not sep or name.strip() not in names:
                raise InvalidArgumentError(
                    f"unknown rate limit {name.strip()!r}; expected one of {', '.join(names)}"
                )
            values[names[name.strip()]] = _limit(spec)
        return cls(**values)

    def __str__(self) -> str:
        return ",".join(f"{f.name.replace('_', '-')}={getattr(self, f.name)}" for f in fields(self))


def parse_origin(origin: str) -> str:
    """Normalise an allowlist entry or a request's ``Origin`` header (`bare_origin_of`).

    Both go through the one origin parser, so ``http://127.1`` allows ``http://127.0.0.1``.
    Wildcards, paths, userinfo and ``null`` are refused with `InvalidArgumentError`.
    """
    if not isinstance(origin, str):
        raise InvalidArgumentError(f"allowed origin must be a string, got {type(origin).__name__}")
    return str(bare_origin_of(origin.strip()))


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything the app needs besides its store and signing key.

    ``domain`` and ``uri`` come from configuration, never from the request's ``Host``.
    ``allowed_origins`` lists the origins of the pages allowed to call the server (already
    normalised by `parse_origin`); requests without an ``Origin`` header are accepted.
    """

    domain: str = "localhost:3001"
    uri: str = "http://localhost:3001"
    statement: str = DEFAULT_STATEMENT
    allowed_origins: frozenset[str] = frozenset()
    challenge_ttl: float = 300.0
    ws_sig_timeout: float = 60.0
    ws_idle_timeout: float = 30.0
    ws_max_size: int = 4096
    ws_max_strikes: int = 3
    max_body: int = 8192
    schemes: tuple[str, ...] = DEFAULT_SCHEMES
    stacks_legacy_prefix: bool = False
    stacks_network: int = STACKS_MAINNET
    token_alg: TokenAlg = "ES256K"  # noqa: S105 (an algorithm name, not a secret)
    token_ttl: int = 900
    token_issuer: str = ""  # defaults to `uri`
    token_audience: str = ""  # defaults to `uri`
    app_key: str = ""  # public identifier returned as `value.key`; defaults to the token kid
    rate_limits: RateLimits = field(default_factory=RateLimits)
    ready_timeout: float = 2.0  # seconds the readiness write probe may take
    rebind_store_domain: bool = False  # record this domain/URI in a store bound to others
    metrics: bool = True  # GET /metrics (Prometheus text format)

    def __post_init__(self) -> None:
        for name in self.schemes:
            if name not in ALL_SCHEMES:
                raise InvalidArgumentError(f"unknown scheme {name!r}")
        if self.stacks_network not in (STACKS_MAINNET, STACKS_TESTNET):
            raise InvalidArgumentError("stacks_network must be the mainnet or testnet version")
        if self.token_alg not in ("ES256K", "EdDSA"):
            raise InvalidArgumentError("token_alg must be ES256K or EdDSA")
        if not (self.domain.isascii() and self.uri.isascii()) or "\n" in self.domain + self.uri:
            raise InvalidArgumentError("domain must be ASCII and neither may contain newlines")
        if "\n" in self.statement or not self.statement.isascii():
            raise InvalidArgumentError("statement must be one line of ASCII")
        timeouts = (
            self.challenge_ttl,
            self.ws_sig_timeout,
            self.ws_idle_timeout,
            self.ready_timeout,
        )
        for number in timeouts:
            if not number > 0:
                raise InvalidArgumentError("timeouts must be positive")
        if self.token_ttl <= 0 or self.ws_max_size < 256 or self.max_body < 256:
            raise InvalidArgumentError("token_ttl must be positive and size caps >= 256 bytes")

    @property
    def issuer(self) -> str:
        """The ``iss`` of session tokens."""
        return self.token_issuer or self.uri

    @property
    def audience(self) -> str:
        """The ``aud`` of session tokens."""
        return self.token_audience or self.uri

    @property
    def chain_id(self) -> int:
        """The SIP-005 chain id of the configured Stacks network (1 or 2147483648)."""
        return 1 if self.stacks_network == STACKS_MAINNET else 0x80000000
