"""Suite-wide settings and fixtures (a pytest plugin: ``addopts = "-p suite_settings"``).

Hypothesis' per-example deadline (200 ms) measures the machine, not the code: a scheduler stall
on a loaded two-core CI machine would fail a property that holds. Speed is measured in
benchmarks/, never asserted in tests, so the deadline is off for every property test.

``redis_url`` is a redis-server of the test module's own, started on first use.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from server_helpers import redis_server

settings.register_profile("authtokens", deadline=None)
settings.load_profile("authtokens")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of the module's own (stopped after the module)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
