"""ECIES on secp256k1, byte-compatible with ``@stacks/encryption`` 7.6.0.

This is the scheme the authResponse uses to hand the app private key to the app (spec §7)::

    e        = random scalar (OS CSPRNG), E = compressed(e·G)      33 bytes, always compressed
    shared   = x-coordinate of e·P (P = recipient key)             32 bytes, zero-padded
    K        = SHA-512(shared); enc_key = K[:32], mac_key = K[32:]
    iv       = 16 random bytes
    ct       = AES-256-CBC(enc_key, iv, PKCS#7(plaintext))
    mac      = HMAC-SHA256(mac_key, iv ‖ E ‖ ct)

The cipher object is ``{"iv", "ephemeralPK", "cipherText", "mac", "wasString"}`` in that key
order (lowercase hex; ``cipherText`` may instead be padded standard base64, flagged by a trailing
``"cipherTextEncoding": "base64"``). ``wasString`` says whether the plaintext was a string.

`wrap_private_key` / `unwrap_private_key` are the auth wrapper (``encryptPrivateKey`` /
``decryptPrivateKey``): the hex of the UTF-8 JSON of a cipher object whose plaintext is the key
string itself.

Decryption is strict where the reference is lenient, and every failure is one `DecryptionError`
with one message, so a caller (or an attacker) cannot tell a bad MAC from bad padding, bad UTF-8 or
a malformed field. The MAC is checked in constant time before anything is decrypted. Differences
from the reference, all deliberate:

- the reference left-pads odd-length hex, strips ``0x``, and reads ``"1z"`` as ``0x01``; here
  every hex field is plain even-length hex (either case) and the fixed-size fields must have their
  exact size (``iv`` 16 bytes, ``mac`` 32, ``ephemeralPK`` 33 or 65);
- ``ephemeralPK`` must be a compressed or uncompressed point on the curve (hybrid ``06``/``07``
  encodings, which libsecp256k1 would parse, are refused);
- ``cipherText`` must be a non-empty multiple of 16 bytes; base64 is decoded strictly
  (standard alphabet, correct padding, canonical trailing bits);
- ``wasString`` must be a bool (the reference tests truthiness, so a missing one means bytes)
  and ``cipherTextEncoding`` must be absent, ``"hex"`` or ``"base64"`` (the reference reads any
  falsy value, ``null`` or ``""`` included, as hex);
- a ``wasString`` plaintext must be valid UTF-8 (the reference substitutes U+FFFD);
- the private key may be given in the 66-hex ``…01`` form (the reference throws a TypeError).

For an uncompressed ``ephemeralPK`` the MAC covers the 65 bytes as transmitted, as the current
reference does. The legacy blockstack.js rule (MAC over the key re-encoded compressed) is not
accepted: no producer ever emitted uncompressed ephemeral keys, and accepting it would let anyone
re-encode the key of a valid object without invalidating its MAC.

``wasString`` is outside the MAC (the format fixes that): flipping it changes only whether `decrypt`
returns ``str`` or ``bytes``, never the plaintext. `unwrap_private_key` insists on ``str``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Literal, NotRequired, TypedDict

from coincurve import PublicKey
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import jsjson
from .encoding import hex_decode, hex_encode
from .errors import DecryptionError, InvalidArgumentError, InvalidEncodingError
from .keys import parse_private_key, parse_public_key, random_scalar

__all__ = [
    "CipherObject",
    "CipherTextEncoding",
    "decrypt",
    "encrypt",
    "unwrap_private_key",
    "wrap_private_key",
]

CipherTextEncoding = Literal["hex", "base64"]


class CipherObject(TypedDict):
    """The JSON shape ``encryptECIES`` returns (key order is part of the format)."""

    iv: str
    ephemeralPK: str
    cipherText: str
    mac: str
    wasString: bool
    cipherTextEncoding: NotRequired[Literal["base64"]]


_IV_SIZE = 16
_MAC_SIZE = 32
_BLOCK = 16


# --- primitives (module-level so tests can run Wycheproof through exactly these) -----------


def _ecdh(secret: bytes, point: bytes) -> bytes:
    """x-coordinate of ``secret·point`` (32 bytes) for a 33- or 65-byte SEC1 point.

    ``secret`` must be a valid scalar (already checked by the caller). Raises `DecryptionError`
    when ``point`` is not a compressed or uncompressed encoding of a point on secp256k1.
    """
    size = len(point)
    if not ((size == 33 and point[0] in (2, 3)) or (size == 65 and point[0] == 4)):
        raise DecryptionError
    try:
        parsed = PublicKey(bytes(point))
    except ValueError:
        raise DecryptionError from None
    return _shared_x(parsed, secret)


def _shared_x(point: PublicKey, secret: bytes) -> bytes:
    # tweak_mul is libsecp256k1's constant-time multiplication; it returns a new key.
    product: bytes = point.multiply(secret).format(compressed=True)
    return product[1:]


def _hmac_sha256(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "sha256")


def _aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-CBC with PKCS#7 padding (padding written here: it is not secret-dependent)."""
    pad = _BLOCK - len(plaintext) % _BLOCK
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(plaintext + bytes((pad,)) * pad) + encryptor.finalize()


