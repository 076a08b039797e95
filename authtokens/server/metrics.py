"""``GET /metrics``: the server's Prometheus metrics, through ``prometheus-client``.

=========================================  ============================================
``authtokens_signins_total{channel}``      completed sign-ins (``http``, ``ws``, ``siws``)
``authtokens_refusals_total{code}``        refusals, by the `SignInError` code sent
``authtokens_request_duration_seconds``    latency histogram per ``endpoint`` (the route
                                           path; unknown paths count as ``other``)
``authtokens_store_errors_total{operation}``  store calls that raised (the answer was a 500)
``authtokens_open_connections``            connections open now (the connection guard's)
=========================================  ============================================

Each app has its own `Metrics` (its own registry: several apps in one process, as in the tests,
do not collide). With ``authtokens serve --workers N`` the workers share one port, so a scrape
reaches one of them at random: there the metrics use prometheus-client's *multiprocess mode*
(``PROMETHEUS_MULTIPROC_DIR``, set by the supervisor before any worker starts): every worker
writes its values to memory-mapped files in that directory and whichever worker answers the
scrape sums them all (open connections: summed over live workers). Prometheus then sees one
target, as with one process.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["MULTIPROCESS_ENV", "Metrics"]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Sign-in latencies sit between about 1 ms (idle) and 100 ms (saturated).
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The server's metrics and their text exposition (see the module doc)."""

    def __init__(self, endpoints: frozenset[str]) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.endpoints = endpoints
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_ENV))
        self.registry = CollectorRegistry(auto_describe=True)
        self.signins = Counter(
            "authtokens_signins",
            "Completed sign-ins, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.refusals = Counter(
            "authtokens_refusals",
            "Refused requests, by the error code answered.",
            ["code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "authtokens_request_duration_seconds",
            "Time from a request's start to its response's end, by endpoint.",
            ["endpoint"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.store_errors = Counter(
            "authtokens_store_errors",
            "Store operations that raised, by operation.",
            ["operation"],
            registry=self.registry,
        )
        self.connections = Gauge(
            "authtokens_open_connections",
            "Open client connections.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        # Label children resolved once: .labels() costs a lock and a dict lookup per call.
        self._latency = {path: self.latency.labels(path) for path in (*endpoints, "other")}
        self._signins: dict[str, Any] = {}
        self._refusals: dict[str, Any] = {}

    def signed_in(self, channel: str) -> None:
        """Count one completed sign-in."""
        child = self._signins.get(channel)
        if child is None:
            child = self._signins[channel] = self.signins.labels(channel)
        child.inc()

    def refused(self, code: str) -> None:
        """Count one refusal answered with ``code``."""
        child = self._refusals.get(code)
        if child is None:
            child = self._refusals[code] = self.refusals.labels(code)
        child.inc()

    def observe(self, path: str, seconds: float) -> None:
        """Record one request's duration under its endpoint."""
        child = self._latency.get(path)
        if child is None:
            child = self._latency["other"]
        child.observe(seconds)

    def store_error(self, operation: str) -> None:
        """Count a store operation that raised."""
        self.store_errors.labels(operation).inc()

    def connection(self, delta: int) -> None:
        """A connection opened (+1) or closed (-1)."""
        self.connections.inc(delta)

    def render(self) -> bytes:
        """The text exposition: this process's metrics, or every worker's in multiprocess mode."""
        from prometheus_client import CollectorRegistry, generate_latest

        if not self.multiprocess:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
