"""Session tokens (PyJWT), JWKS, and the Textile ``sig``/``msg``. The signing key and the API
secret on disk are `authtokens.server.keyfiles`'.

Tokens are JWTs with ``iss``, ``aud``, ``sub`` (the canonical key id), ``iat``, ``nbf``,
``exp``, ``jti`` and a ``kid`` header (the RFC 7638 thumbprint of the public key), signed with
ES256K (default) or EdDSA. Signing is written out here rather than run through PyJWT: the
header segment is encoded once per signer (PyJWT's own form, sorted keys
``{"alg","kid","typ"}``), the payload is compact JSON, and an ES256K signature is computed by
libsecp256k1 (coincurve) with the parsed key kept, about 15 times faster than OpenSSL's
generic-curve code and without PyJWT's per-token header work. The token is a standard compact
JWS (raw r||s, low S, RFC 6979 nonce) that PyJWT and any JOSE library verify.

`verify_session_token` is the helper for the application's other services: a fixed algorithm
allowlist (never ``none``, never HMAC, never taken from the token), required claims, issuer and
audience checks, and an injectable clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import jwt as pyjwt
from coincurve import PrivateKey
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from .. import jsjson
from ..challenge.messages import iso_ms
from ..claims import check_seconds, resolve_now
from ..encoding import b64url_decode, b64url_encode, multibase_b32_encode
from ..errors import (
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidArgumentError,
    InvalidClaimError,
    InvalidEncodingError,
    InvalidSignatureError,
    MalformedTokenError,
    MissingClaimError,
    UnsecuredTokenError,
    UnsupportedAlgorithmError,
    WrongAudienceError,
    WrongIssuerError,
)
from ..hashes import sha256
from ..jwt import check_critical
from ..signatures import sign_digest
from .keyfiles import SigningKey

__all__ = [
    "SESSION_ALGORITHMS",
    "SessionClaims",
    "TokenSigner",
    "textile_api_sig",
    "verify_session_token",
]

SESSION_ALGORITHMS = ("ES256K", "EdDSA")
_REQUIRED = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti")

PublicKeyType = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def textile_api_sig(secret: bytes, msg: str) -> str:
    """Textile ``createAPISig``: ``'b'`` + base32lower(HMAC-SHA256(secret, msg)), unpadded."""
    mac = hmac.digest(secret, msg.encode("utf-8"), "sha256")
    return multibase_b32_encode(mac)


# --- signing ---------------------------------------------------------------------------------


def _public_jwk(public_key: PublicKeyType) -> dict[str, Any]:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return OKPAlgorithm.to_jwk(public_key, as_dict=True)
    return ECAlgorithm.to_jwk(public_key, as_dict=True)


def _thumbprint(jwk: Mapping[str, Any]) -> str:
    members = ("crv", "kty", "x") if jwk["kty"] == "OKP" else ("crv", "kty", "x", "y")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return b64url_encode(digest)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly signed session token and its timing."""

    token: str
    jti: str
    issued_at: int
    expires_at: int

    @property
    def expires_iso(self) -> str:
        """The expiry in JS ``toISOString`` form (the Textile ``msg``)."""
        return iso_ms(self.expires_at * 1000)


