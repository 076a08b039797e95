"""The sign-in flow, shared by the HTTP and WebSocket front ends (no I/O of its own but the store).

`SignInService.issue` parses the key, builds the challenge, and counts the rate limits and
stores its record in one store round trip (``put_new_limited``: nothing is stored over a
limit). `SignInService.complete` counts the per-address limit, consumes the record and counts the
per-key limit in one round trip (``take_limited``), *before* verifying (take-then-verify: of
concurrent attempts on one id exactly one can proceed), rebuilds the message and checks its
hash, verifies the signature under the recorded scheme, records the user (a second round trip:
the user is written only once the signature verified, and the challenge must be gone before it
is checked, so the two cannot share one) and issues the session token. Every refusal is a
`SignInError` with a stable code.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from ..challenge.keys import ClientKey, parse_client_key
from ..challenge.messages import (
    ChallengeRecord,
    SignedMessage,
    build_message,
    iso_ms,
    new_challenge_id,
    new_nonce,
)
from ..challenge.schemes import Expected, check_scheme, default_scheme, verify_signature
from ..clarity import serialize_hex
from ..errors import (
    AuthTokenError,
    ChallengeExpiredError,
    IdCollisionError,
    InvalidRequestError,
    OriginNotAllowedError,
    RateLimitedError,
    SignatureRejectedError,
    StoreUnavailableError,
)
from ..hashes import sha256
from ..stores.base import OWNER, Counter, Limited, Store, UserRecord, first_over
from .config import Limit, ServerConfig
from .limits import LogThrottle
from .session import IssuedToken, TokenSigner, textile_api_sig

__all__ = ["IssuedChallenge", "SignInResult", "SignInService"]

log = logging.getLogger("authtokens.server")
_CHALLENGE_ID = re.compile(r"[A-Za-z0-9_-]{22}")


@contextmanager
def store_call(operation: str, on_error: Callable[[str], None] | None = None) -> Iterator[None]:
    """Turn a store's failure inside the block (a full disk, a lock held past the busy timeout,
    Redis down or silent) into `StoreUnavailableError`, after ``on_error(operation)`` (the
    metrics). The library's own errors pass unchanged."""
    try:
        yield
    except AuthTokenError:
        raise
    except Exception as exc:
        if on_error is not None:
            on_error(operation)
        _store_failures.event(f"{operation}: {exc!r}"[:300])
        raise StoreUnavailableError(f"store {operation} failed: {exc!r}") from exc


# One line per 10 s while the store is failing, not a traceback per request.
_store_failures = LogThrottle(log, logging.ERROR, "store failures, requests answered 503")


@dataclass(frozen=True, slots=True)
class IssuedChallenge:
    """A stored challenge and the message to sign."""

    record: ChallengeRecord
    message: SignedMessage

    def body(self) -> dict[str, Any]:
        """The HTTP answer (also the WebSocket frame's extension fields)."""
        out: dict[str, Any] = {
            "id": self.record.id,
            "scheme": self.record.scheme,
            "message": self.message.text,
            "messageB64": base64.b64encode(self.message.text.encode("utf-8")).decode("ascii"),
            "nonce": self.record.nonce,
            "issuedAt": iso_ms(self.record.issued_at_ms),
            "expiresAt": iso_ms(self.record.expires_at_ms),
        }
        if self.message.domain_cv is not None and self.message.message_cv is not None:
            out["domainHex"] = serialize_hex(self.message.domain_cv)
            out["structuredMessageHex"] = serialize_hex(self.message.message_cv)
        if self.record.address or self.record.key_type == "secp256k1":
            out["address"] = self.record.display
        return out


@dataclass(frozen=True, slots=True)
class SignInResult:
    """A completed sign-in."""

    token: IssuedToken
    key: ClientKey
    user: UserRecord
    value: dict[str, str]  # Textile UserAuth {key, sig, msg, token, pubkey}


