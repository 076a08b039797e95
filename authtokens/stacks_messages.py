"""What Stacks wallets sign: plain messages (``stx_signMessage``) and SIP-018 structured data.

Plain message digest (@stacks/encryption ``hashMessage``)::

    SHA-256(0x17 "Stacks Signed Message:\\n" || CompactSize(len(utf8)) || utf8(message))

The legacy prefix ``0x18 "Stacks Message Signing:\\n"`` is what wallets older than 2023 used;
it is tried only when the caller opts in (the reference retries it silently).

Signatures are 65 bytes as hex. Wallets return **RSV** (``r || s || recovery id``, what
``signMessageHashRsv`` writes); the older stacks.js **VRS** form (recovery id first) is also
read. High S is accepted, as the reference does. Recovered keys are compressed; an explicitly
given public key is checked as given (an uncompressed key has its own address).

SIP-018 digest::

    SHA-256("SIP018" || SHA-256(serializeCV(domain)) || SHA-256(serializeCV(message)))

The domain must be exactly the tuple ``{name: string-ascii, version: string-ascii, chain-id:
uint}``, as ``encodeStructuredDataBytes`` requires. Values are `authtokens.clarity` values,
serialised in Clarity's consensus order (tuple keys sorted by bytes). stacks.js sorts tuple keys
with ``localeCompare`` instead, so for tuples whose keys mix case or ``-``/``_`` (e.g.
``{a_b, a-b, B, a, a1}``) wallets sign bytes Clarity never writes. `verify_structured_data`
therefore accepts a signature over either ordering: both encode the same value.
"""

from __future__ import annotations

from coincurve import PublicKey

from .addresses import c32check_decode, stacks_address
from .clarity import (
    ClarityValue as CV,
)
from .clarity import (
    KeyOrder,
    StringAsciiCV,
    TupleCV,
    UIntCV,
    deserialize,
    serialize,
)
from .encoding import hex_decode
from .errors import (
    AddressMismatchError,
    InvalidArgumentError,
    InvalidEncodingError,
    InvalidSignatureError,
    MalformedClarityValueError,
    PublicKeyMismatchError,
)
from .hashes import sha256
from .keys import parse_private_key, parse_public_key
from .signatures import recover_digest, sign_digest_recoverable, verify_digest

__all__ = [
    "LEGACY_PREFIX",
    "MESSAGE_PREFIX",
    "SIP018_PREFIX",
    "compact_size",
    "hash_message",
    "recover_candidates",
    "recover_public_key",
    "sign_message",
    "sign_structured_data",
    "signature_bytes",
    "structured_data_hash",
    "verify_message_signature",
    "verify_structured_data",
]

MESSAGE_PREFIX = b"\x17Stacks Signed Message:\n"
LEGACY_PREFIX = b"\x18Stacks Message Signing:\n"
SIP018_PREFIX = b"SIP018"


def compact_size(n: int) -> bytes:
    """Bitcoin CompactSize varint of ``n``."""
    if n < 0xFD:
        return bytes((n,))
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def hash_message(text: str | bytes, *, legacy: bool = False) -> bytes:
    """The 32-byte ``stx_signMessage`` digest of ``text`` (@stacks/encryption ``hashMessage``).

    ``legacy=True`` uses the pre-2023 prefix ``0x18 "Stacks Message Signing:\\n"``.
    """
    if isinstance(text, str):
        data = text.encode("utf-8")
    elif isinstance(text, bytes | bytearray):
        data = bytes(text)
    else:
        raise InvalidArgumentError(f"message must be str or bytes, got {type(text).__name__}")
    prefix = LEGACY_PREFIX if legacy else MESSAGE_PREFIX
    return sha256(prefix + compact_size(len(data)) + data)


def sign_message(private_key: str | bytes, text: str | bytes) -> str:
    """130-hex RSV signature of ``text``, equal to ``signMessageHashRsv(hashMessage(text))``.

    Deterministic (RFC 6979) and low S. Raises `InvalidKeyError` for a malformed key.
    """
    return sign_digest_recoverable(parse_private_key(private_key), hash_message(text)).hex()


def sign_digest_rsv(private_key: str | bytes, digest: bytes) -> str:
    """130-hex RSV signature of a 32-byte digest (``signMessageHashRsv``)."""
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise InvalidArgumentError("digest must be 32 bytes")
    return sign_digest_recoverable(parse_private_key(private_key), digest).hex()


def signature_bytes(signature: str | bytes) -> bytes:
    """The 65 bytes of a hex (or bytes) RSV/VRS signature; `InvalidSignatureError` otherwise."""
    if isinstance(signature, bytes | bytearray):
        raw = bytes(signature)
    elif isinstance(signature, str):
        try:
            raw = hex_decode(signature, what="signature")
        except InvalidEncodingError:
            raise InvalidSignatureError("signature is not valid hex") from None
    else:
        raise InvalidSignatureError(
            f"signature must be a hex string, got {type(signature).__name__}"
        )
    if len(raw) != 65:
        raise InvalidSignatureError(
            f"signature must be 65 bytes (130 hex, RSV or VRS), got {len(raw)} bytes"
        )
    return raw