class TokenSigner:
    """Issues session tokens with one key; publishes it as a JWKS."""

    def __init__(self, key: SigningKey, *, issuer: str, audience: str, ttl: int) -> None:
        self.alg = "EdDSA" if isinstance(key, ed25519.Ed25519PrivateKey) else "ES256K"
        self.public_jwk = _public_jwk(key.public_key())
        self.kid = _thumbprint(self.public_jwk)
        self.public_jwk = {**self.public_jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}
        self.issuer, self.audience, self.ttl = issuer, audience, ttl
        header = {"alg": self.alg, "kid": self.kid, "typ": "JWT"}  # sorted, as PyJWT writes it
        self._header = b64url_encode(json.dumps(header, separators=(",", ":")).encode("ascii"))
        self._secp256k1: PrivateKey | None = None
        self._ed25519: ed25519.Ed25519PrivateKey | None = None
        if isinstance(key, ec.EllipticCurvePrivateKey):
            if not isinstance(key.curve, ec.SECP256K1):
                raise InvalidArgumentError("an EC session-token key must be on secp256k1")
            self._secp256k1 = PrivateKey(key.private_numbers().private_value.to_bytes(32, "big"))
        else:
            self._ed25519 = key

    def sign(self, payload: bytes) -> str:
        """The compact JWS of ``payload`` (JSON bytes) under this signer's header and key."""
        signing_input = self._header + "." + b64url_encode(payload)
        data = signing_input.encode("ascii")
        if self._secp256k1 is not None:
            signature = sign_digest(self._secp256k1, sha256(data))  # r || s, low S
        else:
            assert self._ed25519 is not None
            signature = self._ed25519.sign(data)
        return signing_input + "." + b64url_encode(signature)

    def issue(
        self,
        subject: str,
        *,
        now: float | None = None,
        ttl: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IssuedToken:
        """Sign a token for ``subject`` valid from now for ``ttl`` seconds (the signer's by
        default). ``extra`` claims (e.g. an integration's session id ``sid``) are added after
        the registered ones and may not replace them (`InvalidArgumentError`)."""
        iat = int(time.time() if now is None else now)
        lifetime = self.ttl if ttl is None else ttl
        jti = b64url_encode(secrets.token_bytes(16))
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": iat,
            "nbf": iat,
            "exp": iat + lifetime,
            "jti": jti,
        }
        for name, value in (extra or {}).items():
            if name in claims:
                raise InvalidArgumentError(f"extra claim {name!r} would replace a registered one")
            claims[name] = value
        payload = json.dumps(claims, separators=(",", ":")).encode("utf-8")
        return IssuedToken(self.sign(payload), jti, iat, iat + lifetime)

    def jwks(self) -> dict[str, Any]:
        """``{"keys": [public JWK with kid, alg, use]}``."""
        return {"keys": [dict(self.public_jwk)]}


# --- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionClaims:
    """A verified session token."""

    sub: str
    iss: str
    aud: str
    iat: int
    nbf: int
    exp: int
    jti: str
    kid: str
    claims: dict[str, Any]


