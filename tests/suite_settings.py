"""Suite-wide settings.

Hypothesis' per-example deadline (200 ms) measures the machine, not the code: a scheduler stall
on a loaded two-core CI machine would fail a property that holds. Speed is measured in
benchmarks/, never asserted in tests, so the deadline is off for every property test.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("authtokens", deadline=None)
settings.load_profile("authtokens")
