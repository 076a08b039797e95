"""SIP-030 requests waiting for consent, and how to describe them to the user (no framework).

A dapp page's provider (``/provider.js``) posts a JSON-RPC request; `RequestBook.submit`
answers it at once (auto-approve, or a request the wallet cannot answer) or keeps it pending
under a random id until the consent popup approves or denies it. Answers are JSON-RPC
response objects: ``{"jsonrpc": "2.0", "id", "result"}`` or ``{"jsonrpc", "id", "error":
{"code", "message"}}`` with the codes `@stacks/connect` 8 knows.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...clarity import deserialize
from ...errors import (
    AuthTokenError,
    InvalidArgumentError,
    MalformedClarityValueError,
    UnsupportedMethodError,
    UsageError,
)
from ...siws import CHAIN_MAINNET, CHAIN_TESTNET, wallet_check
from ..wallet import TestWallet

__all__ = [
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "USER_REJECTED",
    "Pending",
    "RequestBook",
    "describe",
    "rpc_error",
]

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
USER_REJECTED = -32000

SIWS_HEADER = " wants you to sign in with your Stacks account:\n"
PENDING_LIFETIME = 600.0
MAX_PENDING = 256


def rpc_error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    """A JSON-RPC error response object."""
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def _answer(
    wallet: TestWallet, rpc_id: Any, method: str, params: dict[str, Any], account: int
) -> dict[str, Any]:
    try:
        result = wallet.request(method, params, account)
    except UnsupportedMethodError as exc:
        return rpc_error(rpc_id, METHOD_NOT_FOUND, exc.message)
    except UsageError as exc:
        return rpc_error(rpc_id, INVALID_PARAMS, exc.message)
    except AuthTokenError as exc:  # e.g. a malformed Clarity value in the params
        return rpc_error(rpc_id, INVALID_PARAMS, f"{exc.code}: {exc.message}")
    return {"jsonrpc": "2.0", "id": rpc_id, "result": result}


@dataclass(slots=True)
class Pending:
    """A request waiting for consent; ``response`` is set once answered."""

    id: str
    rpc_id: Any
    origin: str
    method: str
    params: dict[str, Any]
    created: float
    response: dict[str, Any] | None = field(default=None)


class RequestBook:
    """Pending SIP-030 requests, capped in number and lifetime (memory only)."""

    def __init__(self, wallet: TestWallet, *, clock: Callable[[], float] = time.time) -> None:
        self.wallet = wallet
        self.clock = clock
        self._pending: dict[str, Pending] = {}

    def _prune(self) -> None:
        cutoff = self.clock() - PENDING_LIFETIME
        for key in [k for k, p in self._pending.items() if p.created < cutoff]:
            del self._pending[key]
        while len(self._pending) >= MAX_PENDING:
            del self._pending[next(iter(self._pending))]

    def submit(
        self, body: Any, origin: str, *, auto_approve: bool, account: int
    ) -> tuple[dict[str, Any] | None, Pending | None]:
        """Answer now (first item) or keep pending (second item)."""
        if not isinstance(body, dict):
            return rpc_error(None, INVALID_REQUEST, "the request must be a JSON object"), None
        rpc_id = body.get("id")
        method, params = body.get("method"), body.get("params")
        if params is None:
            params = {}
        if not isinstance(method, str) or not isinstance(params, dict):
            error = rpc_error(rpc_id, INVALID_REQUEST, "method must be a string, params an object")
            return error, None
        # A dry run validates the method and params before anyone is asked to consent.
        answer = _answer(self.wallet, rpc_id, method, params, account)
        if auto_approve or "error" in answer:
            return answer, None
        self._prune()
        pending = Pending(secrets.token_urlsafe(18), rpc_id, origin, method, params, self.clock())
        self._pending[pending.id] = pending
        return None, pending

    def get(self, request_id: str) -> Pending | None:
        """The request under ``request_id``, if it exists and has not expired."""
        self._prune()
        return self._pending.get(request_id)

    def decide(self, pending: Pending, *, approve: bool, account: int) -> dict[str, Any]:
        """Answer a pending request (once); returns its response."""
        if pending.response is None:
            pending.response = (
                _answer(self.wallet, pending.rpc_id, pending.method, pending.params, account)
                if approve
                else rpc_error(pending.rpc_id, USER_REJECTED, "User rejected request")
            )
        return pending.response


def describe(
    pending: Pending, wallet: TestWallet, *, accounts: int, now: float
) -> tuple[list[tuple[str, str]], list[str]]:
    """What the consent popup shows: (label, value) rows, and warnings."""
    params = pending.params
    if pending.method in ("getAddresses", "stx_getAddresses"):
        network = str(params.get("network", "the wallet's default network"))
        return [("Shares", "your STX address and public key"), ("Network", network)], []
    if pending.method == "stx_signMessage" and params.get("messageType") != "structured":
        text = str(params.get("message", ""))
        warnings = _siws_warnings(text, pending.origin, wallet, accounts=accounts, now=now)
        return [("Message", text)], warnings
    if pending.method in ("stx_signMessage", "stx_signStructuredMessage"):
        return [
            ("Domain", _clarity_text(params.get("domain"))),
            ("Message", _clarity_text(params.get("message"))),
        ], []
    return [("Params", repr(params))], []


def _clarity_text(value: object) -> str:
    try:
        return repr(deserialize(value)) if isinstance(value, str) else repr(value)
    except MalformedClarityValueError:
        return f"{value} (not a Clarity value)"


def _siws_warnings(
    text: str, origin: str, wallet: TestWallet, *, accounts: int, now: float
) -> list[str]:
    """EIP-4361's wallet rule, which no Stacks wallet applies (`authtokens.siws.wallet_check`):
    a Sign-In with Stacks message must name the site asking, this wallet's chain and account,
    and be current. Plain messages get no warning."""
    if SIWS_HEADER not in text:
        return []
    testnet = wallet.network != "mainnet"
    chain = CHAIN_TESTNET if testnet else CHAIN_MAINNET
    network = "testnet" if testnet else "mainnet"
    ours = [wallet.stx_address(i, network=network) for i in range(accounts)]
    named = next((a for a in ours if a in text), ours[0])
    try:
        failures = wallet_check(text, origin=origin, address=named, chain_id=chain, now=now)
    except InvalidArgumentError:  # no usable Origin: not a browser page
        return []
    return [f"{exc.code}: {exc.message}" for exc in failures]
