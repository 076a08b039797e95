"""Loading an app's ``manifest.json``: an optional adapter, never called by verification.

A wallet may show the app's name and icon from the manifest the authRequest points to
(``manifest_uri``, spec §9.2 ``verifyAuthRequestAndLoadManifest``). This is the library's only
network step, so it lives here, at the edge, and only runs when called:

- http(s) only; given an `AuthRequest`, a ``manifest_uri`` off the request's origin is refused
  (`ManifestOriginError`) before anything is fetched;
- the fetch connects to the ASCII host that was checked (``faß.example`` is
  ``xn--fa-hia.example``), never to urllib's own IDNA 2003 reading of it (``fass.example``);
- redirects are followed only within the same origin (at most three), never to another one;
- the timeout bounds connecting, waiting for the headers, and reading the whole body (not
  just each socket read), and the size cap is enforced while reading (a lying or missing
  ``Content-Length`` does not help);
- the body must be a strict JSON object (`authtokens.jsjson`).

Failures raise the `ManifestError` family (code ``manifest_unreachable``,
``manifest_too_large`` or ``manifest_invalid``). The fetch runs in the caller's process with
its network access: a server-side wallet that fetches manifests named by untrusted tokens
should restrict outbound traffic (these URLs may name internal hosts). `app_display` picks the
name and icon a wallet should show, preferring the request's ``appDetails`` as wallets do.
"""

from __future__ import annotations

import asyncio
import http.client
import math
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urljoin

from . import __version__, jsjson
from .auth_request import AuthRequest
from .claims import checked_origin
from .errors import (
    InvalidArgumentError,
    InvalidEncodingError,
    InvalidManifestError,
    ManifestFetchError,
    ManifestOriginError,
    ManifestTooLargeError,
)
from .origins import Origin, ascii_url, strict_origin_of

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "app_display",
    "fetch_manifest",
    "fetch_manifest_async",
]

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 64 * 1024
MAX_REDIRECTS = 3
MAX_NAME_LENGTH = 128
_CHUNK = 8192


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the origin the fetch started on."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, origin: Origin) -> None:
        super().__init__()
        self._origin = origin

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        try:
            what = "manifest redirect (to another origin: not followed)"
            checked_origin(newurl, what, ManifestFetchError, on=self._origin)
        except ManifestFetchError:
            fp.close()
            raise
        # Follow the host that was checked, not urllib's IDNA 2003 reading of it (ß -> ss).
        return super().redirect_request(req, fp, code, msg, headers, ascii_url(newurl))


def _target(request_or_uri: AuthRequest | str) -> tuple[str, Origin]:
    if isinstance(request_or_uri, AuthRequest):
        uri = request_or_uri.manifest_uri
        domain = checked_origin(request_or_uri.domain_name, "domain_name", ManifestOriginError)
        origin = checked_origin(uri, "manifest_uri", ManifestOriginError, on=domain)
        return ascii_url(uri), origin
    if not isinstance(request_or_uri, str):
        raise InvalidArgumentError(
            f"expected an AuthRequest or a URL, got {type(request_or_uri).__name__}"
        )
    # The WHATWG serialisation, with the ASCII host the origin names: urllib would otherwise
    # resolve a non-ASCII host with IDNA 2003 (faß.example -> fass.example, another host).
    return ascii_url(request_or_uri), strict_origin_of(request_or_uri)


def _check_limits(timeout: float, max_bytes: int) -> None:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise InvalidArgumentError("timeout must be a number of seconds")
    if not (math.isfinite(timeout) and timeout > 0):
        raise InvalidArgumentError("timeout must be a positive, finite number of seconds")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise InvalidArgumentError("max_bytes must be a positive int")


