"""The connection guard's bookkeeping (`authtokens.server.limits`), without sockets.

The end-to-end proofs (slow connections, read deadlines, WebSocket caps against a real server)
are in ``tests/test_server_advisories.py``.
"""

from __future__ import annotations

import logging
import resource

import pytest

from authtokens.errors import InvalidArgumentError
from authtokens.server.cli import build_parser, limits_from_args
from authtokens.server.limits import (
    ConnectionGuard,
    ConnectionLimits,
    LogThrottle,
    _client_key,
)


def test_cap_counts_per_address_and_frees_on_release() -> None:
    guard = ConnectionGuard(ConnectionLimits(max_per_ip=2, max_ws_per_ip=1))
    assert guard.admit("192.0.2.1")
    assert guard.admit("192.0.2.1")
    assert not guard.admit("192.0.2.1")  # the third is refused, and not counted
    assert guard.admit("192.0.2.2")  # another address is unaffected
    guard.release("192.0.2.1")
    assert guard.admit("192.0.2.1")
    assert guard.admit_ws("192.0.2.1")
    assert not guard.admit_ws("192.0.2.1")
    guard.release_ws("192.0.2.1")
    assert guard.admit_ws("192.0.2.1")
    assert guard.open == {"192.0.2.1": 2, "192.0.2.2": 1}


def test_total_cap_counts_every_address() -> None:
    guard = ConnectionGuard(ConnectionLimits(max_per_ip=2, max_total=3))
    assert [guard.admit(f"192.0.2.{i}") for i in range(5)] == [True, True, True, False, False]
    guard.release("192.0.2.0")
    assert guard.admit("192.0.2.9")
    assert guard.total == 3


def test_zero_turns_a_cap_off() -> None:
    guard = ConnectionGuard(ConnectionLimits(max_per_ip=0, max_ws_per_ip=0))
    assert all(guard.admit("192.0.2.1") for _ in range(1000))
    assert all(guard.admit_ws("192.0.2.1") for _ in range(1000))


def test_trusted_proxies_are_exempt() -> None:
    guard = ConnectionGuard(ConnectionLimits(max_per_ip=1), trusted_proxies=["10.0.0.0/8"])
    assert all(guard.admit("10.1.2.3") for _ in range(5))
    assert guard.admit("192.0.2.1")
    assert not guard.admit("192.0.2.1")
    everyone = ConnectionGuard(ConnectionLimits(max_per_ip=1), trusted_proxies=["*"])
    assert all(everyone.admit("192.0.2.1") for _ in range(5))


@pytest.mark.parametrize(
    ("peer", "key"),
    [
        (("192.0.2.7", 5000), "192.0.2.7"),
        (("2001:db8:1:2:aaaa::1", 5000, 0, 0), "2001:db8:1:2::/64"),
        (("2001:db8:1:2:bbbb::9", 5000, 0, 0), "2001:db8:1:2::/64"),  # same /64, same budget
        (("::ffff:192.0.2.7", 5000, 0, 0), "192.0.2.7"),
        (None, ""),
    ],
)
def test_client_key(peer: object, key: str) -> None:
    assert _client_key(peer) == key


def test_log_throttle_writes_one_line_per_interval_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    throttle = LogThrottle(
        logging.getLogger("t"), logging.WARNING, "refused", interval=10, clock=lambda: now[0]
    )
    with caplog.at_level(logging.WARNING, logger="t"):
        written = [throttle.event(f"a{i}") for i in range(1000)]
        now[0] = 10.5
        written.append(throttle.event("last"))
    assert written.count(True) == 2
    assert len(caplog.records) == 2
    assert "1000 since the last report, 1001 in all" in caplog.records[1].getMessage()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_per_ip": -1},
        {"max_ws_per_ip": -1},
        {"max_total": -1},
        {"header_timeout": 0},
        {"body_timeout": -1},
    ],
)
def test_bad_limits_are_usage_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidArgumentError):
        ConnectionLimits(**kwargs)  # type: ignore[arg-type]


def test_limits_from_flags_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_MAX_CONNECTIONS_PER_IP", "7")
    monkeypatch.setenv("AUTH_HEADER_TIMEOUT", "3.5")
    args = build_parser().parse_args(["serve", "--max-websockets-per-ip", "2"])
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert limits_from_args(args) == ConnectionLimits(
        max_per_ip=7,
        max_total=max(64, soft - 128),  # auto: below the open-file limit
        max_ws_per_ip=2,
        header_timeout=3.5,
        body_timeout=10.0,
    )
    args = build_parser().parse_args(["serve", "--max-connections", "0"])
    assert limits_from_args(args).max_total == 0
    with pytest.raises(InvalidArgumentError):
        limits_from_args(build_parser().parse_args(["serve", "--max-connections", "lots"]))
    assert ConnectionLimits().max_per_ip == 64  # the documented defaults
    assert build_parser().parse_args(["serve"]).ws_idle_timeout == 30.0
