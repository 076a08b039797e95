"""JSON exactly as JavaScript writes it, and a strict parser.

`dumps` produces the bytes of JS ``JSON.stringify`` (no whitespace) for the values tokens carry:
key order kept, non-ASCII written raw as UTF-8, only ``"``, ``\\`` and control characters escaped
(``\\b \\f \\n \\r \\t`` or lowercase ``\\u00xx``), lone surrogates escaped as ``\\udxxx``, and
numbers in ECMAScript ``Number::toString`` form (``1`` not ``1.0``, ``1e+21``, ``1e-7``).
Integers beyond 2**53 are written as JS writes the same double (``18446744073709552000``) when a
double holds them exactly, and refused otherwise rather than silently rounded.

`loads` parses UTF-8 JSON and refuses what JS would not produce or what could be abused:
duplicate keys, ``NaN``/``Infinity``, numbers that overflow a double, nesting deeper than
``max_depth`` and more than ``max_elements`` values (arrays, objects and commas). Integers
beyond 2**53 are read as floats, as JS reads them. The nesting and element caps are checked
on the text before anything is parsed, with C-speed string operations only, so refusing a
token of 32,000 empty arrays costs about what reading an ordinary token of its size does
(issue 11, item 12).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from json.scanner import make_scanner
from typing import Any

from .errors import InvalidArgumentError, InvalidEncodingError

__all__ = ["MAX_DEPTH", "MAX_ELEMENTS", "dumps", "format_number", "loads"]

MAX_DEPTH = 64
#: Cap on the arrays, objects and commas outside strings (so, about the values) of one JSON
#: text. An authResponse has a few dozen; 4096 leaves room for any profile while bounding the
#: parse of a hostile one.
MAX_ELEMENTS = 4096
_MAX_SAFE_INT = 2**53
_SURROGATE = re.compile("[\ud800-\udfff]")


# --- serialising --------------------------------------------------------------------------


def format_number(value: float) -> str:
    """ECMAScript ``Number::toString(10)`` of a finite float."""
    if not math.isfinite(value):
        raise InvalidArgumentError("NaN and Infinity cannot be written to a token")
    if value == 0:
        return "0"  # JS prints -0 as "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    # Decimal point position n: value = 0.d1d2...dk * 10**n.
    exponent = int(exp_text) if exp_text else 0
    if whole == "0":  # 0.000ddd: the point sits before the fraction's leading zeros
        n = exponent - (len(frac) - len(frac.lstrip("0")))
    else:
        n = len(whole) + exponent
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        exp_part = ("e+" if e >= 0 else "e-") + str(abs(e))
        text = digits + exp_part if k == 1 else digits[0] + "." + digits[1:] + exp_part
    return sign + text


def _needs_slow_path(obj: Any, depth: int) -> bool:
    """Validate types and report whether `json.dumps` would write something JS would not."""
    if depth > MAX_DEPTH:
        raise InvalidArgumentError(f"value is nested deeper than {MAX_DEPTH} levels")
    t = type(obj)
    if t is str or t is bool or obj is None:
        return False
    if t is int:
        if -_MAX_SAFE_INT <= obj <= _MAX_SAFE_INT:
            return False
        _check_exact_double(obj)
        return True
    if t is float:
        if not math.isfinite(obj):
            raise InvalidArgumentError("NaN and Infinity cannot be written to a token")
        return True
    if t is dict:
        slow = False
        for key, item in obj.items():
            if type(key) is not str:
                raise InvalidArgumentError(f"object keys must be str, got {type(key).__name__}")
            slow = _needs_slow_path(item, depth + 1) or slow
        return slow
    if t is list or t is tuple:
        slow = False
        for item in obj:
            slow = _needs_slow_path(item, depth + 1) or slow
        return slow
    if isinstance(obj, str | int | float | dict | list | tuple):
        # Subclasses (IntEnum, StrEnum, OrderedDict...) go the careful way.
        if isinstance(obj, bool):
            return True
        if isinstance(obj, int) and not -_MAX_SAFE_INT <= obj <= _MAX_SAFE_INT:
            _check_exact_double(obj)
        if isinstance(obj, dict):
            _needs_slow_path(dict(obj), depth)
        elif isinstance(obj, list | tuple):
            _needs_slow_path(list(obj), depth)
        return True
    raise InvalidArgumentError(f"{t.__name__} values cannot be written to a token")


def _check_exact_double(value: int) -> None:
    # JS numbers are doubles: a large integer survives only if a double holds it exactly.
    try:
        exact = int(float(value)) == value
    except OverflowError:
        exact = False
    if not exact:
        raise InvalidArgumentError("integer cannot be represented exactly by a JavaScript number")


def _escape_lone_surrogates(text: str) -> str:
    # Join valid pairs first (JS sees "\ud83d\ude00" as one character), then escape the rest.
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", joined)


def _write(obj: Any, out: list[str]) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, str):
        out.append(json.dumps(str(obj), ensure_ascii=False))
    elif isinstance(obj, int):
        value = int(obj)
        out.append(str(value) if abs(value) <= _MAX_SAFE_INT else format_number(float(value)))
    elif isinstance(obj, float):
        out.append(format_number(obj))
    elif isinstance(obj, dict):
        out.append("{")
        first = True
        for key, item in obj.items():
            if not first:
                out.append(",")
            first = False
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _write(item, out)
        out.append("}")
    else:
        out.append("[")
        for i, item in enumerate(obj):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")


def dumps(obj: Any) -> bytes:
    """UTF-8 bytes of JS ``JSON.stringify(obj)``; raise `InvalidArgumentError` for values JS
    cannot represent (NaN, Infinity, integers beyond 2**53, non-str keys, other types)."""
    if _needs_slow_path(obj, 0):
        parts: list[str] = []
        _write(obj, parts)
        text = "".join(parts)
    else:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _escape_lone_surrogates(text).encode("utf-8")


# --- parsing ------------------------------------------------------------------------------


class _Reject(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Reject("duplicate key in JSON object")
    return result


def _constant(name: str) -> Any:
    raise _Reject(f"{name} is not valid JSON")


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Reject("number overflows a double")
    return value


def _parse_int(text: str) -> int | float:
    # Integers beyond 2**53 are read as JS reads them: as the nearest double.
    if len(text) <= 15:
        return int(text)
    value = _parse_float(text)
    return value if abs(value) > _MAX_SAFE_INT else int(text)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs,
    parse_constant=_constant,
    parse_float=_parse_float,
    parse_int=_parse_int,
)


# The C scanner JSONDecoder itself uses (typeshed types make_scanner's argument oddly).
_SCAN: Callable[[str, int], tuple[Any, int]] = make_scanner(_DECODER)  # type: ignore[arg-type]


_PAIR = re.compile(r"\[\]|\{\}")
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _outside_strings(text: str) -> str:
    """The text with every string literal removed (exact for valid JSON: inside a string a quote
    can only appear as ``\\"``, and ``\\\\`` is the only escape that precedes one)."""
    plain = text.replace("\\\\", "").replace('\\"', "")
    return "".join(plain.split('"')[::2])


def _nesting_exceeds(structure: str, max_depth: int) -> bool:
    """Whether the brackets of ``structure`` (strings removed) nest deeper than ``max_depth``:
    each pass removes the innermost pairs, so the passes needed is the depth."""
    brackets = _NOT_BRACKET.sub("", structure)
    for _ in range(max_depth):
        if not brackets:
            return False
        shorter = _PAIR.sub("", brackets)
        if len(shorter) == len(brackets):
            return False  # unbalanced: not JSON, the parser will say so
        brackets = shorter
    return bool(brackets)


def _prescan(text: str, max_depth: int, max_elements: int) -> None:
    # Counting characters over-counts (brackets and commas inside strings); only when that
    # crude count is over a cap is the exact count, outside strings, worth taking.
    containers = text.count("[") + text.count("{")
    if containers <= max_depth and containers + text.count(",") <= max_elements:
        return
    structure = _outside_strings(text)
    containers = structure.count("[") + structure.count("{")
    if containers + structure.count(",") > max_elements:
        raise InvalidEncodingError(f"JSON has more than {max_elements} values")
    if containers > max_depth and _nesting_exceeds(structure, max_depth):
        raise InvalidEncodingError(f"JSON is nested deeper than {max_depth} levels")


def loads(
    data: bytes | str, *, max_depth: int = MAX_DEPTH, max_elements: int = MAX_ELEMENTS
) -> Any:
    """Parse strict JSON; raise `InvalidEncodingError` for anything else (see module doc)."""
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidEncodingError("JSON is not valid UTF-8") from None
    elif isinstance(data, str):
        text = data
    else:
        raise InvalidEncodingError(f"JSON must be bytes or str, got {type(data).__name__}")
    _prescan(text, max_depth, max_elements)
    try:
        try:
            # Fast path: the C scanner straight away (JSON text starting with a value), with
            # only JSON whitespace allowed after it; anything else takes the full decoder.
            value, end = _SCAN(text, 0)
        except StopIteration:
            value, end = _DECODER.decode(text), len(text)
        if end != len(text) and text[end:].strip(" \t\n\r"):
            raise _Reject("unexpected data after the JSON value")
    except _Reject as exc:
        raise InvalidEncodingError(str(exc)) from None
    except RecursionError:
        raise InvalidEncodingError(f"JSON is nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # json.JSONDecodeError, or int() limits
        raise InvalidEncodingError(f"invalid JSON: {exc}") from None
    return value