def _read_capped(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise ManifestTooLargeError(f"the manifest is larger than {max_bytes} bytes")
    body = bytearray()
    # The socket's own timeout applies per wait; shrink it to what is left of the deadline so a
    # server trickling bytes cannot stretch the fetch (SocketIO keeps the socket in ``_sock``).
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ManifestFetchError("timed out reading the manifest")
        if sock is not None:
            sock.settimeout(remaining)
        chunk = response.read1(min(_CHUNK, max_bytes + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise ManifestTooLargeError(f"the manifest is larger than {max_bytes} bytes")


def fetch_manifest(
    request_or_uri: AuthRequest | str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """Fetch and parse an app manifest (blocking; see `fetch_manifest_async`).

    ``request_or_uri`` is a verified `AuthRequest` (its ``manifest_uri`` is fetched, and must be
    on the request's origin: `ManifestOriginError` otherwise) or an http(s) URL
    (`InvalidArgumentError` for anything else, or for a non-positive ``timeout``/``max_bytes``).
    ``timeout`` (seconds) bounds the connection and the headers, and then the whole body read;
    ``max_bytes`` caps the body.

    Returns the manifest as a dict. Raises `ManifestFetchError` (connection failure, timeout,
    HTTP status other than 2xx, redirect to another origin or too many redirects),
    `ManifestTooLargeError` or `InvalidManifestError` (not UTF-8 strict JSON, or not an object).
    """
    uri, origin = _target(request_or_uri)
    _check_limits(timeout, max_bytes)
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(_SameOriginRedirects(origin))
    req = urllib.request.Request(  # noqa: S310 -- the scheme is checked to be http(s) above
        uri,
        headers={"Accept": "application/json", "User-Agent": f"authtokens/{__version__}"},
    )
    try:
        with opener.open(req, timeout=timeout) as response:
            body = _read_capped(response, max_bytes, deadline)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in (301, 302, 303, 307, 308):
            raise ManifestFetchError("the manifest redirects too many times") from None
        raise ManifestFetchError(f"the manifest server answered HTTP {exc.code}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            raise ManifestFetchError("timed out fetching the manifest") from None
        raise ManifestFetchError(
            f"could not fetch the manifest: {type(reason).__name__}: {reason}"
        ) from None
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]  # a UTF-8 byte order mark, which some servers add
    try:
        manifest = jsjson.loads(body)
    except InvalidEncodingError as exc:
        raise InvalidManifestError(f"the manifest is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise InvalidManifestError("the manifest must be a JSON object")
    return manifest


async def fetch_manifest_async(
    request_or_uri: AuthRequest | str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """`fetch_manifest` in a worker thread, for async code; same arguments, result and errors.

    Cancelling the awaiting task returns at once; the worker thread finishes within
    ``timeout``.
    """
    return await asyncio.to_thread(
        fetch_manifest, request_or_uri, timeout=timeout, max_bytes=max_bytes
    )


def _clean_name(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = "".join(c for c in value if c.isprintable()).strip()
    return text[:MAX_NAME_LENGTH] or None


def _web_url(value: object, base: str | None = None) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    url = urljoin(base, value) if base is not None else value
    try:
        strict_origin_of(url)
    except InvalidArgumentError:
        return None
    return url


def app_display(
    request: AuthRequest, manifest: Mapping[str, Any] | None = None
) -> tuple[str | None, str | None]:
    """The ``(name, icon)`` a wallet shows for the app asking to sign in.

    Each is taken from the request's ``appDetails`` when present (as wallets do), else from
    the manifest: ``name`` (or ``short_name``) and ``icons[0].src`` resolved against
    ``manifest_uri``. Names are stripped of control characters and capped at 128 characters;
    icons must be absolute http(s) URLs. Either may be None: show the request's ``origin``
    then. Pure: pass a manifest from `fetch_manifest` if you want one used.
    """
    details = request.app_details or {}
    name = _clean_name(details.get("name"))
    icon = _web_url(details.get("icon"))
    if manifest is not None:
        if name is None:
            name = _clean_name(manifest.get("name")) or _clean_name(manifest.get("short_name"))
        icons = manifest.get("icons")
        if icon is None and isinstance(icons, list) and icons and isinstance(icons[0], dict):
            icon = _web_url(icons[0].get("src"), request.manifest_uri)
    return name, icon