class SignInService:
    """Challenge issuing and verification over a `Store` (see the module doc)."""

    def __init__(
        self,
        config: ServerConfig,
        store: Store,
        signer: TokenSigner,
        api_secret: bytes,
        *,
        clock: Callable[[], float] = time.time,
        on_store_error: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.on_store_error = on_store_error
        self.store = store
        self.signer = signer
        self.api_secret = api_secret
        self.clock = clock
        self.app_key = config.app_key or signer.kid

    # -- rate limits ------------------------------------------------------------------------

    def store_call(self, operation: str) -> AbstractContextManager[None]:
        """Around a store call: its failure becomes `StoreUnavailableError` (counted)."""
        return store_call(operation, self.on_store_error)

    async def _limit(self, *checks: tuple[str, Limit]) -> None:
        """Count one request against each ``(counter name, limit)``; `RateLimitedError` when
        one is over (a round trip of its own: the sign-in steps fold theirs into their store
        call, `put_new_limited` / `take_limited`)."""
        active = self._counters(*checks)
        if not active:
            return
        with self.store_call("hit"):
            counts = await self.store.hit([(name, window) for name, window, _ in active])
        over = first_over(active, counts)
        if over is not None:
            raise RateLimitedError(f"rate limit {over.split(':', 1)[0]} exceeded")

    @staticmethod
    def _counters(*checks: tuple[str, Limit]) -> list[Counter]:
        return [(name, lim.window, lim.count) for name, lim in checks if lim.count > 0]

    @staticmethod
    def _check(done: Limited) -> None:
        if done.over is not None:
            raise RateLimitedError(f"rate limit {done.over.split(':', 1)[0]} exceeded")

    # -- issuing -----------------------------------------------------------------------------

    async def issue(
        self,
        request: Mapping[str, Any],
        *,
        ip: str,
        origin: str,
        channel: str,
        ttl: float | None = None,
    ) -> IssuedChallenge:
        """Issue a challenge for the key in ``request`` (``pubkey``, or ``address`` with an
        optional ``publicKey``; optional ``scheme``). Raises `InvalidRequestError`,
        `UnsupportedSchemeError` or `RateLimitedError`."""
        address = request.get("address")
        pubkey = request.get("publicKey") if address is not None else request.get("pubkey")
        if address is None and pubkey is None:
            raise InvalidRequestError("pubkey is required")
        key = parse_client_key(pubkey, address=address, network=self.config.stacks_network)
        scheme = request.get("scheme")
        if scheme is None:
            scheme = default_scheme(key, libp2p=isinstance(pubkey, str) and pubkey[:5] == "bbabb")
        check_scheme(scheme, key, self.config.schemes)
        limits = self.config.rate_limits
        counters = self._counters(
            ("challenge-ip:" + ip, limits.challenge_ip),
            # Per key AND address: a stranger naming someone's key spends only their own budget.
            ("challenge-key:" + key.key_id + "@" + ip, limits.challenge_key),
        )
        lifetime = self.config.challenge_ttl if ttl is None else ttl
        now_ms = int(self.clock() * 1000)
        expires_ms = now_ms + int(lifetime * 1000)
        nonce = new_nonce()
        message = self._message(key, scheme, nonce, now_ms, expires_ms)
        for attempt in range(3):
            record = ChallengeRecord(
                id=new_challenge_id(),
                key_id=key.key_id,
                key_type=key.key_type,
                public_key=key.public_key.hex(),
                display=key.display,
                address=key.address,
                scheme=scheme,
                nonce=nonce,
                issued_at_ms=now_ms,
                expires_at_ms=expires_ms,
                message_sha256=message.sha256_hex,
                origin=origin,
                ip_hash=sha256(ip.encode("utf-8")).hex()[:16],
                channel=channel,
            )
            # The store keeps the record a little past its expiry; `complete` checks the time.
            with self.store_call("put_new_limited"):
                if attempt == 0:
                    done = await self.store.put_new_limited(
                        record.id, record.to_bytes(), lifetime + 5, counters
                    )
                else:  # an id collision (never seen): the request was counted already
                    done = Limited(
                        [],
                        stored=await self.store.put_new(record.id, record.to_bytes(), lifetime + 5),
                    )
            self._check(done)
            stored = done.stored
            if stored:
                log.info("challenge issued key=%s scheme=%s ip=%s", key.key_id, scheme, ip)
                return IssuedChallenge(record, message)
        raise IdCollisionError("could not store a fresh challenge id three times in a row")

    async def discard(self, challenge_id: str) -> None:
        """Consume a challenge that will not be answered (a WebSocket deadline)."""
        with self.store_call("take"):
            await self.store.take(challenge_id)

    # -- verifying ---------------------------------------------------------------------------

    async def complete(
        self,
        challenge_id: Any,
        signature: Any,
        *,
        ip: str,
        origin: str,
        channel: str = "http",
        sig_encoding: Any = None,
    ) -> SignInResult:
        """Consume challenge ``challenge_id`` and verify ``signature`` for it.

        ``channel`` (``"http"`` or ``"ws"``) must be the one the challenge was issued on: a
        WebSocket challenge is answered on its socket only, so its id, once seen, cannot be
        completed over HTTP by someone else (and vice versa).

        Raises `InvalidRequestError` (malformed input), `RateLimitedError`,
        `ChallengeExpiredError` (unknown, expired or already used: one code for all three),
        `OriginNotAllowedError` (answered from another origin than it was issued to) or
        `SignatureRejectedError`.
        """
        if not isinstance(challenge_id, str) or not _CHALLENGE_ID.fullmatch(challenge_id):
            raise InvalidRequestError("id must be a challenge id")
        if signature is None:
            raise InvalidRequestError("signature is required")
        limits = self.config.rate_limits
        with self.store_call("take_limited"):
            done = await self.store.take_limited(
                challenge_id,
                self._counters(("verify-ip:" + ip, limits.verify_ip)),
                owner_field="key_id",
                owner_counters=self._counters(
                    ("verify-key:" + OWNER + "@" + ip, limits.verify_key)
                ),
            )
        self._check(done)  # over the per-key limit, the challenge is spent (as a failed attempt)
        raw = done.record
        if raw is None:
            raise ChallengeExpiredError("challenge is unknown, expired or used")
        try:
            record = ChallengeRecord.from_bytes(raw)
            key = record.client_key()
        except (ValueError, TypeError) as exc:
            log.error("corrupted challenge record %s: %s", challenge_id, exc)
            raise ChallengeExpiredError("challenge record is unreadable") from None
        now = self.clock()
        if record.expires_at_ms <= int(now * 1000):
            raise ChallengeExpiredError("challenge has expired")
        if record.origin != origin:
            raise OriginNotAllowedError("challenge answered from another origin than issued to")
        if record.channel != channel:
            raise ChallengeExpiredError(f"{record.channel} challenge answered over {channel}")
        message = self._message(
            key, record.scheme, record.nonce, record.issued_at_ms, record.expires_at_ms
        )
        if message.sha256_hex != record.message_sha256:
            # The configuration (domain, URI, statement) changed since the challenge was issued.
            raise ChallengeExpiredError("challenge no longer matches the configuration")
        try:
            public_key = self._verify(record, key, message, signature, sig_encoding, now)
        except SignatureRejectedError:
            log.info("sign-in refused key=%s ip=%s: bad signature", record.key_id, ip)
            raise
        key = replace(key, public_key=public_key)
        with self.store_call("record_user"):
            user = await self.store.record_user(key.key_id, key.key_type)
        token = self.signer.issue(key.key_id, now=now)
        msg = token.expires_iso
        value = {
            "key": self.app_key,
            "sig": textile_api_sig(self.api_secret, msg),
            "msg": msg,
            "token": token.token,
            "pubkey": key.pubkey_string,
        }
        log.info("sign-in key=%s ip=%s jti=%s", key.key_id, ip, token.jti)
        return SignInResult(token, key, user, value)

    def _message(
        self, key: ClientKey, scheme: str, nonce: str, issued_at_ms: int, expires_at_ms: int
    ) -> SignedMessage:
        config = self.config
        return build_message(
            key,
            scheme,
            domain=config.domain,
            uri=config.uri,
            statement=config.statement,
            nonce=nonce,
            issued_at_ms=issued_at_ms,
            expires_at_ms=expires_at_ms,
        )

    def _verify(
        self,
        record: ChallengeRecord,
        key: ClientKey,
        message: SignedMessage,
        signature: Any,
        sig_encoding: Any,
        now: float,
    ) -> bytes:
        expected = Expected(
            nonce=record.nonce,
            audience=self.config.uri,
            now=now,
            not_after=record.expires_at_ms / 1000,
            legacy_prefix=self.config.stacks_legacy_prefix,
        )
        return verify_signature(
            record.scheme, key, message, signature, encoding=sig_encoding, expected=expected
        )
