"""Web origins (scheme, host, port), parsed and compared the way browsers do.

The reference decides "same origin" with WHATWG ``URL`` plus a case-sensitive substring test for
``http://``; we compare full origins, parsed as the WHATWG URL standard parses special schemes:
surrounding spaces and control characters and inner tabs/newlines dropped, ``\\`` read as
``/``, userinfo dropped, the host percent-decoded, lowercased and IDNA-encoded (UTS #46,
non-transitional, via the ``idna`` package), numeric hosts read as IPv4 (``127.1`` is
``127.0.0.1``), IPv6 compressed, default ports (80, 443) folded. So ``bücher.example`` and
``xn--bcher-kva.example`` are one origin, a homograph such as ``аpple.com`` (Cyrillic ``а``)
stays another, and ``https://app.example.com@evil.example/`` is ``evil.example``.

Only ``http`` and ``https`` URLs with a host have an origin here (``javascript:``, ``data:``
and custom app schemes are refused). Known difference from browsers, always a refusal: for
non-ASCII hosts the ``idna`` package applies IDNA 2008 rules, so it refuses some hosts browsers
accept (symbols or emoji, empty labels, labels over 63 bytes). The serialisation was checked
against Node's ``new URL(x).origin`` (tests/test_wallet.py).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote

import idna

from .errors import InvalidArgumentError

__all__ = ["Origin", "origin_of", "same_origin", "strict_origin_of"]

_MAX_URL = 4096


class Origin(NamedTuple):
    """A tuple origin; ``str(origin)`` is its ASCII serialisation (``https://host[:port]``).

    An IPv6 ``host`` keeps its brackets (``[::1]``).
    """

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"


_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_FORBIDDEN_DOMAIN = frozenset([chr(c) for c in range(0x20)] + list(" #%/:<>?@[\\]^|\x7f"))


def _ipv4_number(part: str) -> int | None:
    radix = 10
    if part[:2] in ("0x", "0X"):
        radix, part = 16, part[2:]
    elif len(part) >= 2 and part[0] == "0":
        radix, part = 8, part[1:]
    if not part:
        return 0
    digits = {10: "0123456789", 8: "01234567", 16: "0123456789abcdefABCDEF"}[radix]
    if any(c not in digits for c in part):
        return None
    return int(part, radix)


def _ends_in_number(host: str) -> bool:
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    if last and all(c in "0123456789" for c in last):
        return True
    return bool(last) and _ipv4_number(last) is not None


def _parse_ipv4(host: str) -> str:
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4 or any(not p for p in parts):
        raise InvalidArgumentError("URL host is not a valid IPv4 address")
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        raise InvalidArgumentError("URL host is not a valid IPv4 address")
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise InvalidArgumentError("URL host is not a valid IPv4 address")
    address = values[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(values[:-1]))
    return ".".join(str((address >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _serialize_ipv6(text: str) -> str:
    if "%" in text:
        raise InvalidArgumentError("URL host has an IPv6 zone identifier")
    try:
        packed = ipaddress.IPv6Address(text).packed
    except ValueError:
        raise InvalidArgumentError("URL host is not a valid IPv6 address") from None
    pieces = [int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2)]
    # WHATWG: compress the first longest run of two or more zero pieces.
    best_start, best_len, i = -1, 1, 0
    while i < 8:
        if pieces[i] == 0:
            j = i
            while j < 8 and pieces[j] == 0:
                j += 1
            if j - i > best_len:
                best_start, best_len = i, j - i
            i = j
        else:
            i += 1
    hexes = [format(p, "x") for p in pieces]
    if best_start < 0:
        return "[" + ":".join(hexes) + "]"
    head = ":".join(hexes[:best_start])
    tail = ":".join(hexes[best_start + best_len :])
    return f"[{head}::{tail}]"


def _domain_to_ascii(domain: str) -> str:
    lowered = domain.lower()
    if lowered.isascii() and not any(label.startswith("xn--") for label in lowered.split(".")):
        ascii_domain = lowered
    else:
        try:
            ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise InvalidArgumentError("URL host is not a valid internationalised domain") from None
    if not ascii_domain or any(c in _FORBIDDEN_DOMAIN for c in ascii_domain):
        raise InvalidArgumentError("URL host is empty or contains a forbidden character")
    return ascii_domain


@lru_cache(maxsize=1024)
def origin_of(url: str) -> Origin:
    """The origin of an ``http``/``https`` URL, as a browser computes it.

    Raises `InvalidArgumentError` for a non-string, a URL longer than 4096 characters, a
    scheme other than http or https, a missing or malformed host, or a malformed port.
    """
    if not isinstance(url, str):
        raise InvalidArgumentError(f"URL must be a string, got {type(url).__name__}")
    if len(url) > _MAX_URL:
        raise InvalidArgumentError(f"URL is longer than {_MAX_URL} characters")
    text = url.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    scheme_match = _SCHEME.match(text)
    if scheme_match is None or text[scheme_match.end() : scheme_match.end() + 1] != ":":
        raise InvalidArgumentError("URL must be absolute, with an http or https scheme")
    scheme = scheme_match.group().lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidArgumentError(f"URL scheme must be http or https, got {scheme!r}")
    rest = text[scheme_match.end() + 1 :].replace("\\", "/").lstrip("/")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host_port = authority.rpartition("@")[2]
    if host_port.startswith("["):
        close = host_port.find("]")
        if close < 0:
            raise InvalidArgumentError("URL host has an unterminated IPv6 address")
        host = _serialize_ipv6(host_port[1:close])
        after = host_port[close + 1 :]
        if after and not after.startswith(":"):
            raise InvalidArgumentError("URL has characters after the IPv6 address")
        port_text = after[1:]
    else:
        raw_host, _, port_text = host_port.partition(":")
        if not raw_host:
            raise InvalidArgumentError("URL has no host")
        host = _domain_to_ascii(unquote(raw_host, errors="replace"))
        if _ends_in_number(host):
            host = _parse_ipv4(host)
    if port_text:
        if not port_text.isascii() or not port_text.isdigit() or int(port_text) > 65535:
            raise InvalidArgumentError("URL port must be a number in 0 .. 65535")
        port: int | None = int(port_text)
    else:
        port = None
    return Origin(scheme, host, _DEFAULT_PORTS[scheme] if port is None else port)


def same_origin(a: str, b: str) -> bool:
    """True when both are http(s) URLs with the same origin; False if either has none."""
    try:
        return origin_of(a) == origin_of(b)
    except InvalidArgumentError:
        return False


# Characters a browser rewrites (``\\`` read as ``/``, tabs and newlines dropped, surrounding
# spaces and controls stripped) but an RFC 3986 parser (Python's urllib, Android's Uri...) keeps:
# with them one string can name two hosts, e.g. ``https://app.example.com\\@evil.example/``.
_AMBIGUOUS = frozenset("\\\x7f" + "".join(chr(c) for c in range(0x21)))


def strict_origin_of(url: str) -> Origin:
    """`origin_of` for a URL from a token that someone will follow (redirect, manifest).

    Also refuses, with `InvalidArgumentError`, backslashes, spaces and control characters,
    which browsers and other URL parsers read differently (see above).
    """
    if isinstance(url, str) and not _AMBIGUOUS.isdisjoint(url):
        raise InvalidArgumentError("URL contains a backslash, a space or a control character")
    return origin_of(url)
