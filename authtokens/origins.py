"""Web origins (scheme, host, port), parsed by the WHATWG URL parser browsers use.

Parsing is done by ``ada-url`` (ada, the WHATWG URL parser inside Node.js): surrounding spaces
and control characters and inner tabs/newlines dropped, ``\\`` read as ``/``, userinfo
dropped, the host percent-decoded and mapped by UTS #46 (non-transitional), numeric hosts read
as IPv4 (``127.1`` is ``127.0.0.1``), IPv6 compressed, default ports (80, 443) folded. So
``bücher.example`` and ``xn--bcher-kva.example`` are one origin, a homograph such as
``аpp.example.com`` (Cyrillic ``а``) stays another, ``https://🦊.example`` is
``https://xn--9s9h.example``, and ``https://app.example.com@evil.example/`` is
``evil.example``. ``tests/test_origins.py`` checks every origin returned here against Node's
``new URL(x).origin`` over a generated corpus (``tests/vectors/origins.json``).

In front of the parser sit the project's own refusals, each a `Refusal` (the error message
starts with its text); nothing else is refused that a browser accepts:

- `origin_of`: non-strings, URLs over 4096 characters, strings that are not valid Unicode (a
  lone surrogate, which a browser would replace with U+FFFD), and schemes other than http and
  https (``javascript:``, ``data:``, ``ftp:``, custom app schemes have no origin here).
- `strict_origin_of`, for a URL someone will follow (a redirect, a manifest, a URL claim of a
  token), also: backslashes, spaces and control characters, which browsers and other URL
  parsers (Python's urllib, Android's ``Uri``) read differently, so that one string could name
  two hosts (``https://app.example.com\\@evil.example/``); and userinfo (``user:pw@``, even
  empty), which only serves to make a URL look as if it named another host.
- Both, for hosts whose origin depends on the parser's Unicode version, so that two browsers
  would disagree: ``ẞ`` (U+1E9E) maps to ``ss`` before Unicode 15.1 (Node 20) and to ``ß``
  after (ada 4).

The WHATWG parser's own refusals include two that Node 20 (ada 2.9) does not make: labels
that break the Bidi rule (``1ب.example``), which the URL standard requires, and ``xn--``
labels that are not the Punycode of a valid label (``xn--zz``, or ``xn--xn---epa``, which
decodes to another ``xn--`` label). Node 20 refuses ``xn--zz`` too; ada 4 alone would keep it,
so `origin_of` checks each ``xn--`` label.
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote

import ada_url

from .errors import InvalidArgumentError

__all__ = [
    "Origin",
    "Refusal",
    "ascii_url",
    "bare_origin_of",
    "has_userinfo",
    "origin_of",
    "own_refusal",
    "same_origin",
    "strict_origin_of",
]

_MAX_URL = 4096
_DEFAULT_PORTS = {"http": 80, "https": 443}


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


class Refusal(enum.Enum):
    """The project's own refusals, made before the WHATWG parser sees a URL.

    Each value is the start of the `InvalidArgumentError` message it raises.
    """

    NOT_A_STRING = "URL must be a string"
    TOO_LONG = f"URL is longer than {_MAX_URL} characters"
    NOT_UNICODE = "URL is not valid Unicode"
    SCHEME = "URL scheme must be http or https"
    AMBIGUOUS = "URL contains a backslash, a space or a control character"
    USERINFO = "URL has userinfo"
    UNSTABLE_HOST = "URL host has U+1E9E, which IDNA maps to 'ss' or to 'ß' by Unicode version"
    NOT_BARE = "origin must be scheme://host[:port] without wildcard or path"


# WHATWG: leading and trailing C0 controls and spaces are stripped, tabs and newlines removed.
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Characters a browser rewrites (``\\`` read as ``/``, tabs and newlines dropped, surrounding
# spaces and controls stripped) but an RFC 3986 parser keeps.
_AMBIGUOUS = frozenset("\\\x7f" + "".join(chr(c) for c in range(0x21)))


def _scheme(text: str) -> str | None:
    """The scheme the WHATWG parser reads, lowercased, or None when there is none."""
    cleaned = text.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    match = _SCHEME.match(cleaned)
    return match.group()[:-1].lower() if match else None


def _authority(text: str) -> str:
    """The raw authority of a special-scheme URL as the WHATWG parser delimits it."""
    cleaned = text.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    rest = cleaned.partition(":")[2].lstrip("/\\")
    return re.split(r"[/\\?#]", rest, maxsplit=1)[0]


def own_refusal(url: object, *, strict: bool = False) -> Refusal | None:
    """Which of the project's own refusals `origin_of` (or, with ``strict``, `strict_origin_of`)
    makes for ``url`` before parsing it, or None when the WHATWG parser decides."""
    if not isinstance(url, str):
        return Refusal.NOT_A_STRING
    if len(url) > _MAX_URL:
        return Refusal.TOO_LONG
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        return Refusal.NOT_UNICODE
    if strict and not _AMBIGUOUS.isdisjoint(url):
        return Refusal.AMBIGUOUS
    if _scheme(url) not in _DEFAULT_PORTS:
        return Refusal.SCHEME
    authority = _authority(url)
    if strict and "@" in authority:
        return Refusal.USERINFO
    if "\u1e9e" in unquote(authority.rpartition("@")[2], errors="replace"):
        return Refusal.UNSTABLE_HOST
    return None


def _refuse(refusal: Refusal, url: object) -> InvalidArgumentError:
    if refusal is Refusal.NOT_A_STRING:
        return InvalidArgumentError(f"{refusal.value}, got {type(url).__name__}")
    if refusal is Refusal.SCHEME and isinstance(url, str):
        scheme = _scheme(url)
        return InvalidArgumentError(
            f"{refusal.value}, got {scheme!r}" if scheme else f"{refusal.value}, got no scheme"
        )
    return InvalidArgumentError(refusal.value)


def _valid_ace(label: str) -> bool:
    """False for an ``xn--`` label that is not the Punycode of a valid Unicode label.

    ada 4 keeps such labels (``xn--zz``, ``xn--a``); the URL standard (IgnoreInvalidPunycode
    false), Node and browsers refuse them. A label that decodes to another ``xn--`` label is
    refused too (UTS #46 validity criteria).
    """
    if not label.startswith("xn--"):
        return True
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return (
        bool(decoded)
        and not decoded.isascii()
        and ada_url.idna_to_ascii(decoded) == label.encode("ascii")
    )


def _parse(url: str, strict: bool) -> tuple[Origin, str]:
    if not isinstance(url, str):
        raise _refuse(Refusal.NOT_A_STRING, url)
    return _parse_text(url, strict)


@lru_cache(maxsize=1024)
def _parse_text(url: str, strict: bool) -> tuple[Origin, str]:
    refusal = own_refusal(url, strict=strict)
    if refusal is not None:
        raise _refuse(refusal, url)
    try:
        parts = ada_url.parse_url(url, attributes=("protocol", "hostname", "port", "href"))
    except ValueError:
        raise InvalidArgumentError("URL is not valid (WHATWG URL parser)") from None
    scheme = parts["protocol"][:-1]
    if "xn--" in parts["hostname"] and not all(map(_valid_ace, parts["hostname"].split("."))):
        raise InvalidArgumentError("URL host has a label that is not valid Punycode (xn--)")
    port = int(parts["port"]) if parts["port"] else _DEFAULT_PORTS[scheme]
    return Origin(scheme, parts["hostname"], port), parts["href"]


def origin_of(url: str) -> Origin:
    """The origin of an ``http``/``https`` URL, as a browser computes it.

    Raises `InvalidArgumentError` for a non-string, a URL longer than 4096 characters or not
    valid Unicode, a scheme other than http or https, and whatever the WHATWG URL parser
    refuses (a missing or malformed host, a malformed port...).
    """
    return _parse(url, False)[0]


def strict_origin_of(url: str) -> Origin:
    """`origin_of` for a URL from a token that someone will follow (redirect, manifest).

    Also refuses, with `InvalidArgumentError`, backslashes, spaces and control characters,
    which browsers and other URL parsers read differently, and userinfo (see above).
    """
    return _parse(url, True)[0]


def ascii_url(url: str) -> str:
    """The WHATWG serialisation of a URL `strict_origin_of` accepts: what to connect to.

    The host is the ASCII host the origin names (``https://faß.example/a b`` gives
    ``https://xn--fa-hia.example/a%20b``), so a client that applies other IDNA rules (Python's
    urllib maps ``ß`` to ``ss``) still reaches the host that was checked. Raises like
    `strict_origin_of`.
    """
    return _parse(url, True)[1]


def bare_origin_of(text: str) -> Origin:
    """An origin written alone, as in an ``Origin`` header or an allowlist entry.

    ``scheme://host[:port]`` with only ``/`` after it, normalised like any URL here
    (``HTTP://LocalHost:80/`` is ``http://localhost``, ``http://127.1`` is ``http://127.0.0.1``).
    Refuses, with `InvalidArgumentError`, what `strict_origin_of` refuses and also a path,
    query, fragment, a wildcard ``*`` or ``null``.
    """
    origin = strict_origin_of(text)
    rest = _SCHEME.sub("", text, count=1)
    rest = rest[2:] if rest.startswith("//") else ""
    host_port = rest.rstrip("/")
    if not host_port or "*" in host_port or re.search(r"[/?#]", host_port):
        raise InvalidArgumentError(f"{Refusal.NOT_BARE.value}, got {text!r}")
    return origin


def has_userinfo(url: str) -> bool:
    """True when ``url`` parses as a URL (any scheme) with userinfo, or is an http(s) URL
    whose authority holds an ``@``; for URL claims that are not checked as origins."""
    if own_refusal(url) is None and "@" in _authority(url):
        return True
    try:
        parts = ada_url.parse_url(url, attributes=("username", "password"))
    except ValueError:
        return False
    return bool(parts["username"] or parts["password"])


def same_origin(a: str, b: str) -> bool:
    """True when both are http(s) URLs with the same origin; False if either has none."""
    try:
        return origin_of(a) == origin_of(b)
    except InvalidArgumentError:
        return False
