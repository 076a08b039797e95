"""Key-based challenge-response sign-in, framework-free (challenge-login.md §4).

Parse the client's key (`parse_client_key`), build the message it signs from explicit arguments
(`build_message`), and verify its signature under one of the registered schemes
(`verify_signature`). Storage, rate limits, HTTP and sessions are the caller's: the sign-in
server in `authtokens.server` is one such caller. Needs only the base install.
"""

from __future__ import annotations

from .keys import ClientKey, KeyType, libp2p_decode, libp2p_encode, parse_client_key
from .messages import (
    ChallengeRecord,
    SignedMessage,
    build_message,
    iso_ms,
    new_challenge_id,
    new_nonce,
)
from .schemes import (
    ALL_SCHEMES,
    DEFAULT_SCHEMES,
    SCHEMES,
    Expected,
    Scheme,
    check_scheme,
    decode_signature,
    default_scheme,
    verify_signature,
)

__all__ = [
    "ALL_SCHEMES",
    "DEFAULT_SCHEMES",
    "SCHEMES",
    "ChallengeRecord",
    "ClientKey",
    "Expected",
    "KeyType",
    "Scheme",
    "SignedMessage",
    "build_message",
    "check_scheme",
    "decode_signature",
    "default_scheme",
    "iso_ms",
    "libp2p_decode",
    "libp2p_encode",
    "new_challenge_id",
    "new_nonce",
    "parse_client_key",
    "verify_signature",
]