def _readings(raw: bytes) -> list[tuple[bytes, int]]:
    """(r || s, recovery id) readings of a 65-byte signature: RSV first, then VRS."""
    out = []
    if raw[64] <= 3:
        out.append((raw[:64], raw[64]))
    if raw[0] <= 3:
        out.append((raw[1:], raw[0]))
    if not out:
        raise InvalidSignatureError("signature has no recovery id in 0..3 (neither RSV nor VRS)")
    return out


def recover_candidates(digest: bytes, raw: bytes) -> list[PublicKey]:
    """The keys a 65-byte signature (from `signature_bytes`) recovers to: RSV, then VRS."""
    keys = []
    for rs, recid in _readings(raw):
        try:
            keys.append(recover_digest(digest, rs, recid))
        except InvalidSignatureError:
            continue
    return keys


def recover_public_key_from_digest(digest: bytes, signature: str | bytes) -> str:
    """Compressed public key (66 hex) that signed ``digest``; RSV read first, then VRS."""
    keys = recover_candidates(digest, signature_bytes(signature))
    if not keys:
        raise InvalidSignatureError("no public key can be recovered from the signature")
    out: bytes = keys[0].format(compressed=True)
    return out.hex()


def recover_public_key(text: str | bytes, signature: str | bytes) -> str:
    """Compressed public key (66 hex) that signed ``text`` (``publicKeyFromSignatureRsv``).

    The signature is read as RSV, or as VRS when RSV gives nothing; high S is accepted.
    Raises `InvalidSignatureError` when no key can be recovered.
    """
    return recover_public_key_from_digest(hash_message(text), signature)


def verify_digest_signature(
    digests: list[bytes],
    signature: str | bytes,
    *,
    public_key: str | bytes | None = None,
    address: str | None = None,
    version: int | None = None,
) -> str:
    """Check a 65-byte RSV/VRS signature over any of ``digests``; return the signer's key.

    With ``public_key``, the signature must verify with that key (and, with ``address``, the
    key as given must hash to it). With only ``address``, a recovered key must hash to it. With
    neither, the recovered key is returned, and a signature that recovers to more than one key
    (see below) is a usage error: the caller must say whose signature it expects. Returns the
    compressed key as 66 hex.

    Raises `InvalidSignatureError`, `AddressMismatchError` or `PublicKeyMismatchError`; a
    malformed ``public_key`` raises `InvalidKeyError` and a malformed ``address``
    `InvalidAddressError` (the caller's arguments); an ambiguous signature with neither
    expectation raises `InvalidArgumentError`. ``version`` spares decoding an ``address``
    the caller has already validated.
    """
    raw = signature_bytes(signature)
    readings = _readings(raw)
    if address is not None and version is None:  # a caller that validated it passes version
        version, _ = c32check_decode(address)
    if public_key is not None:
        point = parse_public_key(public_key)
        if address is not None:
            assert version is not None
            if stacks_address(public_key, version) != address:
                raise AddressMismatchError("the public key does not belong to the address")
        for digest in digests:
            for rs, _ in readings:
                try:
                    verify_digest(digest, rs, point)
                except InvalidSignatureError:
                    continue
                out: bytes = point.format(compressed=True)
                return out.hex()
        # Distinguish "signed by someone else" from "not a signature at all".
        for digest in digests:
            if recover_candidates(digest, raw):
                raise PublicKeyMismatchError("the signature was not made by the given public key")
        raise InvalidSignatureError("the signature does not verify")
    if address is None:
        # With no expectation the answer must be unambiguous: a signature that recovers to
        # several keys (its RSV and VRS readings, or two digests such as the two SIP-018 key
        # orders or the legacy prefix) would otherwise name whichever came first.
        found = {
            key.format(compressed=True)
            for digest in digests
            for key in recover_candidates(digest, raw)
        }
        if len(found) > 1:
            raise InvalidArgumentError(
                "the signature recovers to more than one key (RSV and VRS readings, or several "
                "digests): pass public_key or address to say whose signature is expected"
            )
    recovered_any = False
    for digest in digests:
        for key in recover_candidates(digest, raw):
            recovered_any = True
            compressed: bytes = key.format(compressed=True)
            if address is None:
                return compressed.hex()
            assert version is not None
            if stacks_address(compressed, version) == address:
                return compressed.hex()
    if not recovered_any:
        raise InvalidSignatureError("no public key can be recovered from the signature")
    raise AddressMismatchError("the signature was not made by the key of the address")


