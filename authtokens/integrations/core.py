"""The framework-free core of the web integrations: SIWS nonces and verification, the legacy
authRequest flow, server-side sessions, bearer tokens and linked accounts.

`StacksAuth` holds an `AuthConfig`, an `AccountStore` (``config.store_url``), the SIWS nonce
store and the replay cache of the same backend, and a `TokenSigner`. The FastAPI/Starlette and
Django adapters only translate HTTP to these calls (`authtokens.integrations.http` has the
shared HTTP pieces).

What it guarantees:

- a SIWS nonce is bound to the wallet address and chain it was issued for, and is **consumed
  before** the signature is checked (one atomic take in the store), so of any number of
  concurrent verifies of one nonce exactly one can succeed;
- the message must name the configured domain, URI and chain (`authtokens.siws`);
- a session id is 256 random bits, kept only in an ``HttpOnly`` cookie and the store; every
  sign-in makes a new one and drops the one the browser had (rotation);
- a bearer token is the server's session JWT (``sub`` the CAIP-10 id, ``sid`` its session):
  it is accepted only while its session is live, so logout revokes the cookie and every token
  of the session at once;
- the legacy flow's transit key never leaves the server: it waits in the store under an opaque
  id that only this browser's login cookie names, and is taken (single use) by the callback;
- an account (address or legacy DID) belongs to one user; a signed-in user's further sign-in
  links it instead of creating a user; unlinking never removes the last account.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Any

from ..addresses import parse_stacks_address
from ..auth_request import make_auth_request, verify_auth_request
from ..errors import (
    AccountNotLinkedError,
    AccountTakenError,
    AuthTokenError,
    ChainMismatchError,
    InvalidRequestError,
    LastAccountError,
    LegacyLoginDisabledError,
    LoginExpiredError,
    NotSignedInError,
)
from ..keys import generate_transit_key
from ..replay import MemoryReplayCache, ReplayCache
from ..server.keyfiles import load_signing_key
from ..server.session import TokenSigner, verify_session_token
from ..sign_in import UserData, decode_auth_response
from ..siws import AsyncNonceStore, averify_with_store
from ..stores import AccountStore, AsyncMemoryNonceStore, LinkedAccount, open_store
from ..stores.base import Clock
from ..urls import auth_request_url
from .config import MAINNET, AuthConfig

__all__ = [
    "LEGACY",
    "SIWS",
    "LegacyLogin",
    "Session",
    "SignIn",
    "SiwsVerifyRequest",
    "StacksAuth",
    "legacy_auth_request",
    "legacy_session_fields",
    "nonce_store_for",
    "profile_stx_address",
    "replay_cache_for",
    "request_address",
    "request_chain",
    "request_field",
    "safe_next",
    "siws_verify_request",
]

SIWS = "siws"
LEGACY = "legacy"

_SESSION = "session:"
_LOGIN = "legacy-login:"


@dataclass(frozen=True, slots=True)
class Session:
    """A live server-side session. ``app_private_key`` is set only for legacy sign-ins when the
    config keeps it; it never goes to the browser."""

    id: str
    user_id: str
    method: str
    account_id: str
    address: str
    chain_id: int | None
    created_at: float
    expires_at: float
    identity_address: str | None = None
    did: str | None = None
    stx_address: str | None = None
    app_private_key: str | None = field(default=None, repr=False)

    def to_record(self) -> bytes:
        """The JSON stored under the session id."""
        data = {k: getattr(self, k) for k in self.__slots__ if k != "id"}
        return json.dumps(data, separators=(",", ":")).encode()

    @classmethod
    def from_record(cls, session_id: str, record: bytes) -> Session:
        """Rebuild a session read from the store."""
        return cls(id=session_id, **json.loads(record))


@dataclass(frozen=True, slots=True)
class SignIn:
    """A completed sign-in: the new session, its bearer token, and the user's accounts.

    ``linked`` is True when a signed-in user added this account to their user; ``next_url``
    is where the legacy flow goes on (a same-origin path)."""

    session: Session
    token: str
    token_expires_at: int
    accounts: tuple[LinkedAccount, ...]
    linked: bool
    replaced_session: str | None = None
    next_url: str = "/"


@dataclass(frozen=True, slots=True)
class LegacyLogin:
    """A started legacy login: send the browser to ``redirect_url`` and set the login cookie to
    ``login_id`` for ``max_age`` seconds."""

    login_id: str
    redirect_url: str
    max_age: int


def request_field(data: dict[str, Any], name: str) -> str:
    """A required string field of a JSON request body (`InvalidRequestError` otherwise)."""
    value = data.get(name)
    if not isinstance(value, str) or not value or len(value) > 4096:
        raise InvalidRequestError(f"{name} must be a non-empty string")
    return value


def request_chain(config: AuthConfig, chain_id: object) -> int:
    """A request's ``chainId``: absent means the configured chain; another one is refused."""
    if chain_id is None:
        return config.chain_id
    if type(chain_id) is not int:
        raise InvalidRequestError("chainId must be an integer")
    if chain_id != config.chain_id:
        raise ChainMismatchError(f"this app accepts chain {config.chain_id} only")
    return chain_id