def _aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """AES-CBC decryption and strict PKCS#7 removal; any failure is `DecryptionError`."""
    try:
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionError from None


def _derive_keys(shared: bytes) -> tuple[bytes, bytes]:
    digest = hashlib.sha512(shared).digest()
    return digest[:32], digest[32:]


# --- encryption ---------------------------------------------------------------------------


def _encrypt_with(
    public_key: str,
    data: bytes,
    was_string: bool,
    ephemeral_secret: bytes,
    iv: bytes,
    encoding: CipherTextEncoding,
) -> CipherObject:
    """`encrypt` with the ephemeral scalar and IV given (tests reproduce reference vectors)."""
    recipient = parse_public_key(public_key)
    ephemeral: bytes = PublicKey.from_valid_secret(ephemeral_secret).format(compressed=True)
    enc_key, mac_key = _derive_keys(_shared_x(recipient, ephemeral_secret))
    ct = _aes_cbc_encrypt(enc_key, iv, data)
    mac = _hmac_sha256(mac_key, iv + ephemeral + ct)
    if encoding == "base64":
        return {
            "iv": hex_encode(iv),
            "ephemeralPK": hex_encode(ephemeral),
            "cipherText": base64.b64encode(ct).decode("ascii"),
            "mac": hex_encode(mac),
            "wasString": was_string,
            "cipherTextEncoding": "base64",
        }
    return {
        "iv": hex_encode(iv),
        "ephemeralPK": hex_encode(ephemeral),
        "cipherText": hex_encode(ct),
        "mac": hex_encode(mac),
        "wasString": was_string,
    }


def encrypt(
    public_key: str,
    data: bytes | bytearray | memoryview | str,
    *,
    cipher_text_encoding: CipherTextEncoding = "hex",
) -> CipherObject:
    """Encrypt ``data`` to ``public_key`` exactly as ``encryptECIES`` does.

    ``public_key`` is 66-hex compressed or 130-hex uncompressed; anything else, or a point not on
    the curve, raises `InvalidKeyError`. A ``str`` is encoded as UTF-8 and sets ``wasString``;
    bytes (``bytearray`` and ``memoryview`` too) leave it false. ``cipher_text_encoding`` is
    ``"hex"`` (default) or ``"base64"``. Raises `InvalidArgumentError` for other data types, a
    string that cannot be UTF-8 encoded (lone surrogates) or an unknown encoding. The ephemeral
    key and IV come from the OS CSPRNG.
    """
    if isinstance(data, str):
        try:
            content = data.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidArgumentError("data contains characters UTF-8 cannot encode") from None
        was_string = True
    elif isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
        was_string = False
    else:
        raise InvalidArgumentError(f"data must be bytes or str, got {type(data).__name__}")
    if cipher_text_encoding != "hex" and cipher_text_encoding != "base64":
        raise InvalidArgumentError('cipher_text_encoding must be "hex" or "base64"')
    return _encrypt_with(
        public_key,
        content,
        was_string,
        random_scalar(),
        secrets.token_bytes(_IV_SIZE),
        cipher_text_encoding,
    )


# --- decryption ---------------------------------------------------------------------------


def _unhex(value: object) -> bytes:
    # Cipher fields are plain hex: no 0x prefix, and any fault is the one generic error.
    if type(value) is not str:
        raise DecryptionError
    try:
        return hex_decode(value, allow_prefix=False)
    except InvalidEncodingError:
        raise DecryptionError from None


