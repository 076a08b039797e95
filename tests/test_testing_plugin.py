"""The pytest plugin: loaded by the pytest11 entry point, the stacks_wallet fixture and marker."""

from __future__ import annotations

import pytest

from authtokens.testing import TEST_MNEMONIC, Misbehaviour, TestWallet

pytest_plugins = ["pytester"]


def test_the_fixture_is_the_test_mnemonic_by_default(stacks_wallet: TestWallet) -> None:
    assert isinstance(stacks_wallet, TestWallet)
    assert stacks_wallet.mnemonic == TEST_MNEMONIC
    assert stacks_wallet.stx_address(0) == "SP1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRCBGD7R"


@pytest.mark.stacks_wallet(random=True, network="testnet", misbehave=Misbehaviour.EXPIRED)
def test_the_marker_configures_the_fixture(stacks_wallet: TestWallet) -> None:
    assert stacks_wallet.mnemonic != TEST_MNEMONIC
    assert stacks_wallet.network == "testnet"
    assert stacks_wallet.misbehave is Misbehaviour.EXPIRED


def test_the_entry_point_loads_the_plugin_in_a_fresh_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from authtokens.testing import TEST_MNEMONIC

        def test_default(stacks_wallet):
            assert stacks_wallet.mnemonic == TEST_MNEMONIC

        @pytest.mark.stacks_wallet("abandon " * 11 + "about")
        def test_given(stacks_wallet):
            assert stacks_wallet.mnemonic.endswith("about")

        @pytest.mark.stacks_wallet(color="red")
        def test_unknown_option(stacks_wallet):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*unknown stacks_wallet marker options*color*"])


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*stacks_wallet(mnemonic=None*"])
