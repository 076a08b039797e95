"""Every error authtokens raises on purpose.

The tree has one root and four families. ``InvalidTokenError`` means "this input is
rejected": a backend answers it with a 4xx and the ``code``; the sign-in server's refusals
(`SignInError`, with the HTTP ``status`` it answers) and the session-token claim errors belong
to it too, as do the Sign-In with Stacks refusals. ``UsageError`` means the caller
passed something malformed (a key given as an argument, a bad option) and is a bug to fix, so
``except InvalidTokenError`` never swallows it. ``ManifestError`` is a third, smaller family
for the only network step, the optional manifest loader (`authtokens.manifest`): "the network
or the manifest failed", neither a rejected token nor a caller's bug. ``InternalError`` is
the fourth: authtokens itself or its installation broke (a damaged bundled file, a random id
that collides three times), which a server answers with a 500 and nobody can fix by sending
other input. ``ReplayCacheFullError`` stands alone: a replay cache that can remember no more
tokens refuses new ones (rather than forget live ones), which is the verifier's condition, not
the token's fault (answer 503). ``StoreUnavailableError`` stands alone for the same reason: the
sign-in server's store (SQLite, Redis) failed or did not answer, so the request could not be
decided (answer 503, retry later)::

    AuthTokenError                       "error"
    ├── InvalidTokenError                "invalid_token"
    │   ├── MalformedTokenError          "malformed"
    │   │   ├── TokenTooLargeError       "token_too_large"
    │   │   └── CriticalHeaderError      "unsupported_crit"   (a `crit` header: RFC 7515)
    │   ├── UnsupportedAlgorithmError    "bad_alg"
    │   │   └── UnsecuredTokenError      "unsigned"
    │   ├── InvalidSignatureError        "bad_signature"
    │   ├── InvalidClaimError            "invalid_claim"
    │   │   ├── MissingClaimError        "missing_claim"
    │   │   ├── InvalidPublicKeysError   "invalid_public_keys"
    │   │   ├── InvalidIssuerError       "invalid_issuer"
    │   │   ├── InvalidScopeError        "invalid_scope"
    │   │   ├── WrongTokenTypeError      "wrong_token_type"   (an authRequest as a response)
    │   │   ├── WrongAudienceError       "wrong_audience"     (session tokens)
    │   │   └── WrongIssuerError         "wrong_issuer"       (session tokens)
    │   ├── IssuerMismatchError          "issuer_mismatch"
    │   ├── ExpiredTokenError            "expired"
    │   ├── ImmatureTokenError           "iat_in_future"
    │   ├── LifetimeTooLongError         "lifetime_too_long"
    │   ├── OriginMismatchError          "origin_mismatch"
    │   │   ├── ManifestOriginError      "manifest_origin_mismatch"
    │   │   └── RedirectOriginError      "redirect_origin_mismatch"
    │   ├── DecryptionError              "decryption_failed"
    │   ├── PlaintextKeyError            "plaintext_key"
    │   ├── UnsupportedVersionError      "unsupported_version"
    │   ├── RequestMismatchError         "request_mismatch"
    │   │   └── UnboundResponseError     "unbound_response"   (private_key null + request)
    │   ├── ReplayedTokenError           "replayed"
    │   ├── MalformedMessageError        "malformed_message"      (SIWS text outside the grammar)
    │   ├── MalformedClarityValueError   "malformed_clarity_value"
    │   ├── DomainMismatchError          "domain_mismatch"        (SIWS: expected ≠ message)
    │   ├── UriMismatchError             "uri_mismatch"
    │   ├── SchemeMismatchError          "scheme_mismatch"
    │   ├── NonceMismatchError           "nonce_mismatch"
    │   ├── NonceUnknownError            "nonce_unknown"          (not issued, expired, used)
    │   ├── ChainMismatchError           "chain_mismatch"
    │   ├── AddressMismatchError         "address_mismatch"
    │   ├── PublicKeyMismatchError       "public_key_mismatch"
    │   ├── NotYetValidError             "not_yet_valid"
    │   ├── IssuedInFutureError          "issued_in_future"
    │   ├── MessageTooOldError           "too_old"
    │   ├── SignInRefusedError           "app_refused"            (an app's /siws/* said no)
    │   └── SignInError                  "sign_in_refused"        HTTP 400 (the sign-in server)
    │       ├── InvalidRequestError      "invalid_request"        400
    │       │   ├── UnsupportedSchemeError "unsupported_scheme"   400
    │       │   ├── UnsupportedMediaError  "unsupported_media_type" 415
    │       │   └── RequestTooLargeError   "too_large"            413
    │       ├── OriginNotAllowedError    "origin_not_allowed"     403
    │       ├── RateLimitedError         "rate_limited"           429
    │       ├── ChallengeExpiredError    "challenge_expired"      401 (unknown, expired or spent)
    │       ├── SignatureRejectedError   "invalid_signature"      401
    │       ├── ChallengePendingError    "challenge_pending"      409 (WebSocket only)
    │       ├── NoChallengeError         "no_challenge"           409 (WebSocket only)
    │       ├── NotSignedInError         "not_signed_in"          401 (integrations: no session)
    │       ├── AccountTakenError        "account_taken"          409 (linked to another user)
    │       ├── AccountNotLinkedError    "account_not_linked"     404
    │       ├── LastAccountError         "last_account"           409 (would leave no way in)
    │       ├── LoginExpiredError        "login_expired"          400 (no pending legacy login)
    │       └── LegacyLoginDisabledError "legacy_disabled"        404 (no authenticator set)
    ├── UsageError                       "usage"
    │   ├── InvalidKeyError              "invalid_key"
    │   ├── InvalidEncodingError         "invalid_encoding"
    │   ├── InvalidAddressError          "invalid_address"
    │   ├── InvalidMnemonicError         "invalid_mnemonic"
    │   ├── InvalidArgumentError         "invalid_argument"
    │   │   └── InvalidMessageFieldError "invalid_message_field" (create_message refuses a field)
    │   ├── StoreNotOpenError            "store_not_open"
    │   └── UnsupportedMethodError       "unsupported_method"     (the test wallet lacks it)
    ├── ReplayCacheFullError             "replay_cache_full"      (the verifier's condition: 503)
    ├── StoreUnavailableError            "store_unavailable"      (the server's store failed: 503)
    ├── ManifestError                    "manifest_error"
    │   ├── ManifestFetchError           "manifest_unreachable"
    │   ├── ManifestTooLargeError        "manifest_too_large"
    │   └── InvalidManifestError         "manifest_invalid"
    └── InternalError                    "internal_error"         (HTTP 500)
        ├── CorruptDataError             "corrupt_data"           (the bundled BIP39 word list)
        └── IdCollisionError             "id_collision"           (3 fresh random ids all taken)

Messages say what was expected and what was found, and never contain key material. The
server's clients only ever see the code; its messages are for the server's log.
"""