def verify_message_signature(
    text: str | bytes,
    signature: str | bytes,
    *,
    public_key: str | bytes | None = None,
    address: str | None = None,
    legacy_prefix: bool = False,
) -> str:
    """Verify a ``stx_signMessage`` signature over ``text``; return the signer's key (66 hex).

    RSV or VRS, high S accepted. ``public_key`` (what wallets send beside the signature) must
    be the signer's key; ``address`` must be the signer's c32 address (the key hashed as given
    when ``public_key`` is passed, else the recovered compressed key). The legacy prefix is
    tried only with ``legacy_prefix=True``. Raises `InvalidSignatureError` (code
    ``bad_signature``), `AddressMismatchError` or `PublicKeyMismatchError`.
    """
    digests = [hash_message(text)]
    if legacy_prefix:
        digests.append(hash_message(text, legacy=True))
    return verify_digest_signature(digests, signature, public_key=public_key, address=address)


# --- SIP-018 structured data -------------------------------------------------------------------


def _as_cv(value: CV | bytes | str, what: str) -> CV:
    if isinstance(value, CV):
        return value
    if isinstance(value, bytes | str):
        # Bytes from a stacks.js client carry its tuple key order where it differs from
        # Clarity's; both are read strictly and name the same value.
        try:
            return deserialize(value)
        except MalformedClarityValueError as exc:
            try:
                return deserialize(value, key_order="stacks.js")
            except MalformedClarityValueError:
                raise exc from None
    raise InvalidArgumentError(f"{what} must be a Clarity value, got {type(value).__name__}")


def check_domain(domain: CV | bytes | str) -> TupleCV:
    """The SIP-018 domain as ``encodeStructuredDataBytes`` requires it: a tuple of exactly
    ``name`` (string-ascii), ``version`` (string-ascii) and ``chain-id`` (uint).

    Raises `InvalidArgumentError` otherwise. The reference checks that these three fields are
    present with these types but lets extra fields through; SIP-018 defines the domain as
    exactly these three, so an extra field is refused here (tests/vectors/sip018.json records
    the reference's verdict on each such domain).
    """
    cv = _as_cv(domain, "domain")
    if not isinstance(cv, TupleCV) or sorted(cv.keys()) != ["chain-id", "name", "version"]:
        raise InvalidArgumentError(
            "SIP-018 domain must be a tuple of exactly name, version and chain-id"
        )
    if not (
        isinstance(cv["name"], StringAsciiCV)
        and isinstance(cv["version"], StringAsciiCV)
        and isinstance(cv["chain-id"], UIntCV)
    ):
        raise InvalidArgumentError(
            "SIP-018 domain needs name and version as string-ascii and chain-id as uint"
        )
    return cv


def structured_data_hash(
    domain: CV | bytes | str, message: CV | bytes | str, *, key_order: KeyOrder = "clarity"
) -> bytes:
    """The 32-byte SIP-018 digest: ``SHA-256("SIP018" || SHA-256(domain) || SHA-256(message))``.

    Values are serialised in Clarity's order; ``key_order="stacks.js"`` gives the digest of
    the bytes stacks.js ``encodeStructuredDataBytes`` writes (they differ only for tuples whose
    keys mix case or ``-``/``_``).
    """
    dom = check_domain(domain)
    msg = _as_cv(message, "message")
    return sha256(
        SIP018_PREFIX
        + sha256(serialize(dom, key_order=key_order))
        + sha256(serialize(msg, key_order=key_order))
    )


def sign_structured_data(
    private_key: str | bytes,
    *,
    domain: CV | bytes | str,
    message: CV | bytes | str,
    key_order: KeyOrder = "clarity",
) -> str:
    """130-hex RSV signature of the SIP-018 digest (``signStructuredData``'s hash, RSV form).

    ``key_order="stacks.js"`` signs what stacks.js serialises (see `structured_data_hash`).
    """
    digest = structured_data_hash(domain, message, key_order=key_order)
    return sign_digest_recoverable(parse_private_key(private_key), digest).hex()


def verify_structured_data(
    signature: str | bytes,
    *,
    domain: CV | bytes | str,
    message: CV | bytes | str,
    public_key: str | bytes | None = None,
    address: str | None = None,
) -> str:
    """Verify a SIP-018 signature (RSV or VRS, high S); return the signer's key (66 hex).

    A signature over the Clarity serialisation is accepted, and so is one over the stacks.js
    serialisation when its tuple key order differs (it encodes the same value; wallets sign
    that). ``public_key`` and ``address`` are checked as in `verify_message_signature`.
    """
    digests = [structured_data_hash(domain, message)]
    js = structured_data_hash(domain, message, key_order="stacks.js")
    if js != digests[0]:
        digests.append(js)
    return verify_digest_signature(digests, signature, public_key=public_key, address=address)