def _key_for(keys: Any, kid: Any, alg: str) -> Any:
    if isinstance(keys, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        return keys
    if isinstance(keys, Mapping):
        entries: Iterable[Any] = keys.get("keys", [keys])
        for jwk in entries:
            if not isinstance(jwk, Mapping) or (jwk.get("kid") is not None and jwk["kid"] != kid):
                continue
            if jwk.get("alg") not in (None, alg):
                continue
            try:
                return pyjwt.PyJWK(dict(jwk), algorithm=alg).key
            except pyjwt.exceptions.PyJWKError:
                continue
        raise InvalidSignatureError("no configured key matches the token's kid and alg")
    raise InvalidArgumentError("keys must be a public key object, a JWK or a JWKS dict")


def _session_header(token: str) -> dict[str, Any]:
    """The header, read and checked by us before PyJWT sees it, so that none of PyJWT's own
    header errors (``crit``, a non-string ``kid``) can escape: strict JSON object, no ``crit``
    (RFC 7515 §4.1.11: we understand no extension), ``kid`` a string when present."""
    if token.count(".") != 2:
        raise MalformedTokenError("session token is not a compact JWS")
    try:
        header = jsjson.loads(b64url_decode(token.split(".", 1)[0], what="header"))
    except InvalidEncodingError:
        raise MalformedTokenError("session token header is malformed") from None
    if not isinstance(header, dict):
        raise MalformedTokenError("session token header must be a JSON object")
    check_critical(header)
    if "kid" in header and not isinstance(header["kid"], str):
        raise MalformedTokenError("session token kid must be a string")
    return header


def verify_session_token(
    token: str,
    keys: Any,
    *,
    issuer: str,
    audience: str,
    algorithms: Iterable[str] = SESSION_ALGORITHMS,
    leeway: float = 30.0,
    now: float | None = None,
) -> SessionClaims:
    """Verify a session token issued by this server and return its claims.

    ``keys`` is the server's JWKS (``GET /.well-known/jwks.json``), one JWK, or a public key
    object. ``algorithms`` may only narrow ``("ES256K", "EdDSA")``. Checks: signature with the
    key named by ``kid``; ``alg`` on the allowlist (``none`` and HMAC refused); every claim of
    ``iss aud sub iat nbf exp jti`` present; ``iss``/``aud`` equal to the expected values;
    ``exp`` ahead and ``nbf``/``iat`` not ahead of ``now`` (± ``leeway``); no ``crit`` header
    (`CriticalHeaderError`) and a string ``kid``, checked before PyJWT reads the token. Raises
    an `InvalidTokenError` subclass naming the failed check, and only the library's errors:
    `InvalidArgumentError` for a non-finite or negative ``leeway`` or a bad ``now``.
    """
    allowed = tuple(algorithms)
    if not allowed or any(a not in SESSION_ALGORITHMS for a in allowed):
        raise InvalidArgumentError(f"algorithms must be a subset of {SESSION_ALGORITHMS}")
    check_seconds(leeway, "leeway")
    moment = resolve_now(now)
    if not isinstance(token, str) or len(token) > 8192:
        raise MalformedTokenError("session token must be a string of at most 8192 characters")
    header = _session_header(token)
    try:
        pyjwt.get_unverified_header(token)  # PyJWT's own reading must agree with ours
    except pyjwt.exceptions.PyJWTError:
        raise MalformedTokenError("session token is not a compact JWS") from None
    alg = header.get("alg")
    if isinstance(alg, str) and alg.lower() == "none":
        raise UnsecuredTokenError("session token is unsigned")
    if alg not in allowed:
        raise UnsupportedAlgorithmError(f"session token alg {alg!r} is not allowed")
    key = _key_for(keys, header.get("kid"), cast(str, alg))
    try:
        claims: dict[str, Any] = pyjwt.decode(
            token,
            key,
            algorithms=[cast(str, alg)],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "require": list(_REQUIRED),
            },
        )
    except pyjwt.exceptions.InvalidSignatureError:
        raise InvalidSignatureError("session token signature does not verify") from None
    except pyjwt.exceptions.MissingRequiredClaimError as exc:
        raise MissingClaimError(f"session token lacks {exc.claim}") from None
    except pyjwt.exceptions.InvalidAlgorithmError:
        raise UnsupportedAlgorithmError("session token alg is not allowed") from None
    except pyjwt.exceptions.PyJWTError as exc:
        raise MalformedTokenError(f"session token is malformed: {exc}") from None
    if claims["iss"] != issuer:
        raise WrongIssuerError("session token was issued by another issuer")
    if claims["aud"] != audience:
        raise WrongAudienceError("session token is meant for another audience")
    for name in ("iat", "nbf", "exp"):
        value = claims[name]
        if type(value) is not int:
            raise InvalidClaimError(f"session token {name} must be an integer")
    for name in ("sub", "jti"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise InvalidClaimError(f"session token {name} must be a non-empty string")
    if claims["exp"] <= moment - leeway:
        raise ExpiredTokenError("session token has expired")
    if claims["nbf"] > moment + leeway or claims["iat"] > moment + leeway:
        raise ImmatureTokenError("session token is not valid yet")
    return SessionClaims(
        claims["sub"],
        claims["iss"],
        claims["aud"],
        claims["iat"],
        claims["nbf"],
        claims["exp"],
        claims["jti"],
        str(header.get("kid", "")),
        claims,
    )