from __future__ import annotations

__all__ = [
    "AccountNotLinkedError",
    "AccountTakenError",
    "AddressMismatchError",
    "AuthTokenError",
    "ChainMismatchError",
    "ChallengeExpiredError",
    "ChallengePendingError",
    "CorruptDataError",
    "CriticalHeaderError",
    "DecryptionError",
    "DomainMismatchError",
    "ExpiredTokenError",
    "IdCollisionError",
    "ImmatureTokenError",
    "InternalError",
    "InvalidAddressError",
    "InvalidArgumentError",
    "InvalidClaimError",
    "InvalidEncodingError",
    "InvalidIssuerError",
    "InvalidKeyError",
    "InvalidManifestError",
    "InvalidMessageFieldError",
    "InvalidMnemonicError",
    "InvalidPublicKeysError",
    "InvalidRequestError",
    "InvalidScopeError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "IssuedInFutureError",
    "IssuerMismatchError",
    "LastAccountError",
    "LegacyLoginDisabledError",
    "LifetimeTooLongError",
    "LoginExpiredError",
    "MalformedClarityValueError",
    "MalformedMessageError",
    "MalformedTokenError",
    "ManifestError",
    "ManifestFetchError",
    "ManifestOriginError",
    "ManifestTooLargeError",
    "MessageTooOldError",
    "MissingClaimError",
    "NoChallengeError",
    "NonceMismatchError",
    "NonceUnknownError",
    "NotSignedInError",
    "NotYetValidError",
    "OriginMismatchError",
    "OriginNotAllowedError",
    "PlaintextKeyError",
    "PublicKeyMismatchError",
    "RateLimitedError",
    "RedirectOriginError",
    "ReplayCacheFullError",
    "ReplayedTokenError",
    "RequestMismatchError",
    "RequestTooLargeError",
    "SchemeMismatchError",
    "SignInError",
    "SignInRefusedError",
    "SignatureRejectedError",
    "StoreNotOpenError",
    "StoreUnavailableError",
    "TokenTooLargeError",
    "UnboundResponseError",
    "UnsecuredTokenError",
    "UnsupportedAlgorithmError",
    "UnsupportedMediaError",
    "UnsupportedMethodError",
    "UnsupportedSchemeError",
    "UnsupportedVersionError",
    "UriMismatchError",
    "UsageError",
    "WrongAudienceError",
    "WrongIssuerError",
    "WrongTokenTypeError",
]


