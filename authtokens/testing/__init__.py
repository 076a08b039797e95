"""A wallet for tests: `TestWallet`, and a pytest plugin (`authtokens.testing.pytest_plugin`).

::

    from authtokens.testing import TestWallet

    wallet = TestWallet()                      # fresh random mnemonic in wallet.mnemonic
    answer = wallet.answer_auth_request(token) # answer.token, answer.redirect_url
    wallet.request("getAddresses")             # {"addresses": [{"symbol": "STX", ...}]}
    user = sign_in_with_stacks(client, wallet) # through the app's /auth/siws/* endpoints

Importing this package needs only the base install; pytest is imported by the plugin module
alone, which pytest loads through the ``pytest11`` entry point.
"""

from __future__ import annotations

from .signin import SignedInUser, sign_in_with_stacks
from .wallet import TEST_MNEMONIC, AuthAnswer, Misbehaviour, TestWallet

__all__ = [
    "TEST_MNEMONIC",
    "AuthAnswer",
    "Misbehaviour",
    "SignedInUser",
    "TestWallet",
    "sign_in_with_stacks",
]