def request_address(data: dict[str, Any], chain_id: int) -> str:
    """A request's ``walletAddress``: a Stacks address of ``chain_id``."""
    address = request_field(data, "walletAddress")
    try:
        version, _ = parse_stacks_address(address)
    except AuthTokenError:
        raise InvalidRequestError("walletAddress is not a Stacks address") from None
    if (version in (22, 20)) != (chain_id == MAINNET):
        raise ChainMismatchError("walletAddress is not an address of this chain")
    return address


@dataclass(frozen=True, slots=True)
class SiwsVerifyRequest:
    """The fields of a SIWS verify body (``{"walletAddress", "message", "signature",
    "chainId"?, "publicKey"?}``), checked by `siws_verify_request`."""

    chain_id: int
    address: str
    message: str
    signature: str
    public_key: str | None


def siws_verify_request(config: AuthConfig, data: dict[str, Any]) -> SiwsVerifyRequest:
    """Read a SIWS verify body: `request_chain`, `request_address`, the message and signature
    (`request_field`) and an optional string ``publicKey`` (`InvalidRequestError`,
    `ChainMismatchError` otherwise)."""
    chain = request_chain(config, data.get("chainId"))
    address = request_address(data, chain)
    message = request_field(data, "message")
    signature = request_field(data, "signature")
    public_key = data.get("publicKey")
    if public_key is not None and not isinstance(public_key, str):
        raise InvalidRequestError("publicKey must be a string")
    return SiwsVerifyRequest(chain, address, message, signature, public_key)


def legacy_auth_request(config: AuthConfig, transit_key: str, now: float) -> str:
    """The legacy flow's signed authRequest for ``transit_key``, valid ``login_lifetime``."""
    return make_auth_request(
        transit_key,
        app_domain=config.app_origin,
        redirect_uri=config.redirect_uri,
        scopes=config.scopes,
        app_details={"name": config.app_name or config.domain, "icon": ""},
        expires_at=now + config.login_lifetime,
        now=now,
    )


def profile_stx_address(config: AuthConfig, profile: object) -> str | None:
    """The profile's ``stxAddress`` for the configured chain's network, if it names one (the
    wallet's claim: not proven by any signature)."""
    stx = profile.get("stxAddress") if isinstance(profile, dict) else None
    network = "mainnet" if config.chain_id == MAINNET else "testnet"
    address = stx.get(network) if isinstance(stx, dict) else None
    return address if isinstance(address, str) else None


def legacy_session_fields(config: AuthConfig, user: UserData) -> dict[str, Any]:
    """What a legacy sign-in's session keeps besides the account: the identity address, the
    DID, the profile's STX address (`profile_stx_address`) and, if the config keeps it, the app
    private key."""
    return {
        "identity_address": user.identity_address,
        "did": user.decentralized_id,
        "stx_address": profile_stx_address(config, user.profile),
        "app_private_key": user.app_private_key if config.keep_app_private_key else None,
    }


def safe_next(value: str | None) -> str:
    """``value`` if it is a same-origin relative path (``/…``, not ``//…``), else ``/``."""
    if (
        not value
        or len(value) > 2048
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value)
    ):
        return "/"
    return value


def _sqlite_path(url: str) -> str:
    path = url.removeprefix("sqlite://")
    return path[1:] if path.startswith("/") else path  # as `open_store` reads it


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


def replay_cache_for(url: str) -> ReplayCache:
    """The replay cache of the backend that ``url`` names (see `authtokens.stores.open_store`)."""
    if url.startswith("sqlite://"):
        from ..stores.sqlite import SQLiteReplayCache

        return SQLiteReplayCache(_sqlite_path(url))
    if _is_redis(url):
        from ..stores.redis import RedisReplayCache

        return RedisReplayCache(url, prefix="authtokens:integration-jti:")
    return MemoryReplayCache()


def nonce_store_for(url: str) -> AsyncNonceStore:
    """The SIWS nonce store (`authtokens.stores`: ``Async…NonceStore``) of the backend that
    ``url`` names."""
    if url.startswith("sqlite://"):
        from ..stores.sqlite import AsyncSQLiteNonceStore

        return AsyncSQLiteNonceStore(_sqlite_path(url))
    if _is_redis(url):
        from ..stores.redis import AsyncRedisNonceStore

        return AsyncRedisNonceStore(url)
    return AsyncMemoryNonceStore()