class AuthTokenError(Exception):
    """Root of every error the library raises on purpose."""

    code: str = "error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


# --- "reject this input" ------------------------------------------------------------------


class InvalidTokenError(AuthTokenError):
    """The token (or a value inside it) is rejected."""

    code = "invalid_token"


class MalformedTokenError(InvalidTokenError):
    """The token is not a well-formed compact JWS with a JSON object payload."""

    code = "malformed"


class CriticalHeaderError(MalformedTokenError):
    """The header lists ``crit`` extensions, which this verifier does not understand (RFC 7515
    §4.1.11 requires refusing the token); an empty or malformed ``crit`` is refused too."""

    code = "unsupported_crit"


class TokenTooLargeError(MalformedTokenError):
    """The token is larger than the configured size cap."""

    code = "token_too_large"


class UnsupportedAlgorithmError(InvalidTokenError):
    """The header's `alg` is not exactly ES256K."""

    code = "bad_alg"


class UnsecuredTokenError(UnsupportedAlgorithmError):
    """The token is unsigned (`alg: none`)."""

    code = "unsigned"


class InvalidSignatureError(InvalidTokenError):
    """The signature does not verify with the token's public key."""

    code = "bad_signature"


class InvalidClaimError(InvalidTokenError):
    """A claim has the wrong type or an impossible value."""

    code = "invalid_claim"


class MissingClaimError(InvalidClaimError):
    """A required claim is missing."""

    code = "missing_claim"


class InvalidPublicKeysError(InvalidClaimError):
    """`public_keys` is not a list of exactly one valid secp256k1 public key."""

    code = "invalid_public_keys"


class InvalidIssuerError(InvalidClaimError):
    """`iss` is not a well-formed `did:btc-addr:` DID."""

    code = "invalid_issuer"


class InvalidScopeError(InvalidClaimError):
    """A scope is unknown or malformed."""

    code = "invalid_scope"


class WrongTokenTypeError(InvalidClaimError):
    """The token is not of the kind expected: an authRequest given where an authResponse is
    verified (no ``private_key`` claim, or claims only a request carries)."""

    code = "wrong_token_type"


class WrongAudienceError(InvalidClaimError):
    """A session token's ``aud`` is not the expected audience."""

    code = "wrong_audience"


class WrongIssuerError(InvalidClaimError):
    """A session token's ``iss`` is not the expected issuer."""

    code = "wrong_issuer"


class IssuerMismatchError(InvalidTokenError):
    """The issuer DID does not belong to the token's public key."""

    code = "issuer_mismatch"


class ExpiredTokenError(InvalidTokenError):
    """The token's `exp` has passed."""

    code = "expired"


class ImmatureTokenError(InvalidTokenError):
    """The token's `iat` lies in the future."""

    code = "iat_in_future"


class LifetimeTooLongError(InvalidTokenError):
    """The token's lifetime exceeds the configured maximum."""

    code = "lifetime_too_long"


class OriginMismatchError(InvalidTokenError):
    """A URI in the token is not on the origin of `domain_name`."""

    code = "origin_mismatch"


class ManifestOriginError(OriginMismatchError):
    """`manifest_uri` is not on the origin of `domain_name`."""

    code = "manifest_origin_mismatch"


class RedirectOriginError(OriginMismatchError):
    """`redirect_uri` is not on the origin of `domain_name`."""

    code = "redirect_origin_mismatch"


class DecryptionError(InvalidTokenError):
    """Decryption failed (wrong key, bad MAC, bad padding or a malformed cipher object)."""

    code = "decryption_failed"

    def __init__(self, message: str = "") -> None:
        # One message for every cause: distinguishing them would be an oracle.
        super().__init__("decryption failed")


class PlaintextKeyError(InvalidTokenError):
    """The response carries the app private key unencrypted."""

    code = "plaintext_key"


