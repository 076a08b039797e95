"""Web origins (scheme, host, port), compared the way browsers compare them.

The reference decides "same origin" with WHATWG ``URL`` plus a case-sensitive substring test for
``http://``; we compare full origins: scheme and port exactly (default ports folded: 80 for
http, 443 for https), and the host after lowercasing and IDNA (UTS #46, non-transitional, via
the ``idna`` package), so ``bücher.example`` and ``xn--bcher-kva.example`` are one origin while
a homograph such as ``аpple.com`` (Cyrillic ``а``) stays a different one.

Only ``http`` and ``https`` URLs with a host have an origin here. Where Python's ``urllib`` and
a browser's WHATWG parser could read one string as two different hosts, the string is refused
rather than guessed at: backslashes (browsers treat ``\\`` as ``/``), whitespace and control
characters (browsers strip some of them), and percent-escapes in the host (browsers decode
them). Numeric IPv4 spellings (``0x7f.1``) are compared literally, where a browser would
normalise them: such a pair is refused as cross-origin, never accepted by mistake.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

import idna

from .errors import InvalidArgumentError

__all__ = ["Origin", "origin_of", "same_origin"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_ASCII_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")
_MAX_URL = 4096


class Origin(NamedTuple):
    """A tuple origin; ``str(origin)`` is its ASCII serialisation (``https://host[:port]``)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        default = _DEFAULT_PORTS[self.scheme]
        port = "" if self.port == default else f":{self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}"


def _canonical_host(host: str) -> str:
    if host.isascii():
        host = host.lower()
        if _ASCII_HOST_CHARS.issuperset(host) and "xn--" not in host:
            if not host or ".." in host or host.startswith("."):
                raise InvalidArgumentError("URL host is empty or has an empty label")
            return host
    try:
        encoded: bytes = idna.encode(host, uts46=True, transitional=False)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise InvalidArgumentError("URL host is not a valid (internationalised) domain") from None
    return encoded.decode("ascii")


@lru_cache(maxsize=1024)
def origin_of(url: str) -> Origin:
    """The origin of an ``http``/``https`` URL; `InvalidArgumentError` for anything else.

    Refuses other schemes (``javascript:``, ``data:``, custom app schemes), URLs without a
    host, invalid ports, and the ambiguous spellings described in the module docstring.
    """
    if not isinstance(url, str):
        raise InvalidArgumentError(f"URL must be a string, got {type(url).__name__}")
    if len(url) > _MAX_URL:
        raise InvalidArgumentError(f"URL is longer than {_MAX_URL} characters")
    if "\\" in url or not url.isprintable() or any(c.isspace() for c in url):
        raise InvalidArgumentError("URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidArgumentError("URL has an invalid host or port") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidArgumentError(f"URL scheme must be http or https, got {parts.scheme!r}")
    if not url[len(scheme) + 1 :].startswith("//"):
        raise InvalidArgumentError("URL must be absolute (scheme://host)")
    host = parts.hostname
    if not host or "%" in host:
        raise InvalidArgumentError("URL has no host, or a percent-encoded one")
    if ":" in host:  # an IPv6 literal: urlsplit already lowercased it
        return Origin(scheme, host, _DEFAULT_PORTS[scheme] if port is None else port)
    return Origin(scheme, _canonical_host(host), _DEFAULT_PORTS[scheme] if port is None else port)


def same_origin(a: str, b: str) -> bool:
    """True when both are http(s) URLs with the same origin; False if either has none."""
    try:
        return origin_of(a) == origin_of(b)
    except InvalidArgumentError:
        return False
