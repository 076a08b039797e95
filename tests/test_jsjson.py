from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authtokens import jsjson
from authtokens.errors import InvalidArgumentError, InvalidEncodingError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": 2}, '{"b":1,"a":2}'),
        ({"s": "é漢😀"}, '{"s":"é漢😀"}'),
        ({"s": "a/b\u2028\u2029"}, '{"s":"a/b\u2028\u2029"}'),
        ({"s": '\b\f\n\r\t\x00\x1f\x7f"\\'}, '{"s":"\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\\"\\\\"}'),
        ({"s": "\ud800"}, '{"s":"\\ud800"}'),
        ({"s": "x\udc00y"}, '{"s":"x\\udc00y"}'),
        ({"s": "\ud83d\ude00"}, '{"s":"😀"}'),  # a valid pair written as two code units
        ([1.0, 0.1, 1e21, 1e-7, 123.456, -0.0], "[1,0.1,1e+21,1e-7,123.456,0]"),
        (
            [1e16, 1e20, 0.000001, 1.5e-5, 5e-324],
            "[10000000000000000,100000000000000000000,0.000001,0.000015,5e-324]",
        ),
        (
            [2**53, -(2**53), 1.7976931348623157e308],
            "[9007199254740992,-9007199254740992,1.7976931348623157e+308]",
        ),
        (
            {"t": True, "f": False, "n": None, "e": {}, "l": []},
            '{"t":true,"f":false,"n":null,"e":{},"l":[]}',
        ),
        ((1, (2,)), "[1,[2]]"),
    ],
)
def test_dumps_matches_js(value: Any, expected: str) -> None:
    assert jsjson.dumps(value) == expected.encode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        2**53 + 1,
        -(2**53) - 1,
        10**400,
        {1: 2},
        {"a": object()},
        b"x",
    ],
)
def test_dumps_refuses(value: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        jsjson.dumps(value)


def test_dumps_refuses_deep_nesting() -> None:
    value: Any = []
    for _ in range(jsjson.MAX_DEPTH + 2):
        value = [value]
    with pytest.raises(InvalidArgumentError):
        jsjson.dumps(value)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":2}',
        '{"a":NaN}',
        '{"a":Infinity}',
        '{"a":-Infinity}',
        '{"a":1e400}',
        '{"a":' + "9" * 400 + "}",
        "\ufeff{}",
        "{",
        "",
        '{"a":1} x',
        "[" * 5000 + "]" * 5000,
    ],
)
def test_loads_refuses(text: str) -> None:
    with pytest.raises(InvalidEncodingError):
        jsjson.loads(text.encode("utf-8"))


def test_loads_refuses_invalid_utf8() -> None:
    with pytest.raises(InvalidEncodingError):
        jsjson.loads(b'{"a":"\xff"}')


def test_loads_depth_cap() -> None:
    deep = "[" * 65 + "]" * 65
    with pytest.raises(InvalidEncodingError):
        jsjson.loads(deep)
    assert jsjson.loads("[" * 64 + "]" * 64, max_depth=64) is not None


def test_loads_long_integers_read_as_js_does() -> None:
    assert jsjson.loads("12345678901234567890") == 12345678901234567890.0
    assert isinstance(jsjson.loads("12345678901234567890"), float)
    assert jsjson.loads("1234567890123456") == 1234567890123456
    assert isinstance(jsjson.loads("9007199254740992"), int)
    assert isinstance(jsjson.loads("9007199254740994"), float)


def test_large_exact_integers_written_as_js_writes_them() -> None:
    assert jsjson.dumps([2**64, 2**60, 9007199254740994]) == (
        b"[18446744073709552000,1152921504606847000,9007199254740994]"
    )


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(_json_values)
def test_dumps_round_trips(value: Any) -> None:
    encoded = jsjson.dumps(value)
    # Python's own parser reads what we write, to the same value (floats compare exactly).
    assert json.loads(encoded) == json.loads(encoded.decode("utf-8"))
    decoded = jsjson.loads(encoded)
    assert jsjson.dumps(decoded) == encoded


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_number_round_trips(value: float) -> None:
    assert float(jsjson.format_number(value)) == value


@given(st.binary(max_size=100))
def test_loads_only_raises_library_errors(data: bytes) -> None:
    try:
        jsjson.loads(data)
    except InvalidEncodingError:
        pass


@given(st.text(alphabet='{}[]":,0123456789.eE-+ntrufalsNI\\', max_size=60))
def test_loads_structural_fuzz(text: str) -> None:
    try:
        jsjson.loads(text)
    except InvalidEncodingError:
        pass
