from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from protocol_helpers import EXAMPLE_A, NOW, TRANSIT

from authtokens import AuthRequest, make_auth_request, verify_auth_request
from authtokens.errors import (
    AuthTokenError,
    InvalidArgumentError,
    InvalidManifestError,
    InvalidTokenError,
    ManifestError,
    ManifestFetchError,
    ManifestOriginError,
    ManifestTooLargeError,
    UsageError,
)
from authtokens.manifest import app_display, fetch_manifest, fetch_manifest_async

MANIFEST = {"name": "Test App", "icons": [{"src": "/icon.png"}], "start_url": "/"}

Route = Callable[[BaseHTTPRequestHandler], None]


def _send(status: int, body: bytes, headers: dict[str, str] | None = None) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if "Content-Length" not in (headers or {}):
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


def _slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(2)
    _send(200, b"{}")(handler)


def _trickle(handler: BaseHTTPRequestHandler) -> None:
    # Never idle long enough for a socket timeout, but slower than the whole-fetch deadline.
    handler.send_response(200)
    handler.end_headers()
    for _ in range(30):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.05)


def _streamed_oversize(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.end_headers()  # no Content-Length: the cap must hold while reading
    handler.wfile.write(b'{"name": "' + b"x" * 200_000 + b'"}')


class Server:
    """A local HTTP server on 127.0.0.1 whose routes the test sets."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = routes.get(self.path.split("?")[0])
                if route is None:
                    _send(404, b"not found")(self)
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    srv = Server()
    srv.routes["/manifest.json"] = _send(200, json.dumps(MANIFEST).encode())
    yield srv
    srv.close()


def _request_for(origin: str, manifest_uri: str | None = None) -> AuthRequest:
    token = make_auth_request(TRANSIT, app_domain=origin, manifest_uri=manifest_uri, now=NOW)
    return verify_auth_request(token, now=NOW)


# --- fetching -------------------------------------------------------------------------------


def test_fetches_by_url(server: Server) -> None:
    assert fetch_manifest(server.origin + "/manifest.json") == MANIFEST


def test_fetches_the_manifest_uri_of_a_request(server: Server) -> None:
    assert fetch_manifest(_request_for(server.origin)) == MANIFEST


def test_async_variant(server: Server) -> None:
    assert asyncio.run(fetch_manifest_async(server.origin + "/manifest.json")) == MANIFEST


def test_utf8_bom_is_tolerated(server: Server) -> None:
    server.routes["/bom.json"] = _send(200, b"\xef\xbb\xbf" + json.dumps(MANIFEST).encode())
    assert fetch_manifest(server.origin + "/bom.json") == MANIFEST


def test_404_is_a_fetch_error(server: Server) -> None:
    with pytest.raises(ManifestFetchError, match="404") as info:
        fetch_manifest(server.origin + "/missing.json")
    assert info.value.code == "manifest_unreachable"


def test_server_error_is_a_fetch_error(server: Server) -> None:
    server.routes["/m"] = _send(500, b"{}")
    with pytest.raises(ManifestFetchError):
        fetch_manifest(server.origin + "/m")


def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ManifestFetchError):
        fetch_manifest(f"http://127.0.0.1:{port}/manifest.json", timeout=2)


def test_slow_server_times_out(server: Server) -> None:
    server.routes["/slow"] = _slow
    started = time.monotonic()
    with pytest.raises(ManifestFetchError, match="timed out"):
        fetch_manifest(server.origin + "/slow", timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_timeout_bounds_the_whole_fetch_not_each_read(server: Server) -> None:
    server.routes["/trickle"] = _trickle
    started = time.monotonic()
    with pytest.raises(ManifestFetchError, match="timed out"):
        fetch_manifest(server.origin + "/trickle", timeout=0.4)
    assert time.monotonic() - started < 1.2


def test_declared_oversize_is_refused(server: Server) -> None:
    server.routes["/big"] = _send(200, b"{}" + b" " * 2000)
    with pytest.raises(ManifestTooLargeError) as info:
        fetch_manifest(server.origin + "/big", max_bytes=1000)
    assert info.value.code == "manifest_too_large"


def test_oversize_without_content_length_is_refused_while_reading(server: Server) -> None:
    server.routes["/stream"] = _streamed_oversize
    with pytest.raises(ManifestTooLargeError):
        fetch_manifest(server.origin + "/stream")


def test_lying_content_length_does_not_help(server: Server) -> None:
    server.routes["/lie"] = _send(200, b'{"a": "' + b"x" * 5000 + b'"}', {"Content-Length": "10"})
    # urllib stops at the declared length, so the body is truncated JSON: refused either way.
    with pytest.raises(ManifestError):
        fetch_manifest(server.origin + "/lie", max_bytes=1000)


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'"a string"', b'{"a": 1, "a": 2}', b"\xff\xfe", b""]
)
def test_non_object_or_invalid_json_is_refused(server: Server, body: bytes) -> None:
    server.routes["/bad"] = _send(200, body)
    with pytest.raises(InvalidManifestError) as info:
        fetch_manifest(server.origin + "/bad")
    assert info.value.code == "manifest_invalid"


def test_same_origin_redirect_is_followed(server: Server) -> None:
    server.routes["/old"] = _send(301, b"", {"Location": "/manifest.json"})
    assert fetch_manifest(server.origin + "/old") == MANIFEST


def test_redirect_to_another_origin_is_refused(server: Server) -> None:
    other = server.origin.replace("127.0.0.1", "localhost")
    server.routes["/away"] = _send(302, b"", {"Location": other + "/manifest.json"})
    with pytest.raises(ManifestFetchError, match="another origin"):
        fetch_manifest(server.origin + "/away")


def test_redirect_to_another_scheme_is_refused(server: Server) -> None:
    server.routes["/file"] = _send(302, b"", {"Location": "file:///etc/passwd"})
    with pytest.raises(ManifestFetchError):
        fetch_manifest(server.origin + "/file")


def test_redirect_loops_are_bounded(server: Server) -> None:
    server.routes["/loop"] = _send(302, b"", {"Location": "/loop2"})
    server.routes["/loop2"] = _send(302, b"", {"Location": "/loop"})
    with pytest.raises(ManifestFetchError):
        fetch_manifest(server.origin + "/loop")


def test_cross_origin_manifest_uri_of_a_request_is_refused_before_fetching() -> None:
    request = _request_for("https://app.example.com")
    forged = replace(request, manifest_uri="http://127.0.0.1:1/manifest.json")
    with pytest.raises(ManifestOriginError):
        fetch_manifest(forged)


@pytest.mark.parametrize(
    "bad", ["file:///etc/passwd", "ftp://x.example/m", "javascript:1", "/manifest.json", ""]
)
def test_non_http_urls_are_usage_errors(bad: str) -> None:
    with pytest.raises(InvalidArgumentError):
        fetch_manifest(bad)


@pytest.mark.parametrize(
    ("timeout", "max_bytes"), [(0, 10), (-1, 10), (float("nan"), 10), (1, 0), (1, True)]
)
def test_bad_limits_are_usage_errors(timeout: float, max_bytes: int) -> None:
    with pytest.raises(InvalidArgumentError):
        fetch_manifest("http://127.0.0.1:1/m", timeout=timeout, max_bytes=max_bytes)


def test_manifest_errors_are_their_own_family() -> None:
    assert issubclass(ManifestError, AuthTokenError)
    assert not issubclass(ManifestError, InvalidTokenError | UsageError)


# --- what a wallet shows -------------------------------------------------------------------


def test_app_details_win_over_the_manifest() -> None:
    request = verify_auth_request(EXAMPLE_A, now=NOW)
    assert app_display(request, MANIFEST) == (
        "Example App",
        "https://app.example.com/icon.png",
    )


def test_manifest_fills_in_and_relative_icons_resolve_against_manifest_uri() -> None:
    request = _request_for("https://app.example.com", manifest_uri="https://app.example.com/m/x")
    assert app_display(request, MANIFEST) == ("Test App", "https://app.example.com/icon.png")


def test_nothing_known_gives_none() -> None:
    request = _request_for("https://app.example.com")
    assert app_display(request) == (None, None)
    assert app_display(request, {"icons": "nope", "name": 5}) == (None, None)


def test_unsafe_icons_and_control_characters_are_dropped() -> None:
    request = _request_for("https://app.example.com")
    manifest = {"name": "Evil\u202e\x00App" + "x" * 500, "icons": [{"src": "javascript:alert(1)"}]}
    name, icon = app_display(request, manifest)
    assert icon is None
    assert name is not None
    assert name.startswith("EvilApp")
    assert len(name) == 128
