"""The Django flows: the same checks as `authtokens.integrations.core`, on Django's ORM,
users and sessions.

- SIWS: `authtokens.siws.verify_with_store` on the configured nonce store (the database
  or Redis) takes the nonce before anything else is checked.
- Legacy: the transit key and request wait in the browser's (server-side) Django session; the
  callback pops them and decodes the authResponse bound to that request, with the database
  replay cache.
- Sign-in: the first sign-in of an account creates a user; signed in already, the account is
  linked to the same user; ``django.contrib.auth.login`` rotates the session key.
- Bearer tokens name the Django session (``sid``) and user (``uid``): they work while that
  session lives, so logout (which deletes it) revokes them.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from importlib import import_module
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from ...auth_request import verify_auth_request
from ...errors import (
    AccountNotLinkedError,
    AccountTakenError,
    InvalidRequestError,
    LastAccountError,
    LegacyLoginDisabledError,
    LoginExpiredError,
    NotSignedInError,
)
from ...keys import generate_transit_key
from ...server.keyfiles import load_signing_key
from ...server.session import TokenSigner, verify_session_token
from ...sign_in import decode_auth_response
from ...siws import NonceStore, verify_with_store
from ...stores import LinkedAccount
from ...stores.redis import RedisNonceStore
from ...urls import auth_request_url
from ..core import (
    LEGACY,
    SIWS,
    Session,
    SignIn,
    legacy_auth_request,
    legacy_session_fields,
    request_address,
    request_chain,
    safe_next,
    siws_verify_request,
)
from .backends import BACKEND
from .conf import DjangoAuthSettings, auth_settings
from .models import SignInEvent, StacksAccount
from .stores import DatabaseNonceStore, DatabaseReplayCache

__all__ = ["DjangoSignIn", "service"]

_SESSION_KEY = "authtokens"
_LOGIN_KEY = "authtokens_login"


def _seconds(moment: datetime) -> float:
    return moment.timestamp()


def linked_accounts(user: Any) -> tuple[LinkedAccount, ...]:
    """The user's `StacksAccount` rows as `LinkedAccount` values."""
    return tuple(
        LinkedAccount(
            a.account_id,
            str(a.user_id),
            a.address,
            a.chain_id,
            a.method,
            _seconds(a.first_seen),
            _seconds(a.last_seen),
        )
        for a in StacksAccount.objects.filter(user=user)
    )


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class DjangoSignIn:
    """The flows for one configuration (see the module doc)."""

    def __init__(self, settings_: DjangoAuthSettings) -> None:
        self.config = config = settings_.config
        self.nonces: NonceStore = (
            DatabaseNonceStore()
            if settings_.nonce_store == "database"
            else RedisNonceStore(settings_.nonce_store)
        )
        self.replay_cache = DatabaseReplayCache()
        key: Any = (
            load_signing_key(config.signing_key_path, "ES256K")
            if config.signing_key_path
            else ec.generate_private_key(ec.SECP256K1())
        )
        ttl = min(config.token_lifetime, config.session_lifetime)
        self.signer = TokenSigner(
            key, issuer=config.token_issuer, audience=config.token_audience, ttl=ttl
        )
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    # --- SIWS ----------------------------------------------------------------------------------

    def issue_nonce(self, data: dict[str, Any]) -> str:
        """``{"walletAddress", "chainId"?}`` → a nonce bound to them."""
        chain = request_chain(self.config, data.get("chainId"))
        address = request_address(data, chain)
        return self.nonces.issue(address, chain, ttl=self.config.nonce_lifetime)

    def verify(self, request: HttpRequest, data: dict[str, Any], *, link_only: bool) -> SignIn:
        """Verify a signed SIWS message (nonce taken first) and sign the user in or link."""
        body = siws_verify_request(self.config, data)
        current = request.user if request.user.is_authenticated else None
        if link_only and current is None:
            raise NotSignedInError("sign in first to link another address")
        verified = verify_with_store(
            self.nonces,
            body.message,
            body.signature,
            domain=self.config.domain,
            uri=self.config.uri,
            chain_id=body.chain_id,
            address=body.address,
            public_key=body.public_key,
            leeway=self.config.leeway,
            max_age=self.config.max_age,
        )
        return self._sign_in(
            request,
            account_id=verified.account_id,
            address=verified.address,
            chain_id=body.chain_id,
            method=SIWS,
            current=current,
        )

    # --- legacy --------------------------------------------------------------------------------

    def begin_legacy_login(self, request: HttpRequest) -> str:
        """Park a transit key and authRequest in this browser's session; the redirect URL."""
        config = self.config
        if config.authenticator_url is None:
            raise LegacyLoginDisabledError("no authenticator URL is configured")
        transit_key = generate_transit_key()
        now = time.time()
        token = legacy_auth_request(config, transit_key, now)
        request.session[_LOGIN_KEY] = {
            "transit_key": transit_key,
            "request": token,
            "next": safe_next(request.GET.get("next")),
        }
        return auth_request_url(config.authenticator_url, token)

    def complete_legacy_login(self, request: HttpRequest) -> SignIn:
        """The callback: pop the pending login, decode the response bound to it, sign in."""
        pending = request.session.pop(_LOGIN_KEY, None)
        if not isinstance(pending, dict):
            raise LoginExpiredError("this browser has no pending login")
        token = request.GET.get("authResponse")
        if not token:
            raise InvalidRequestError("authResponse is missing")
        now = time.time()
        auth_request = verify_auth_request(pending["request"], now=now)
        user = decode_auth_response(
            token,
            pending["transit_key"],
            request=auth_request,
            replay_cache=self.replay_cache,
            now=now,
        )
        current = request.user if request.user.is_authenticated else None
        signed = self._sign_in(
            request,
            account_id=user.decentralized_id,
            address=user.identity_address,
            chain_id=None,
            method=LEGACY,
            current=current,
            **legacy_session_fields(self.config, user),
        )
        return replace(signed, next_url=pending["next"])

    # --- users, sessions, tokens ---------------------------------------------------------------

    def _account(
        self, account_id: str, address: str, chain_id: int | None, method: str, current: Any
    ) -> tuple[StacksAccount, bool]:
        now = timezone.now()
        fields = {"address": address, "chain_id": chain_id, "method": method, "last_seen": now}
        for _ in range(2):
            existing = StacksAccount.objects.filter(account_id=account_id).first()
            if existing is not None:
                if current is not None and existing.user_id != current.pk:
                    raise AccountTakenError("this account is linked to another user")
                StacksAccount.objects.filter(pk=existing.pk).update(method=method, last_seen=now)
                existing.refresh_from_db()
                return existing, False
            try:
                with transaction.atomic():
                    owner = current
                    if owner is None:
                        model = get_user_model()
                        # Unique even when an earlier user of this account unlinked it.
                        name = f"{account_id}#{secrets.token_hex(4)}"
                        owner = model._default_manager.create_user(**{model.USERNAME_FIELD: name})
                    created = StacksAccount.objects.create(
                        account_id=account_id, user=owner, first_seen=now, **fields
                    )
                return created, current is not None
            except IntegrityError:
                continue  # a concurrent first sign-in created it: use theirs
        raise AccountTakenError("this account could not be linked")

    def _sign_in(
        self,
        request: HttpRequest,
        *,
        account_id: str,
        address: str,
        chain_id: int | None,
        method: str,
        current: Any,
        **extra: Any,
    ) -> SignIn:
        account, linked = self._account(account_id, address, chain_id, method, current)
        # A new session key at every sign-in: Django's login() only rotates it for a change
        # of user, so a signed-in user's link or repeat sign-in cycles it here (the old
        # session, and the bearer tokens naming it, end).
        request.session.cycle_key()
        login(request, account.user, backend=BACKEND)
        now = time.time()
        lifetime = self.config.session_lifetime
        record = {
            "method": method,
            "account_id": account_id,
            "address": address,
            "chain_id": chain_id,
            "created_at": now,
            "expires_at": now + lifetime,
            **extra,
        }
        request.session[_SESSION_KEY] = record
        request.session.set_expiry(lifetime)
        request.session.save()
        sid = request.session.session_key
        assert sid is not None
        issued = self.signer.issue(
            account_id, now=now, extra={"sid": sid, "uid": str(account.user.pk)}
        )
        event = "link" if linked else "sign_in"
        SignInEvent.objects.create(
            event=event,
            user=account.user,
            account_id=account_id,
            method=method,
            ip=client_ip(request),
        )
        session = _session_view(sid, str(account.user.pk), record)
        accounts = linked_accounts(account.user)
        return SignIn(session, issued.token, issued.expires_at, accounts, linked)

    def session_of(self, request: HttpRequest, bearer: str | None) -> tuple[Any, Session] | None:
        """The user and session a request carries: its bearer token (which must verify and
        name a live session of that user) or Django's session."""
        if bearer is not None:
            claims = verify_session_token(
                bearer,
                self.signer.jwks(),
                issuer=self.config.token_issuer,
                audience=self.config.token_audience,
            )
            sid, uid = claims.claims.get("sid"), claims.claims.get("uid")
            if not isinstance(sid, str) or not isinstance(uid, str):
                raise NotSignedInError("the token names no session")
            store = self.session_store(session_key=sid)
            data = store.load()
            record = data.get(_SESSION_KEY)
            if str(data.get("_auth_user_id")) != uid or not isinstance(record, dict):
                raise NotSignedInError("the token's session has ended")
            user = get_user_model()._default_manager.filter(pk=uid).first()
            if user is None:
                raise NotSignedInError("the token's user is gone")
            return user, _session_view(sid, uid, record)
        if not request.user.is_authenticated:
            return None
        record = request.session.get(_SESSION_KEY)
        if not isinstance(record, dict):
            return None
        key = request.session.session_key or ""
        return request.user, _session_view(key, str(request.user.pk), record)

    def end_session(self, session_key: str) -> None:
        """Delete a Django session (a bearer logout)."""
        self.session_store(session_key=session_key).delete(session_key)

    def unlink(self, user: Any, account_id: object) -> tuple[LinkedAccount, ...]:
        """Remove a linked account, never the last one."""
        if not isinstance(account_id, str) or not account_id:
            raise InvalidRequestError("accountId must be a non-empty string")
        with transaction.atomic():
            mine = list(StacksAccount.objects.select_for_update().filter(user=user))
            target = [a for a in mine if a.account_id == account_id]
            if not target:
                raise AccountNotLinkedError("that account is not linked to this user")
            if len(mine) <= 1:
                raise LastAccountError("the only account of a user cannot be unlinked")
            target[0].delete()
        SignInEvent.objects.create(event="unlink", user=user, account_id=account_id)
        return linked_accounts(user)


def _session_view(sid: str, uid: str, record: dict[str, Any]) -> Session:
    def text(name: str) -> str | None:
        value = record.get(name)
        return value if isinstance(value, str) else None

    chain = record.get("chain_id")
    return Session(
        id=sid,
        user_id=uid,
        method=str(record["method"]),
        account_id=str(record["account_id"]),
        address=str(record["address"]),
        chain_id=chain if isinstance(chain, int) else None,
        created_at=float(record["created_at"]),
        expires_at=float(record["expires_at"]),
        identity_address=text("identity_address"),
        did=text("did"),
        stx_address=text("stx_address"),
        app_private_key=text("app_private_key"),
    )


@lru_cache(maxsize=1)
def service() -> DjangoSignIn:
    """The flows for ``settings.AUTHTOKENS`` (cached; ``service.cache_clear()`` in tests)."""
    return DjangoSignIn(auth_settings())