class UnsupportedVersionError(InvalidTokenError):
    """The token's protocol `version` is not accepted."""

    code = "unsupported_version"


class RequestMismatchError(InvalidTokenError):
    """The response was not minted for the given request."""

    code = "request_mismatch"


class UnboundResponseError(RequestMismatchError):
    """The response carries ``private_key: null``: nothing ties it to the request's transit
    key, so it could have been minted for any app (``allow_unbound_response=True`` accepts it)."""

    code = "unbound_response"


class ReplayedTokenError(InvalidTokenError):
    """The token's `jti` has been used before."""

    code = "replayed"


# --- the sign-in server's refusals (still "reject this input") ----------------------------


class SignInError(InvalidTokenError):
    """A sign-in request is refused; ``status`` is the HTTP status to answer with."""

    code = "sign_in_refused"
    status = 400


class InvalidRequestError(SignInError):
    """The request is malformed: bad JSON, missing or ill-typed field, unparseable key."""

    code = "invalid_request"
    status = 400


class UnsupportedSchemeError(InvalidRequestError):
    """The signature scheme is unknown, disabled, or does not fit the key type."""

    code = "unsupported_scheme"


class UnsupportedMediaError(InvalidRequestError):
    """The request body is not declared as JSON."""

    code = "unsupported_media_type"
    status = 415


class RequestTooLargeError(InvalidRequestError):
    """The request body or frame exceeds the configured size cap."""

    code = "too_large"
    status = 413


class OriginNotAllowedError(SignInError):
    """The request carries an ``Origin`` that is not on the allowlist."""

    code = "origin_not_allowed"
    status = 403


class RateLimitedError(SignInError):
    """Too many requests from this address or for this key in the current window."""

    code = "rate_limited"
    status = 429


class ChallengeExpiredError(SignInError):
    """The challenge id is unknown, expired or already used (deliberately indistinguishable)."""

    code = "challenge_expired"
    status = 401


class SignatureRejectedError(SignInError):
    """The signature does not verify for the challenge's key and message."""

    code = "invalid_signature"
    status = 401


class ChallengePendingError(SignInError):
    """A challenge is already outstanding on this WebSocket connection."""

    code = "challenge_pending"
    status = 409


class NoChallengeError(SignInError):
    """A signature arrived on a WebSocket connection with no outstanding challenge."""

    code = "no_challenge"
    status = 409


# --- the verifier's own condition ---------------------------------------------------------


class ReplayCacheFullError(AuthTokenError):
    """The replay cache holds as many live token ids as it may: the token is refused (it cannot
    be remembered, so accepting it would re-open replays) until ids expire. Not the token's
    fault: answer 503, and size the cache for the peak."""

    code = "replay_cache_full"


class StoreUnavailableError(AuthTokenError):
    """The sign-in server's store failed or did not answer (a full disk, a database locked past
    its busy timeout, Redis down or silent): the request was neither accepted nor refused. Not
    the client's fault: answer 503 and let it retry."""

    code = "store_unavailable"
    status = 503


# --- "the caller misused the API" ---------------------------------------------------------


class UsageError(AuthTokenError):
    """The caller passed a malformed argument."""

    code = "usage"


class InvalidKeyError(UsageError):
    """A key given by the caller is malformed or not on the curve."""

    code = "invalid_key"


class InvalidEncodingError(UsageError):
    """A hex, base64url or JSON value given by the caller is malformed."""

    code = "invalid_encoding"


class InvalidAddressError(UsageError):
    """An address or DID given by the caller is malformed."""

    code = "invalid_address"


class InvalidMnemonicError(UsageError):
    """A mnemonic is not a valid BIP39 English phrase (word list or checksum)."""

    code = "invalid_mnemonic"


class InvalidArgumentError(UsageError):
    """An argument has the wrong type or an impossible value."""

    code = "invalid_argument"


class StoreNotOpenError(UsageError):
    """A sign-in store was used before its ``open()`` (or after ``close()``)."""

    code = "store_not_open"


# --- "the network or the manifest failed" ---------------------------------------------------


class ManifestError(AuthTokenError):
    """Loading an app manifest failed (network, HTTP status, size or content)."""

    code = "manifest_error"


class ManifestFetchError(ManifestError):
    """The manifest could not be fetched (connection, timeout, HTTP status, redirect refused)."""

    code = "manifest_unreachable"


