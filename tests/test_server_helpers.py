"""The server-starting helpers survive losing their port between `free_port` and the server's
bind (another process may take it then): they start the server again on a new port."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
import server_helpers
from server_helpers import PortTaken, on_free_port, redis_server, running_server, server_process


@pytest.fixture
def taken_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """`free_port` answers first a port another socket holds (bound and listening), then
    free ones; yields the ports it answered."""
    free_port = server_helpers.free_port
    answered: list[int] = []
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()

        def first_taken() -> int:
            answered.append(free_port() if answered else holder.getsockname()[1])
            return answered[-1]

        monkeypatch.setattr(server_helpers, "free_port", first_taken)
        yield answered


def test_server_process_moves_off_a_taken_port(tmp_path: Path, taken_port: list[int]) -> None:
    with server_process("memory", tmp_path) as base:
        assert httpx.get(base + "/healthz").status_code == 200
    assert len(taken_port) == 2
    assert base == f"http://127.0.0.1:{taken_port[1]}"
    assert [p.name for p in tmp_path.glob("server-*.log")] == [f"server-{taken_port[1]}.log"]


def test_redis_server_moves_off_a_taken_port(tmp_path: Path, taken_port: list[int]) -> None:
    with (
        redis_server(tmp_path) as url,
        socket.create_connection(("127.0.0.1", taken_port[-1]), timeout=5) as s,
    ):
        s.sendall(b"PING\r\n")
        assert s.recv(16).startswith(b"+PONG")
    assert len(taken_port) == 2
    assert url == f"redis://127.0.0.1:{taken_port[1]}/0"


def test_a_server_failing_otherwise_is_not_retried(tmp_path: Path, taken_port: list[int]) -> None:
    def argv(port: int) -> list[str]:
        return [sys.executable, "-c", "raise SystemExit('no config')"]

    with (
        pytest.raises(RuntimeError, match="server exited with 1") as failed,
        running_server(argv, cwd=tmp_path, log=lambda _: tmp_path / "x.log", health="/", env={}),
    ):
        pass
    assert not isinstance(failed.value, PortTaken)
    assert len(taken_port) == 1


def test_on_free_port_gives_up_after_its_attempts() -> None:
    ports: list[int] = []

    def start(port: int) -> AbstractContextManager[None]:
        ports.append(port)

        @contextmanager
        def taken() -> Iterator[None]:
            raise PortTaken(f"{port} taken")
            yield

        return taken()

    with (
        pytest.raises(PortTaken, match="the port was taken on each of 3 attempts"),
        on_free_port(start, attempts=3),
    ):
        pass
    assert len(ports) == 3
