"""`sign_in_with_stacks`: sign a `TestWallet` user into an app through its SIWS endpoints.

It does what a Connect 8 front end does, with a framework's synchronous test client instead
of a browser: ask the wallet for its address (``getAddresses``), get a nonce
(``POST {prefix}/siws/nonce`` with ``{"walletAddress", "chainId"}``), build the Sign-In with
Stacks message for the app's domain and URI, have the wallet sign it (``stx_signMessage``),
and post it (``POST {prefix}/siws/verify`` with ``{"walletAddress", "message", "signature",
"chainId", "publicKey"}``). These are the request shapes of the better-auth SIWS plugin.

Two client shapes are supported: ``client.post(url, json=body)`` (Starlette's and FastAPI's
``TestClient``, any httpx client with a ``base_url``) and ``client.post(url, data=text,
content_type="application/json")`` (Django's test ``Client``).
"""

from __future__ import annotations

import inspect
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidArgumentError, InvalidMessageFieldError, SignInRefusedError
from ..siws import create_message, generate_nonce
from .wallet import Misbehaviour, TestWallet

__all__ = ["SignedInUser", "client_base_url", "sign_in_with_stacks"]

CHAIN_TESTNET = 2147483648
WRONG_MESSAGE_DOMAIN = "wrong-domain.example"
_SIGN_IN_FAULTS = frozenset(
    {
        Misbehaviour.WRONG_KEY,
        Misbehaviour.TAMPERED,
        Misbehaviour.EXPIRED,
        Misbehaviour.WRONG_DOMAIN,
        Misbehaviour.WRONG_NONCE,
    }
)


@dataclass(frozen=True, slots=True)
class SignedInUser:
    """A completed sign-in: the app's session ``token`` and ``user`` object, the wallet's
    ``address`` and ``public_key``, and the exact ``message`` and ``signature`` sent."""

    token: str
    user: dict[str, Any]
    address: str
    public_key: str
    message: str = field(repr=False)
    signature: str = field(repr=False)
    body: dict[str, Any] = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``, for the next requests."""
        return {"Authorization": f"Bearer {self.token}"}


def client_base_url(client: Any) -> str:
    """The origin a test client talks to: its ``base_url`` (httpx/Starlette), or for Django's
    ``Client`` its ``HTTP_HOST``/``SERVER_NAME`` default (``http://testserver``)."""
    base = getattr(client, "base_url", None)
    if base is not None:
        parts = urlsplit(str(base))
        return f"{parts.scheme}://{parts.netloc}"
    defaults = getattr(client, "defaults", {}) or {}
    host = defaults.get("HTTP_HOST") or defaults.get("SERVER_NAME") or "testserver"
    secure = defaults.get("wsgi.url_scheme") == "https" or defaults.get("secure") is True
    return f"{'https' if secure else 'http'}://{host}"


def _post(client: Any, url: str, body: dict[str, Any]) -> tuple[int, Any]:
    parameters = inspect.signature(client.post).parameters
    if "content_type" in parameters and "json" not in parameters:
        response = client.post(url, data=json.dumps(body), content_type="application/json")
    else:
        response = client.post(url, json=body)
    status = int(response.status_code)
    try:
        data = response.json()
    except ValueError:
        data = None
    return status, data


def _refused(step: str, status: int, data: Any) -> SignInRefusedError:
    code = data.get("error") if isinstance(data, dict) else None
    detail = f" ({code})" if isinstance(code, str) else ""
    return SignInRefusedError(
        f"the app refused {step} with HTTP {status}{detail}",
        status=status,
        error=code if isinstance(code, str) else None,
    )


def sign_in_with_stacks(
    client: Any,
    wallet: TestWallet,
    *,
    prefix: str = "/auth",
    account: int = 0,
    chain_id: int = 1,
    domain: str | None = None,
    uri: str | None = None,
    statement: str | None = None,
    misbehave: Misbehaviour | None = None,
) -> SignedInUser:
    """Sign ``wallet``'s ``account`` into the app behind ``client``; return the session.

    ``domain`` (default: the host and port of the client's base URL) and ``uri`` (default:
    that origin) go into the message and must be what the app expects. ``chain_id`` 1 is
    mainnet (``SP…``), 2147483648 testnet (``ST…``). ``misbehave`` (default: the wallet's,
    where it applies) breaks the sign-in on purpose: ``WRONG_KEY``/``TAMPERED`` break the
    signature, ``EXPIRED`` sends an already expired message, ``WRONG_DOMAIN`` names another
    domain, ``WRONG_NONCE`` a nonce the app never issued.

    Raises `SignInRefusedError` (with the HTTP ``status`` and the app's ``error`` code) when an
    endpoint answers anything but 200 with the expected body.
    """
    if misbehave is not None and misbehave not in _SIGN_IN_FAULTS:
        raise InvalidArgumentError(f"{misbehave} does not apply to a SIWS sign-in")
    fault = misbehave if misbehave is not None else wallet.misbehave
    if fault not in _SIGN_IN_FAULTS:
        fault = None
    origin = client_base_url(client)
    network = "mainnet" if chain_id == 1 else "testnet"
    entry = wallet.request("getAddresses", {"network": network}, account)["addresses"][0]
    address, public_key = entry["address"], entry["publicKey"]

    status, data = _post(
        client, f"{prefix}/siws/nonce", {"walletAddress": address, "chainId": chain_id}
    )
    if status != 200 or not isinstance(data, dict) or not isinstance(data.get("nonce"), str):
        raise _refused("the nonce request", status, data)
    nonce: str = data["nonce"]

    now = time.time()
    fields: dict[str, Any] = {
        "domain": urlsplit(origin).netloc if domain is None else domain,
        "address": address,
        "uri": origin if uri is None else uri,
        "nonce": nonce,
        "chain_id": chain_id,
        "issued_at": now,
        "statement": statement,
    }
    if fault is Misbehaviour.EXPIRED:
        fields["issued_at"], fields["expiration_time"] = now - 120, now - 61
    elif fault is Misbehaviour.WRONG_DOMAIN:
        fields["domain"] = WRONG_MESSAGE_DOMAIN
    elif fault is Misbehaviour.WRONG_NONCE:
        fields["nonce"] = generate_nonce()
    try:
        message = create_message(**fields)
    except InvalidMessageFieldError as exc:
        if domain is None and "domain" in exc.message:
            raise InvalidMessageFieldError(
                f"{exc.message}; the test client's host {fields['domain']!r} is none of these: "
                "give the client a base_url such as 'http://app.localhost', or pass domain="
            ) from None
        raise
    signing_fault = fault if fault in (Misbehaviour.WRONG_KEY, Misbehaviour.TAMPERED) else None
    signed = wallet.request(
        "stx_signMessage", {"message": message}, account, misbehave=signing_fault
    )

    body = {
        "walletAddress": address,
        "message": message,
        "signature": signed["signature"],
        "chainId": chain_id,
        "publicKey": signed["publicKey"],
    }
    status, data = _post(client, f"{prefix}/siws/verify", body)
    if (
        status != 200
        or not isinstance(data, dict)
        or data.get("success") is not True
        or not isinstance(data.get("token"), str)
    ):
        raise _refused("the signed message", status, data)
    user = data.get("user")
    return SignedInUser(
        token=data["token"],
        user=user if isinstance(user, dict) else {},
        address=address,
        public_key=public_key,
        message=message,
        signature=signed["signature"],
        body=data,
    )