class ManifestTooLargeError(ManifestError):
    """The manifest is larger than the configured size cap."""

    code = "manifest_too_large"


class InvalidManifestError(ManifestError):
    """The manifest is not a JSON object."""

    code = "manifest_invalid"


# --- "authtokens itself or its installation broke" -----------------------------------------


class InternalError(AuthTokenError):
    """authtokens or its installation is broken; not the input's fault nor the caller's."""

    code = "internal_error"


class CorruptDataError(InternalError):
    """A data file shipped with authtokens (the BIP39 word list) is damaged or substituted."""

    code = "corrupt_data"


class IdCollisionError(InternalError):
    """Fresh random ids collided with live ones three times in a row (a broken RNG or store)."""

    code = "id_collision"


# --- Sign-In with Stacks, wallet messages and Clarity values ---------------------------------


class MalformedMessageError(InvalidTokenError):
    """The Sign-In with Stacks text does not follow the message grammar exactly."""

    code = "malformed_message"


class MalformedClarityValueError(InvalidTokenError):
    """Bytes are not the consensus serialisation of a Clarity value."""

    code = "malformed_clarity_value"


class DomainMismatchError(InvalidTokenError):
    """The message names another domain than the one expected."""

    code = "domain_mismatch"


class UriMismatchError(InvalidTokenError):
    """The message's URI is not the one expected."""

    code = "uri_mismatch"


class SchemeMismatchError(InvalidTokenError):
    """The message's scheme is not the one expected."""

    code = "scheme_mismatch"


class NonceMismatchError(InvalidTokenError):
    """The message carries another nonce than the one expected."""

    code = "nonce_mismatch"


class NonceUnknownError(InvalidTokenError):
    """The nonce was not issued, has expired, was already used, or belongs to another account."""

    code = "nonce_unknown"


class ChainMismatchError(InvalidTokenError):
    """The message's chain ID is not the one expected."""

    code = "chain_mismatch"


class AddressMismatchError(InvalidTokenError):
    """The signer's address is not the one claimed."""

    code = "address_mismatch"


class PublicKeyMismatchError(InvalidTokenError):
    """The public key sent beside the signature is not the signer's."""

    code = "public_key_mismatch"


class NotYetValidError(InvalidTokenError):
    """The message's `Not Before` time has not come yet."""

    code = "not_yet_valid"


class IssuedInFutureError(InvalidTokenError):
    """The message's `Issued At` lies in the future."""

    code = "issued_in_future"


class MessageTooOldError(InvalidTokenError):
    """The message's `Issued At` is older than the accepted maximum age."""

    code = "too_old"


class InvalidMessageFieldError(InvalidArgumentError):
    """A field given to build a Sign-In with Stacks message is refused (as the reference does)."""

    code = "invalid_message_field"


# --- the test wallet and its sign-in helper -------------------------------------------------


class SignInRefusedError(InvalidTokenError):
    """The app refused a sign-in; ``status`` is the HTTP status, ``error`` the app's code."""

    # Not "sign_in_refused": that is the sign-in server's own refusal (authtokens.server).
    code = "app_refused"

    def __init__(self, message: str = "", *, status: int = 0, error: str | None = None) -> None:
        self.status = status
        self.error = error
        super().__init__(message)


class UnsupportedMethodError(UsageError):
    """The wallet does not implement the requested SIP-030 method."""

    code = "unsupported_method"


# --- web framework integrations (issue 12): sessions, users, the legacy redirect flow ---------


class NotSignedInError(SignInError):
    """No live session: no cookie or bearer token, or one that expired or was logged out."""

    code = "not_signed_in"
    status = 401


class AccountTakenError(SignInError):
    """The address (or legacy identity) is already linked to another user."""

    code = "account_taken"
    status = 409


class AccountNotLinkedError(SignInError):
    """The account to unlink is not linked to the signed-in user."""

    code = "account_not_linked"
    status = 404


class LastAccountError(SignInError):
    """Unlinking the user's only account would leave no way to sign in."""

    code = "last_account"
    status = 409


class LoginExpiredError(SignInError):
    """The legacy callback has no pending login for this browser (expired, used or foreign)."""

    code = "login_expired"
    status = 400


class LegacyLoginDisabledError(SignInError):
    """The legacy authRequest flow is off: no authenticator URL is configured."""

    code = "legacy_disabled"
    status = 404