def _unbase64(value: object) -> bytes:
    if type(value) is not str:
        raise DecryptionError
    try:
        raw = value.encode("ascii")
        data = binascii.a2b_base64(raw, strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        raise DecryptionError from None
    # Re-encoding also refuses non-canonical trailing bits: one ciphertext, one encoding.
    if binascii.b2a_base64(data, newline=False) != raw:
        raise DecryptionError
    return data


def _parse_cipher(cipher: object) -> tuple[bytes, bytes, bytes, bytes, bool]:
    if not isinstance(cipher, Mapping):
        raise DecryptionError
    was_string = cipher.get("wasString")
    if type(was_string) is not bool:
        raise DecryptionError
    iv = _unhex(cipher.get("iv"))
    mac = _unhex(cipher.get("mac"))
    ephemeral = _unhex(cipher.get("ephemeralPK"))
    if len(iv) != _IV_SIZE or len(mac) != _MAC_SIZE:
        raise DecryptionError
    encoding = cipher.get("cipherTextEncoding", "hex")
    if type(encoding) is not str:
        raise DecryptionError
    if encoding == "hex":
        ct = _unhex(cipher.get("cipherText"))
    elif encoding == "base64":
        ct = _unbase64(cipher.get("cipherText"))
    else:
        raise DecryptionError
    if not ct or len(ct) % _BLOCK:
        raise DecryptionError
    return iv, ephemeral, ct, mac, was_string


def _decrypt(secret: bytes, cipher: object) -> bytes | str:
    iv, ephemeral, ct, mac, was_string = _parse_cipher(cipher)
    enc_key, mac_key = _derive_keys(_ecdh(secret, ephemeral))
    # Authenticate first: nothing about the plaintext or its padding is looked at before this.
    if not hmac.compare_digest(_hmac_sha256(mac_key, iv + ephemeral + ct), mac):
        raise DecryptionError
    plaintext = _aes_cbc_decrypt(enc_key, iv, ct)
    if not was_string:
        return plaintext
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError from None


def decrypt(private_key: str | bytes, cipher: Mapping[str, object]) -> bytes | str:
    """Decrypt a cipher object as ``decryptECIES`` does, strictly (see the module docstring).

    ``private_key`` is 64 hex characters or the 66-character ``…01`` form; a malformed or
    out-of-range key raises `InvalidKeyError` (the caller's mistake). Everything about ``cipher``
    is input: a non-mapping, missing or mistyped fields, malformed hex or base64, wrong sizes, an
    invalid ephemeral point, a wrong key, a bad MAC (compared in constant time before decrypting),
    bad padding, or a ``wasString`` plaintext that is not UTF-8 all raise the same
    `DecryptionError`. Returns ``str`` when ``wasString`` is true, else ``bytes``.
    """
    return _decrypt(parse_private_key(private_key), cipher)


# --- the auth wrapper ---------------------------------------------------------------------


def wrap_private_key(public_key: str, secret: str) -> str:
    """``encryptPrivateKey``: lowercase hex of the UTF-8 JSON of ``encrypt(public_key, secret)``.

    ``secret`` is encrypted as a string (its UTF-8 bytes, ``wasString`` true), so a 64-hex app
    key becomes 64 bytes of plaintext. Raises `InvalidKeyError` for a malformed ``public_key`` and
    `InvalidArgumentError` when ``secret`` is not a str.
    """
    if not isinstance(secret, str):
        raise InvalidArgumentError(f"secret must be a str, got {type(secret).__name__}")
    return jsjson.dumps(encrypt(public_key, secret)).hex()


def unwrap_private_key(private_key: str | bytes, wrapped_hex: str) -> str:
    """``decryptPrivateKey``: hex-decode, strict UTF-8, strict JSON object, `decrypt`, a str.

    A malformed ``private_key`` raises `InvalidKeyError`. Anything wrong with ``wrapped_hex`` (not
    even-length hex, not UTF-8, not a JSON object, any `decrypt` failure, or a plaintext that was
    not a string) raises `DecryptionError`.
    """
    secret = parse_private_key(private_key)
    try:
        cipher = jsjson.loads(_unhex(wrapped_hex))
    except InvalidEncodingError:
        raise DecryptionError from None
    if not isinstance(cipher, dict):
        raise DecryptionError
    result = _decrypt(secret, cipher)
    if not isinstance(result, str):
        raise DecryptionError
    return result
