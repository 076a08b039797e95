"""Clarity values: every type, consensus serialisation, strict deserialisation.

One type byte, then the body (SIP-005)::

    0x00 int / 0x01 uint      16 bytes big-endian (int: two's complement)
    0x02 buffer               u32 length, bytes
    0x03 true / 0x04 false
    0x05 standard principal   version byte, 20-byte HASH160
    0x06 contract principal   version, HASH160, u8 name length, ASCII name
    0x07 ok / 0x08 err        inner value
    0x09 none / 0x0a some     - / inner value
    0x0b list                 u32 count, values
    0x0c tuple                u32 count, entries sorted by name: u8 length, ASCII name, value
    0x0d string-ascii         u32 byte length, bytes
    0x0e string-utf8          u32 byte length, UTF-8 bytes

Values are frozen and compare by value (a tuple compares as the map it is, whatever order its
fields were given in). `Cl` builds them with the names stacks.js uses, in snake case.

`serialize` writes Clarity's order: tuple keys sorted by their bytes, as the consensus map
does. stacks.js (``serializeCV``) sorts them with ``localeCompare`` instead, which differs as
soon as keys mix case or ``-``/``_`` (``{a_b, a-b, B, a, a1}``: Clarity writes
``B, a, a-b, a1, a_b``, stacks.js ``a, a_b, a-b, a1, B``); ``serialize(v, key_order="stacks.js")``
reproduces the latter, which is what wallets sign.

`deserialize` is strict where ``deserializeCV`` is lax: trailing bytes, truncation, lengths past
the end, non-ASCII (or non-printable) string-ascii, invalid UTF-8, unsorted or duplicate tuple
keys, empty tuples, names outside Clarity's name rules (at most 128 bytes), principal versions
above 31, nesting deeper than `MAX_DEPTH` and values larger than `MAX_VALUE_SIZE` are all
refused with `MalformedClarityValueError`. Building a value that cannot exist raises
`InvalidArgumentError` (the caller's bug).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from .addresses import c32check_encode, parse_stacks_address
from .encoding import hex_decode
from .errors import (
    InvalidAddressError,
    InvalidArgumentError,
    InvalidEncodingError,
    MalformedClarityValueError,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_VALUE_SIZE",
    "BoolCV",
    "BufferCV",
    "Cl",
    "ClarityValue",
    "ContractPrincipalCV",
    "ErrCV",
    "IntCV",
    "KeyOrder",
    "ListCV",
    "NoneCV",
    "OkCV",
    "SomeCV",
    "StandardPrincipalCV",
    "StringAsciiCV",
    "StringUtf8CV",
    "TupleCV",
    "UIntCV",
    "deserialize",
    "deserialize_hex",
    "serialize",
    "serialize_hex",
    "stacks_js_key_order",
]

MAX_DEPTH = 32  # Clarity's MAX_TYPE_DEPTH
MAX_VALUE_SIZE = 1024 * 1024  # Clarity's MAX_VALUE_SIZE, bytes
MAX_NAME_LENGTH = 128

KeyOrder = Literal["clarity", "stacks.js"]

_INT_MIN = -(2**127)
_INT_MAX = 2**127 - 1
_UINT_MAX = 2**128 - 1
_CLARITY_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9]|[-_!?+<>=/*])*|[-+=/*]|[<>]=?")
_CONTRACT_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9]|[-_])*|__transient")
# Clarity's string-ascii holds ASCII alphanumerics, punctuation and whitespace only.
_ASCII_OK = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0C, 0x0D}


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise InvalidArgumentError(f"{what} must be a string, got {type(name).__name__}")
    if not 0 < len(name) <= MAX_NAME_LENGTH or not _CLARITY_NAME.fullmatch(name):
        raise InvalidArgumentError(f"{what} {name[:40]!r} is not a valid Clarity name")
    return name


def _check_contract_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidArgumentError(f"contract name must be a string, got {type(name).__name__}")
    if not 0 < len(name) <= MAX_NAME_LENGTH or not _CONTRACT_NAME.fullmatch(name):
        raise InvalidArgumentError(f"contract name {name[:40]!r} is not a valid Clarity name")
    return name


def _is_clarity_ascii(data: bytes) -> bool:
    return _ASCII_OK.issuperset(data)


class ClarityValue:
    """A Clarity value (base class of the frozen value classes below)."""

    __slots__ = ()
    type_id: ClassVar[int]
    type_name: ClassVar[str]


@dataclass(frozen=True, slots=True)
class IntCV(ClarityValue):
    """``int``: signed 128-bit."""

    value: int
    type_id: ClassVar[int] = 0x00
    type_name: ClassVar[str] = "int"

    def __post_init__(self) -> None:
        if type(self.value) is not int or not _INT_MIN <= self.value <= _INT_MAX:
            raise InvalidArgumentError("Clarity int must be an int in -2**127..2**127-1")


@dataclass(frozen=True, slots=True)
class UIntCV(ClarityValue):
    """``uint``: unsigned 128-bit."""

    value: int
    type_id: ClassVar[int] = 0x01
    type_name: ClassVar[str] = "uint"

    def __post_init__(self) -> None:
        if type(self.value) is not int or not 0 <= self.value <= _UINT_MAX:
            raise InvalidArgumentError("Clarity uint must be an int in 0..2**128-1")


@dataclass(frozen=True, slots=True)
class BufferCV(ClarityValue):
    """``buff``: bytes."""

    value: bytes
    type_id: ClassVar[int] = 0x02
    type_name: ClassVar[str] = "buffer"

    def __post_init__(self) -> None:
        if not isinstance(self.value, bytes):
            raise InvalidArgumentError("Clarity buffer must be bytes")
        if len(self.value) > MAX_VALUE_SIZE:
            raise InvalidArgumentError("Clarity buffer is larger than MAX_VALUE_SIZE")


@dataclass(frozen=True, slots=True)
class BoolCV(ClarityValue):
    """``bool`` (type 0x03 when true, 0x04 when false)."""

    value: bool
    type_name: ClassVar[str] = "bool"

    def __post_init__(self) -> None:
        if type(self.value) is not bool:
            raise InvalidArgumentError("Clarity bool must be a bool")

    @property
    def type_id(self) -> int:  # type: ignore[override]
        return 0x03 if self.value else 0x04


def _check_principal(version: object, hash160: object) -> None:
    if type(version) is not int or not 0 <= version < 32:
        raise InvalidArgumentError("principal version must be an int in 0..31")
    if not isinstance(hash160, bytes) or len(hash160) != 20:
        raise InvalidArgumentError("principal hash must be 20 bytes")


@dataclass(frozen=True, slots=True)
class StandardPrincipalCV(ClarityValue):
    """A standard principal: c32 version and HASH160 (an ``SP…``/``ST…`` address)."""

    version: int
    hash160: bytes
    type_id: ClassVar[int] = 0x05
    type_name: ClassVar[str] = "principal"

    def __post_init__(self) -> None:
        _check_principal(self.version, self.hash160)

    @property
    def address(self) -> str:
        return c32check_encode(self.version, self.hash160)


@dataclass(frozen=True, slots=True)
class ContractPrincipalCV(ClarityValue):
    """A contract principal ``address.contract-name``."""

    version: int
    hash160: bytes
    contract_name: str
    type_id: ClassVar[int] = 0x06
    type_name: ClassVar[str] = "contract principal"

    def __post_init__(self) -> None:
        _check_principal(self.version, self.hash160)
        _check_contract_name(self.contract_name)

    @property
    def address(self) -> str:
        return c32check_encode(self.version, self.hash160)

    def __str__(self) -> str:
        return f"{self.address}.{self.contract_name}"


def _check_value(value: object) -> ClarityValue:
    if not isinstance(value, ClarityValue):
        raise InvalidArgumentError(f"expected a Clarity value, got {type(value).__name__}")
    return value


@dataclass(frozen=True, slots=True)
class OkCV(ClarityValue):
    """``(ok value)``."""

    value: ClarityValue
    type_id: ClassVar[int] = 0x07
    type_name: ClassVar[str] = "ok"

    def __post_init__(self) -> None:
        _check_value(self.value)


@dataclass(frozen=True, slots=True)
class ErrCV(ClarityValue):
    """``(err value)``."""

    value: ClarityValue
    type_id: ClassVar[int] = 0x08
    type_name: ClassVar[str] = "err"

    def __post_init__(self) -> None:
        _check_value(self.value)


@dataclass(frozen=True, slots=True)
class NoneCV(ClarityValue):
    """``none``."""

    type_id: ClassVar[int] = 0x09
    type_name: ClassVar[str] = "none"


@dataclass(frozen=True, slots=True)
class SomeCV(ClarityValue):
    """``(some value)``."""

    value: ClarityValue
    type_id: ClassVar[int] = 0x0A
    type_name: ClassVar[str] = "some"

    def __post_init__(self) -> None:
        _check_value(self.value)


@dataclass(frozen=True, slots=True)
class ListCV(ClarityValue):
    """``(list …)``: a tuple of values."""

    values: tuple[ClarityValue, ...]
    type_id: ClassVar[int] = 0x0B
    type_name: ClassVar[str] = "list"

    def __post_init__(self) -> None:
        if not isinstance(self.values, tuple):
            raise InvalidArgumentError("ListCV.values must be a tuple")
        for v in self.values:
            _check_value(v)

    def __iter__(self) -> Iterator[ClarityValue]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True, slots=True)
class TupleCV(ClarityValue):
    """``{name: value, …}``: fields kept sorted by name (Clarity's order), so equal maps are
    equal values. Tuples are never empty (Clarity has no empty tuple)."""

    fields: tuple[tuple[str, ClarityValue], ...]
    type_id: ClassVar[int] = 0x0C
    type_name: ClassVar[str] = "tuple"

    def __post_init__(self) -> None:
        if not isinstance(self.fields, tuple) or not self.fields:
            raise InvalidArgumentError("a Clarity tuple needs at least one field")
        names = []
        for item in self.fields:
            if not isinstance(item, tuple) or len(item) != 2:
                raise InvalidArgumentError("TupleCV.fields must be (name, value) pairs")
            names.append(_check_name(item[0], "tuple key"))
            _check_value(item[1])
        if len(set(names)) != len(names):
            raise InvalidArgumentError("tuple keys must be unique")
        if names != sorted(names):
            object.__setattr__(self, "fields", tuple(sorted(self.fields, key=lambda f: f[0])))

    @classmethod
    def of(cls, data: Mapping[str, ClarityValue]) -> TupleCV:
        if not isinstance(data, Mapping):
            raise InvalidArgumentError("a Clarity tuple is built from a mapping")
        return cls(tuple(data.items()))

    def __getitem__(self, name: str) -> ClarityValue:
        for key, value in self.fields:
            if key == name:
                return value
        raise KeyError(name)

    def keys(self) -> list[str]:
        return [k for k, _ in self.fields]

    def to_dict(self) -> dict[str, ClarityValue]:
        return dict(self.fields)


@dataclass(frozen=True, slots=True)
class StringAsciiCV(ClarityValue):
    """``string-ascii``: printable ASCII and whitespace."""

    value: str
    type_id: ClassVar[int] = 0x0D
    type_name: ClassVar[str] = "string-ascii"

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise InvalidArgumentError("Clarity string-ascii must be a str")
        if not self.value.isascii() or not _is_clarity_ascii(self.value.encode("ascii")):
            raise InvalidArgumentError("Clarity string-ascii holds printable ASCII only")
        if len(self.value) > MAX_VALUE_SIZE:
            raise InvalidArgumentError("Clarity string is larger than MAX_VALUE_SIZE")


@dataclass(frozen=True, slots=True)
class StringUtf8CV(ClarityValue):
    """``string-utf8``."""

    value: str
    type_id: ClassVar[int] = 0x0E
    type_name: ClassVar[str] = "string-utf8"

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise InvalidArgumentError("Clarity string-utf8 must be a str")
        try:
            size = len(self.value.encode("utf-8"))
        except UnicodeEncodeError:
            raise InvalidArgumentError("Clarity string-utf8 holds a lone surrogate") from None
        if size > MAX_VALUE_SIZE:
            raise InvalidArgumentError("Clarity string is larger than MAX_VALUE_SIZE")


# --- stacks.js' tuple key order ---------------------------------------------------------------

# ICU root collation (what JS ``localeCompare`` uses) of the characters a Clarity name can hold:
# punctuation and symbols first, in this order, then digits, then letters case-insensitively;
# ties are broken by case, lower before upper.
_ICU_PUNCT = "_-!?*/+<=>"


def _icu_primary(c: str) -> int:
    i = _ICU_PUNCT.find(c)
    if i >= 0:
        return i
    if c.isdigit():
        return 100 + ord(c)
    return 200 + ord(c.lower())


def _locale_key(name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return tuple(_icu_primary(c) for c in name), tuple(int(c.isupper()) for c in name)


def stacks_js_key_order(names: Iterable[str]) -> list[str]:
    """``names`` sorted as stacks.js sorts tuple keys (``localeCompare``)."""
    return sorted(names, key=_locale_key)


# --- serialisation ------------------------------------------------------------------------------


def _write(cv: ClarityValue, out: list[bytes], js_order: bool) -> None:
    if isinstance(cv, IntCV):
        out.append(b"\x00" + cv.value.to_bytes(16, "big", signed=True))
    elif isinstance(cv, UIntCV):
        out.append(b"\x01" + cv.value.to_bytes(16, "big"))
    elif isinstance(cv, BufferCV):
        out.append(b"\x02" + len(cv.value).to_bytes(4, "big") + cv.value)
    elif isinstance(cv, BoolCV):
        out.append(b"\x03" if cv.value else b"\x04")
    elif isinstance(cv, StandardPrincipalCV):
        out.append(b"\x05" + bytes((cv.version,)) + cv.hash160)
    elif isinstance(cv, ContractPrincipalCV):
        cname = cv.contract_name.encode("ascii")
        out.append(b"\x06" + bytes((cv.version,)) + cv.hash160 + bytes((len(cname),)) + cname)
    elif isinstance(cv, OkCV | ErrCV | SomeCV):
        out.append(bytes((cv.type_id,)))
        _write(cv.value, out, js_order)
    elif isinstance(cv, NoneCV):
        out.append(b"\x09")
    elif isinstance(cv, ListCV):
        out.append(b"\x0b" + len(cv.values).to_bytes(4, "big"))
        for item in cv.values:
            _write(item, out, js_order)
    elif isinstance(cv, TupleCV):
        out.append(b"\x0c" + len(cv.fields).to_bytes(4, "big"))
        fields = cv.fields
        if js_order:
            by_name = dict(fields)
            fields = tuple((k, by_name[k]) for k in stacks_js_key_order(by_name))
        for name, value in fields:
            raw = name.encode("ascii")
            out.append(bytes((len(raw),)) + raw)
            _write(value, out, js_order)
    elif isinstance(cv, StringAsciiCV):
        data = cv.value.encode("ascii")
        out.append(b"\x0d" + len(data).to_bytes(4, "big") + data)
    elif isinstance(cv, StringUtf8CV):
        data = cv.value.encode("utf-8")
        out.append(b"\x0e" + len(data).to_bytes(4, "big") + data)
    else:
        raise InvalidArgumentError(f"not a Clarity value: {type(cv).__name__}")


def serialize(cv: ClarityValue, *, key_order: KeyOrder = "clarity") -> bytes:
    """The consensus serialisation of ``cv`` (tuple keys in Clarity's byte order).

    ``key_order="stacks.js"`` writes tuple keys in ``localeCompare`` order instead, the bytes
    stacks.js ``serializeCV`` writes (and wallets sign).
    """
    if key_order not in ("clarity", "stacks.js"):
        raise InvalidArgumentError("key_order must be 'clarity' or 'stacks.js'")
    out: list[bytes] = []
    _write(cv, out, key_order == "stacks.js")
    return b"".join(out)


def serialize_hex(cv: ClarityValue, *, key_order: KeyOrder = "clarity") -> str:
    """`serialize` as lowercase hex (stacks.js ``Cl.serialize``)."""
    return serialize(cv, key_order=key_order).hex()


# --- deserialisation ----------------------------------------------------------------------------


class _Reader:
    __slots__ = ("data", "js_order", "pos")

    def __init__(self, data: bytes, js_order: bool) -> None:
        self.data = data
        self.pos = 0
        self.js_order = js_order

    def take(self, n: int, what: str) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise MalformedClarityValueError(f"Clarity value is truncated in {what}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def u32(self, what: str) -> int:
        return int.from_bytes(self.take(4, what), "big")


def _read_name(r: _Reader, *, contract: bool) -> str:
    size = r.u8("a name length")
    raw = r.take(size, "a name")
    what = "contract name" if contract else "tuple key"
    try:
        name = raw.decode("ascii")
        if contract:
            _check_contract_name(name)
        else:
            _check_name(name, what)
    except (UnicodeDecodeError, InvalidArgumentError):
        raise MalformedClarityValueError(f"{what} is not a valid Clarity name") from None
    return name


def _read_principal(r: _Reader) -> tuple[int, bytes]:
    version = r.u8("a principal version")
    if version >= 32:
        raise MalformedClarityValueError(f"principal version {version} is not in 0..31")
    return version, r.take(20, "a principal hash")


def _read_sized(r: _Reader, what: str) -> bytes:
    size = r.u32(f"a {what} length")
    if size > MAX_VALUE_SIZE:
        raise MalformedClarityValueError(f"{what} length {size} exceeds MAX_VALUE_SIZE")
    return r.take(size, what)


def _read(r: _Reader, depth: int) -> ClarityValue:
    type_id = r.u8("a type byte")
    if type_id == 0x00:
        return IntCV(int.from_bytes(r.take(16, "an int"), "big", signed=True))
    if type_id == 0x01:
        return UIntCV(int.from_bytes(r.take(16, "a uint"), "big"))
    if type_id == 0x02:
        return BufferCV(_read_sized(r, "buffer"))
    if type_id == 0x03:
        return BoolCV(True)
    if type_id == 0x04:
        return BoolCV(False)
    if type_id == 0x05:
        version, hash160 = _read_principal(r)
        return StandardPrincipalCV(version, hash160)
    if type_id == 0x06:
        version, hash160 = _read_principal(r)
        return ContractPrincipalCV(version, hash160, _read_name(r, contract=True))
    if type_id == 0x09:
        return NoneCV()
    if type_id == 0x0D:
        data = _read_sized(r, "string-ascii")
        if not _is_clarity_ascii(data):
            raise MalformedClarityValueError("string-ascii holds a byte outside printable ASCII")
        return StringAsciiCV(data.decode("ascii"))
    if type_id == 0x0E:
        data = _read_sized(r, "string-utf8")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedClarityValueError("string-utf8 is not valid UTF-8") from None
        return StringUtf8CV(text)
    if type_id not in (0x07, 0x08, 0x0A, 0x0B, 0x0C):
        raise MalformedClarityValueError(f"unknown Clarity type byte 0x{type_id:02x}")
    if depth >= MAX_DEPTH:
        raise MalformedClarityValueError(f"Clarity value is nested deeper than {MAX_DEPTH}")
    if type_id == 0x07:
        return OkCV(_read(r, depth + 1))
    if type_id == 0x08:
        return ErrCV(_read(r, depth + 1))
    if type_id == 0x0A:
        return SomeCV(_read(r, depth + 1))
    count = r.u32("a length")
    # Every element takes at least one byte: a count past the end is refused before any work.
    if count > len(r.data) - r.pos:
        raise MalformedClarityValueError(f"{count} elements cannot fit in the remaining bytes")
    if type_id == 0x0B:
        return ListCV(tuple(_read(r, depth + 1) for _ in range(count)))
    if count == 0:
        raise MalformedClarityValueError("Clarity tuples cannot be empty")
    fields = []
    previous = None
    for _ in range(count):
        name = _read_name(r, contract=False)
        if previous is not None and (
            _locale_key(name) <= _locale_key(previous) if r.js_order else name <= previous
        ):
            order = "stacks.js" if r.js_order else "Clarity"
            raise MalformedClarityValueError(
                f"tuple keys are not in strictly increasing ({order}) order"
            )
        previous = name
        fields.append((name, _read(r, depth + 1)))
    return TupleCV(tuple(fields))


def deserialize(
    data: bytes | bytearray | memoryview | str, *, key_order: KeyOrder = "clarity"
) -> ClarityValue:
    """The Clarity value serialised in ``data`` (bytes, or hex); strict (see module doc).

    Raises `MalformedClarityValueError` (code ``malformed_clarity_value``) for anything but one
    complete, canonical serialisation. ``key_order="stacks.js"`` reads tuples whose keys are in
    stacks.js' ``localeCompare`` order instead (what ``serializeCV`` writes), equally strictly.
    """
    if key_order not in ("clarity", "stacks.js"):
        raise InvalidArgumentError("key_order must be 'clarity' or 'stacks.js'")
    if isinstance(data, str):
        try:
            data = hex_decode(data, what="Clarity value")
        except InvalidEncodingError:
            raise MalformedClarityValueError("Clarity value is not valid hex") from None
    elif isinstance(data, bytearray | memoryview):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise MalformedClarityValueError(
            f"Clarity value must be bytes or hex, got {type(data).__name__}"
        )
    if len(data) > 2 * MAX_VALUE_SIZE:
        raise MalformedClarityValueError("Clarity value is larger than the size cap")
    r = _Reader(data, key_order == "stacks.js")
    value = _read(r, 0)
    if r.pos != len(data):
        raise MalformedClarityValueError(f"{len(data) - r.pos} trailing bytes after the value")
    return value


def deserialize_hex(data: str) -> ClarityValue:
    """`deserialize` of a hex string (stacks.js ``Cl.deserialize``)."""
    if not isinstance(data, str):
        raise MalformedClarityValueError("Clarity value must be a hex string")
    return deserialize(data)


# --- constructors ---------------------------------------------------------------------------------


def _principal(text: str) -> StandardPrincipalCV | ContractPrincipalCV:
    if not isinstance(text, str):
        raise InvalidArgumentError(f"principal must be a string, got {type(text).__name__}")
    address, dot, name = text.partition(".")
    try:
        version, hash160 = parse_stacks_address(address)
    except InvalidAddressError:
        raise InvalidArgumentError(f"{address[:50]!r} is not a valid Stacks address") from None
    if dot:
        return ContractPrincipalCV(version, hash160, name)
    return StandardPrincipalCV(version, hash160)


class Cl:
    """Constructors named as stacks.js ``Cl`` names them (snake case)."""

    @staticmethod
    def int(value: builtins.int) -> IntCV:
        return IntCV(value)

    @staticmethod
    def uint(value: builtins.int) -> UIntCV:
        return UIntCV(value)

    @staticmethod
    def bool(value: builtins.bool) -> BoolCV:
        return BoolCV(value)

    @staticmethod
    def buffer(value: bytes | bytearray) -> BufferCV:
        if not isinstance(value, bytes | bytearray):
            raise InvalidArgumentError("Cl.buffer takes bytes")
        return BufferCV(bytes(value))

    @staticmethod
    def buffer_from_hex(value: str) -> BufferCV:
        try:
            return BufferCV(hex_decode(value, what="buffer"))
        except InvalidEncodingError as exc:
            raise InvalidArgumentError(str(exc)) from None

    @staticmethod
    def string_ascii(value: str) -> StringAsciiCV:
        return StringAsciiCV(value)

    @staticmethod
    def string_utf8(value: str) -> StringUtf8CV:
        return StringUtf8CV(value)

    @staticmethod
    def principal(value: str) -> StandardPrincipalCV | ContractPrincipalCV:
        """A standard (``SP…``) or contract (``SP….name``) principal."""
        return _principal(value)

    @staticmethod
    def standard_principal(address: str) -> StandardPrincipalCV:
        cv = _principal(address)
        if not isinstance(cv, StandardPrincipalCV):
            raise InvalidArgumentError("a standard principal has no contract name")
        return cv

    @staticmethod
    def contract_principal(address: str, contract_name: str) -> ContractPrincipalCV:
        cv = _principal(f"{address}.{contract_name}")
        assert isinstance(cv, ContractPrincipalCV)
        return cv

    @staticmethod
    def tuple(data: Mapping[str, ClarityValue]) -> TupleCV:
        return TupleCV.of(data)

    @staticmethod
    def list(values: Iterable[ClarityValue]) -> ListCV:
        return ListCV(tuple(values))

    @staticmethod
    def none() -> NoneCV:
        return NoneCV()

    @staticmethod
    def some(value: ClarityValue) -> SomeCV:
        return SomeCV(value)

    @staticmethod
    def ok(value: ClarityValue) -> OkCV:
        return OkCV(value)

    @staticmethod
    def error(value: ClarityValue) -> ErrCV:
        return ErrCV(value)

    @staticmethod
    def serialize(value: ClarityValue) -> str:
        """Hex of the consensus serialisation (as stacks.js ``Cl.serialize`` returns hex)."""
        return serialize_hex(value)

    @staticmethod
    def deserialize(value: str | bytes) -> ClarityValue:
        return deserialize(value)
