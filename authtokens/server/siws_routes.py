"""Sign-In with Stacks on the sign-in server: the better-auth SIWS plugin's two endpoints.

=========================  ====================================================================
``POST /siws/nonce``       ``{"walletAddress", "chainId"?}`` → ``{"nonce", "domain", "uri",
                           "chainId", "expiresAt"}`` (what the front end needs for the message)
``POST /siws/verify``      ``{"walletAddress", "message", "signature", "chainId"?,
                           "publicKey"?}`` → 200 ``{"token", "success": true, "user": {"id",
                           "address", "accountId", "chainId"}, "tokenType", "expiresIn", "sub"}``
=========================  ====================================================================

Both go through the app's JSON front door (Origin allowlist, ``application/json`` only, the
body cap, CORS) and its rate limits: ``challenge-ip`` / ``challenge-key`` for nonces,
``verify-ip`` / ``verify-key`` for verifications (the ``*-key`` counters per wallet address and
client address, as for ``/auth``). Refusals are ``{"error": code}``: 400 for a malformed
request (``invalid_request``), 401 for a refused sign-in (the codes of
`authtokens.siws.verify_message`: ``nonce_unknown``, ``domain_mismatch``, ``uri_mismatch``,
``chain_mismatch``, ``address_mismatch``, ``expired``, ``bad_signature``, …).

The nonce lives in the server's configured `Store` (memory, SQLite or Redis) through
`StoreNonces`, bound to the wallet address and the chain, for ``challenge_ttl`` seconds. Each
step is one store round trip: the nonce is stored with its rate limits counted
(``put_new_limited``: nothing is stored over a limit), and taken the same way
(``take_limited``: nothing is taken over a limit; a message refused before its nonce is looked
up still counts, on its own). The verification parses the message, **takes** its nonce (one
atomic take: of concurrent attempts exactly one proceeds, the others get ``nonce_unknown``),
and only then checks the fields (the message must name this server's ``--domain`` and
``--uri`` and its chain, and be the wallet's address) and the signature. A taken nonce is
spent whatever the checks say.

The session token is the server's usual one (`TokenSigner`): ``sub`` is ``stx:<address>``,
the same user id as the challenge flow's address sign-in, and the claim ``account_id`` carries
the CAIP-10 id ``stacks:<chain id>:<address>``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..addresses import parse_stacks_address
from ..challenge.messages import iso_ms
from ..errors import (
    ChainMismatchError,
    IdCollisionError,
    InvalidAddressError,
    InvalidKeyError,
    InvalidRequestError,
    InvalidTokenError,
    RateLimitedError,
)
from ..keys import parse_public_key
from ..siws import (
    CHAIN_ADDRESS_VERSIONS,
    MAX_MESSAGE_LENGTH,
    averify_with_store,
    generate_nonce,
    nonce_binding,
)
from ..stores.base import Counter, Store
from ..stores.nonces import AsyncNonceStoreBase, nonce_record, read_nonce_record
from .service import SignInService, store_call

__all__ = ["SiwsEndpoints", "StoreNonces", "session_subject"]

log = logging.getLogger("authtokens.server")
_NONCE = re.compile(r"[A-Za-z0-9]{8,64}")
_PREFIX = "siws:"  # never a challenge id (22 base64url characters), so the flows cannot mix


def session_subject(address: str) -> str:
    """The ``sub`` of a SIWS session token: ``stx:<canonical address>`` (as the challenge
    flow's address sign-in, so one wallet is one user whichever flow it used)."""
    return "stx:" + address


class StoreNonces(AsyncNonceStoreBase):
    """`authtokens.siws.AsyncNonceStore` on the sign-in server's `Store`.

    ``put_new`` under ``siws:<nonce>`` issues (a live id is never overwritten), ``take``
    consumes atomically; the record is `authtokens.stores.nonces.nonce_record`. `issue` raises
    `IdCollisionError` if three fresh nonces are all live already (a broken random source).

    `limited` gives a store for one request whose put or take also counts that request's
    rate-limit counters in the same round trip (`Store.put_new_limited` /
    `Store.take_limited`): over a limit it raises `RateLimitedError` and nothing is stored or
    taken. ``counted`` tells whether its counters were counted (a malformed nonce is never
    looked up, so its request is not counted there).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        counters: Sequence[Counter] = (),
        on_store_error: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = self._clock = clock
        self.counters = list(counters)
        self.on_store_error = on_store_error
        self.counted = False

    def limited(
        self,
        counters: Sequence[Counter],
        *,
        on_store_error: Callable[[str], None] | None = None,
    ) -> StoreNonces:
        """This store for one request, counting ``counters`` with its one put or take."""
        return StoreNonces(
            self.store, clock=self._clock, counters=counters, on_store_error=on_store_error
        )

    async def _put(self, binding: str, now: float, ttl: float) -> str:
        record = nonce_record(binding, now + ttl)
        for _ in range(3):
            nonce = generate_nonce()
            # The store keeps the record a little past its expiry; `consume` checks the time.
            if self.counters and not self.counted:
                with store_call("put_new_limited", self.on_store_error):
                    done = await self.store.put_new_limited(
                        _PREFIX + nonce, record, ttl + 5, self.counters
                    )
                self.counted = True
                SignInService._check(done)
                stored = done.stored
            else:  # no counters, or an id collision (never seen): the request was counted
                with store_call("put_new", self.on_store_error):
                    stored = await self.store.put_new(_PREFIX + nonce, record, ttl + 5)
            if stored:
                return nonce
        raise IdCollisionError("could not store a fresh nonce three times in a row")

    async def _take(self, nonce: str) -> tuple[str, float] | None:
        if not _NONCE.fullmatch(nonce):
            return None
        if self.counters:
            with store_call("take_limited", self.on_store_error):
                done = await self.store.take_limited(_PREFIX + nonce, self.counters)
            self.counted = True
            SignInService._check(done)  # over a limit nothing was taken
            raw = done.record
        else:
            with store_call("take", self.on_store_error):
                raw = await self.store.take(_PREFIX + nonce)
        if raw is None:
            return None
        try:
            return read_nonce_record(raw.decode("utf-8", "replace"))
        except ValueError:
            log.error("unreadable SIWS nonce record for %s", nonce)
            return None


def _string(body: Mapping[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise InvalidRequestError(f"{name} must be a non-empty string of at most {limit} chars")
    return value


class SiwsEndpoints:
    """The actions behind ``/siws/nonce`` and ``/siws/verify`` (the app wraps them in its JSON
    front door); see the module doc."""

    def __init__(self, service: SignInService) -> None:
        self.service = service
        self.config = service.config
        self.nonces = StoreNonces(service.store, clock=service.clock)

    def _chain(self, body: Mapping[str, Any]) -> int:
        chain_id = body.get("chainId", self.config.chain_id)
        if type(chain_id) is not int:
            raise InvalidRequestError("chainId must be an integer")
        if chain_id != self.config.chain_id:
            raise ChainMismatchError(
                f"this server signs in on chain {self.config.chain_id}, not {chain_id}"
            )
        return chain_id

    def _address(self, body: Mapping[str, Any]) -> str:
        address = _string(body, "walletAddress", 128)
        try:
            version, _ = parse_stacks_address(address)
        except InvalidAddressError:
            raise InvalidRequestError("walletAddress is not a Stacks address") from None
        if version not in CHAIN_ADDRESS_VERSIONS[self.config.chain_id]:
            raise InvalidRequestError("walletAddress is not an address of this server's chain")
        return address

    async def nonce(self, body: dict[str, Any], ip: str, origin: str) -> dict[str, Any]:
        """Issue a nonce bound to ``walletAddress`` and the chain."""
        chain_id = self._chain(body)
        address = self._address(body)
        limits = self.config.rate_limits
        checks = (
            ("siws-nonce-ip:" + ip, limits.challenge_ip),
            ("siws-nonce-key:" + nonce_binding(address, chain_id) + "@" + ip, limits.challenge_key),
        )
        nonces = self.nonces.limited(
            SignInService._counters(*checks), on_store_error=self.service.on_store_error
        )
        now = self.service.clock()
        ttl = self.config.challenge_ttl
        # One round trip: the rate limits, then (none over) the nonce stored.
        nonce = await nonces.issue(address, chain_id, ttl=ttl, now=now)
        return {
            "nonce": nonce,
            "domain": self.config.domain,
            "uri": self.config.uri,
            "chainId": chain_id,
            "expiresAt": iso_ms(int((now + ttl) * 1000)),
        }

    async def verify(self, body: dict[str, Any], ip: str, origin: str) -> dict[str, Any]:
        """Take the message's nonce, then verify the message and its signature; sign in."""
        chain_id = self._chain(body)
        address = self._address(body)
        message = _string(body, "message", MAX_MESSAGE_LENGTH)
        signature = _string(body, "signature", 200)
        public_key = body.get("publicKey")
        if public_key is not None:
            try:
                if not isinstance(public_key, str):
                    raise InvalidKeyError("publicKey must be a string")
                parse_public_key(public_key)
            except InvalidKeyError:
                raise InvalidRequestError("publicKey must be a hex secp256k1 key") from None
        limits = self.config.rate_limits
        checks = (
            ("siws-verify-ip:" + ip, limits.verify_ip),
            ("siws-verify-key:" + nonce_binding(address, chain_id) + "@" + ip, limits.verify_key),
        )
        # One round trip: the rate limits, then (none over) the nonce taken, before any check.
        nonces = self.nonces.limited(
            SignInService._counters(*checks), on_store_error=self.service.on_store_error
        )
        now = self.service.clock()
        try:
            signed_in = await averify_with_store(
                nonces,
                message,
                signature,
                domain=self.config.domain,
                uri=self.config.uri,
                chain_id=chain_id,
                address=address,
                public_key=public_key,
                now=now,
                legacy_prefix=self.config.stacks_legacy_prefix,
            )
        except RateLimitedError:
            raise
        except InvalidTokenError as exc:
            if not nonces.counted:
                # Refused before its nonce was looked up (a malformed message or nonce): the
                # request still counts, and over a limit the answer is 429 as before.
                await self.service._limit(*checks)
            log.info("SIWS sign-in refused address=%s ip=%s: %s", address, ip, exc.code)
            raise
        subject = session_subject(signed_in.address)
        with self.service.store_call("record_user"):
            await self.service.store.record_user(subject, "secp256k1")
        token = self.service.signer.issue(
            subject, now=now, extra={"account_id": signed_in.account_id}
        )
        log.info("SIWS sign-in %s ip=%s jti=%s", signed_in.account_id, ip, token.jti)
        return {
            "token": token.token,
            "success": True,
            "user": {
                "id": subject,
                "address": signed_in.address,
                "accountId": signed_in.account_id,
                "chainId": signed_in.chain_id,
                "publicKey": signed_in.public_key,
            },
            "tokenType": "Bearer",
            "expiresIn": token.expires_at - token.issued_at,
            "sub": subject,
        }