class StacksAuth:
    """Sign-in for one app (see the module doc). Opens its store on first use."""

    def __init__(
        self,
        config: AuthConfig,
        *,
        store: AccountStore | None = None,
        nonces: AsyncNonceStore | None = None,
        replay_cache: ReplayCache | None = None,
        signer: TokenSigner | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.store: AccountStore = store or open_store(config.store_url, clock=clock)
        self.nonces = nonces or nonce_store_for(config.store_url)
        self.replay_cache = replay_cache or replay_cache_for(config.store_url)
        if signer is None:
            key_path = config.signing_key_path
            if key_path is not None:
                key: Any = load_signing_key(key_path, "ES256K")
            else:
                from cryptography.hazmat.primitives.asymmetric import ec

                key = ec.generate_private_key(ec.SECP256K1())
            ttl = min(config.token_lifetime, config.session_lifetime)
            signer = TokenSigner(
                key, issuer=config.token_issuer, audience=config.token_audience, ttl=ttl
            )
        self.signer = signer
        self._opened = False
        self._open_lock = asyncio.Lock()

    async def open(self) -> None:
        """Open the store (idempotent; every flow calls it)."""
        if self._opened:
            return
        async with self._open_lock:
            if not self._opened:
                await self.store.open()
                self._opened = True

    async def close(self) -> None:
        """Close the store."""
        if self._opened:
            self._opened = False
            await self.store.close()
        aclose = getattr(self.nonces, "aclose", None)
        if aclose is not None:
            await aclose()

    # --- Sign-In with Stacks -------------------------------------------------------------------

    async def issue_nonce(self, data: dict[str, Any]) -> str:
        """``{"walletAddress", "chainId"?}`` → a fresh nonce bound to that address and chain."""
        chain = request_chain(self.config, data.get("chainId"))
        address = request_address(data, chain)
        return await self.nonces.issue(
            address, chain, ttl=self.config.nonce_lifetime, now=self.clock()
        )

    async def verify(self, data: dict[str, Any], current: Session | None = None) -> SignIn:
        """``{"walletAddress", "message", "signature", "chainId"?, "publicKey"?}`` → a sign-in.

        The message's nonce is taken from the nonce store first (`authtokens.siws`:
        atomic, single use, bound to the address and chain it was issued for), and only then is
        the message checked against the configured domain, URI and chain and its signature
        verified (`averify_with_store`). With ``current`` (a live session) the address is
        linked to that session's user.
        """
        await self.open()
        body = siws_verify_request(self.config, data)
        # The store takes the message's nonce (bound to the message's address and chain) before
        # anything else is checked; the address must then be the one the wallet claims.
        verified = await averify_with_store(
            self.nonces,
            body.message,
            body.signature,
            domain=self.config.domain,
            uri=self.config.uri,
            chain_id=body.chain_id,
            address=body.address,
            public_key=body.public_key,
            now=self.clock(),
            leeway=self.config.leeway,
            max_age=self.config.max_age,
        )
        return await self._sign_in(
            account_id=verified.account_id,
            address=verified.address,
            chain_id=body.chain_id,
            method=SIWS,
            current=current,
        )

    # --- the legacy authRequest flow -----------------------------------------------------------

    async def begin_legacy_login(self, next_url: str | None = None) -> LegacyLogin:
        """Make a transit key and an authRequest, park them server-side, and say where to go."""
        config = self.config
        if config.authenticator_url is None:
            raise LegacyLoginDisabledError("no authenticator URL is configured")
        await self.open()
        transit_key = generate_transit_key()
        now = self.clock()
        request = legacy_auth_request(config, transit_key, now)
        record = json.dumps(
            {"transit_key": transit_key, "request": request, "next": safe_next(next_url)}
        ).encode()
        login_id = secrets.token_urlsafe(32)
        while not await self.store.put_new(_LOGIN + login_id, record, config.login_lifetime):
            login_id = secrets.token_urlsafe(32)  # 256 random bits: never in practice
        return LegacyLogin(
            login_id, auth_request_url(config.authenticator_url, request), config.login_lifetime
        )

    async def complete_legacy_login(
        self, login_id: str | None, auth_response: str | None, current: Session | None = None
    ) -> SignIn:
        """The callback: take this browser's pending login (single use), decode the
        authResponse bound to its request with the replay cache, then sign in with the DID."""
        await self.open()
        if not login_id:
            raise LoginExpiredError("this browser has no pending login")
        record = await self.store.take(_LOGIN + login_id)
        if record is None:
            raise LoginExpiredError("the login expired or was already completed")
        if not auth_response or not isinstance(auth_response, str):
            raise InvalidRequestError("authResponse is missing")
        pending = json.loads(record)
        now = self.clock()
        request = verify_auth_request(pending["request"], now=now)
        # Decryption and the (possibly SQLite or Redis) replay cache are blocking work.
        user = await asyncio.to_thread(
            decode_auth_response,
            auth_response,
            pending["transit_key"],
            request=request,
            replay_cache=self.replay_cache,
            now=now,
        )
        result = await self._sign_in(
            account_id=user.decentralized_id,
            address=user.identity_address,
            chain_id=None,
            method=LEGACY,
            current=current,
            **legacy_session_fields(self.config, user),
        )
        return SignIn(
            result.session,
            result.token,
            result.token_expires_at,
            result.accounts,
            result.linked,
            result.replaced_session,
            pending["next"],
        )

    # --- sessions, tokens, accounts ------------------------------------------------------------

    async def _sign_in(
        self,
        *,
        account_id: str,
        address: str,
        chain_id: int | None,
        method: str,
        current: Session | None,
        **extra: Any,
    ) -> SignIn:
        store = self.store
        if current is not None:
            link = await store.link_account(
                account_id, current.user_id, address=address, chain_id=chain_id, method=method
            )
            if link.user_id != current.user_id:
                raise AccountTakenError("this account is linked to another user")
            linked = link.first_seen == link.last_seen
        else:
            # A new user unless the account has one; of two concurrent first sign-ins of one
            # account, the store's atomic link decides which user id wins, and both use it.
            candidate = "u_" + secrets.token_urlsafe(16)
            link = await store.link_account(
                account_id, candidate, address=address, chain_id=chain_id, method=method
            )
            linked = False
        replaced = None
        if current is not None and await store.take(_SESSION + current.id) is not None:
            replaced = current.id
        now = self.clock()
        session = Session(
            id="",
            user_id=link.user_id,
            method=method,
            account_id=account_id,
            address=address,
            chain_id=chain_id,
            created_at=now,
            expires_at=now + self.config.session_lifetime,
            **extra,
        )
        record, lifetime = session.to_record(), self.config.session_lifetime
        session_id = secrets.token_urlsafe(32)
        while not await store.put_new(_SESSION + session_id, record, lifetime):
            session_id = secrets.token_urlsafe(32)  # 256 random bits: never in practice
        session = replace(session, id=session_id)
        issued = self.signer.issue(account_id, now=now, extra={"sid": session.id})
        accounts = tuple(await store.user_accounts(link.user_id))
        return SignIn(session, issued.token, issued.expires_at, accounts, linked, replaced)

    async def session(self, session_id: str | None) -> Session | None:
        """The live session with this id, or None."""
        if not session_id or len(session_id) > 128:
            return None
        await self.open()
        record = await self.store.get(_SESSION + session_id)
        return None if record is None else Session.from_record(session_id, record)

    async def session_from_token(self, token: str) -> Session:
        """The session of a bearer token: the token must verify (signature, issuer, audience,
        time) and its session must still be live. Raises an `InvalidTokenError` subclass."""
        claims = verify_session_token(
            token,
            self.signer.jwks(),
            issuer=self.config.token_issuer,
            audience=self.config.token_audience,
            now=self.clock(),
        )
        sid = claims.claims.get("sid")
        session = await self.session(sid) if isinstance(sid, str) else None
        if session is None or session.account_id != claims.sub:
            raise NotSignedInError("the token's session has ended")
        return session

    async def authenticate(self, *, cookie: str | None, bearer: str | None) -> Session | None:
        """The session a request carries: its bearer token when it has one (an invalid token is
        an error, never a fall-back to the cookie), else its session cookie."""
        if bearer is not None:
            return await self.session_from_token(bearer)
        return await self.session(cookie)

    async def logout(self, session: Session | None) -> bool:
        """End the session server-side; its cookie and bearer tokens stop working at once."""
        if session is None:
            return False
        await self.open()
        return await self.store.take(_SESSION + session.id) is not None

    async def accounts(self, session: Session) -> tuple[LinkedAccount, ...]:
        """The accounts of the session's user."""
        await self.open()
        return tuple(await self.store.user_accounts(session.user_id))

    async def unlink(self, session: Session, account_id: object) -> tuple[LinkedAccount, ...]:
        """Unlink an account from the session's user; returns the accounts left."""
        if not isinstance(account_id, str) or not account_id:
            raise InvalidRequestError("accountId must be a non-empty string")
        await self.open()
        done = await self.store.unlink_account(account_id, session.user_id)
        if done == "not_linked":
            raise AccountNotLinkedError("that account is not linked to this user")
        if done == "last_account":
            raise LastAccountError("the only account of a user cannot be unlinked")
        return await self.accounts(session)
