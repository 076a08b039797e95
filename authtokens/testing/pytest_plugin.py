"""The authtokens pytest plugin, loaded through the ``pytest11`` entry point.

Fixture ``stacks_wallet``: a `TestWallet`. By default it holds `TEST_MNEMONIC`, so every run
sees the same addresses (account 0 is Clarinet devnet's deployer,
``ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM`` on testnet). Mark a test to change it::

    @pytest.mark.stacks_wallet(random=True)                  # a fresh random mnemonic
    @pytest.mark.stacks_wallet(mnemonic="...")               # a given one
    @pytest.mark.stacks_wallet(network="testnet", misbehave=Misbehaviour.EXPIRED)

Sign a user in with `authtokens.testing.sign_in_with_stacks`::

    def test_profile(client, stacks_wallet):
        user = sign_in_with_stacks(client, stacks_wallet)
        assert client.get("/me", headers=user.headers).json()["address"] == user.address
"""

from __future__ import annotations

import pytest

from .wallet import TEST_MNEMONIC, Misbehaviour, TestWallet

__all__ = ["pytest_configure", "stacks_wallet"]

_MARKER = (
    "stacks_wallet(mnemonic=None, *, random=False, network='mainnet', misbehave=None): "
    "configure the stacks_wallet fixture (default: the public test mnemonic)"
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``stacks_wallet`` marker."""
    config.addinivalue_line("markers", _MARKER)


@pytest.fixture
def stacks_wallet(request: pytest.FixtureRequest) -> TestWallet:
    """A `TestWallet`: the public test mnemonic unless the test's marker says otherwise."""
    marker = request.node.get_closest_marker("stacks_wallet")
    args: tuple[object, ...] = marker.args if marker is not None else ()
    options: dict[str, object] = dict(marker.kwargs) if marker is not None else {}
    random = bool(options.pop("random", False))
    mnemonic = options.pop("mnemonic", args[0] if args else None)
    network = options.pop("network", "mainnet")
    misbehave = options.pop("misbehave", None)
    if options:
        raise pytest.UsageError(f"unknown stacks_wallet marker options: {sorted(options)}")
    if random and mnemonic is not None:
        raise pytest.UsageError("stacks_wallet: give mnemonic= or random=True, not both")
    if mnemonic is not None and not isinstance(mnemonic, str):
        raise pytest.UsageError("stacks_wallet: mnemonic must be a string")
    if not isinstance(network, str):
        raise pytest.UsageError("stacks_wallet: network must be a string")
    if misbehave is not None and not isinstance(misbehave, Misbehaviour):
        raise pytest.UsageError("stacks_wallet: misbehave must be a Misbehaviour")
    phrase = None if random else (mnemonic if mnemonic is not None else TEST_MNEMONIC)
    return TestWallet(phrase, network=network, misbehave=misbehave)
