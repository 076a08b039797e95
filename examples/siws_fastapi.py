"""Sign-In with Stacks in a plain FastAPI app, with the library alone (README "Sign in with a
Stacks wallet (Connect 8)"): a nonce store from `authtokens.stores` and
`authtokens.siws.averify_with_store`. `authtokens.integrations.fastapi.StacksSignIn` does the
same and adds sessions, cookies and account linking.

    python examples/siws_fastapi.py --port 8000   # AUTH_DOMAIN / AUTH_URI / AUTH_NONCES

Endpoints in the better-auth SIWS shapes: ``POST /siws/nonce`` ``{"walletAddress",
"chainId"?}`` → ``{"nonce"}``; ``POST /siws/verify`` ``{"walletAddress", "message",
"signature", "chainId"?, "publicKey"?}`` → ``{"success": true, "user": {"address",
"accountId"}}`` or ``{"error": code}``.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from authtokens import InvalidTokenError, UsageError
from authtokens.siws import AsyncNonceStore, averify_with_store
from authtokens.stores import AsyncMemoryNonceStore
from authtokens.stores.sqlite import AsyncSQLiteNonceStore

DOMAIN = os.environ.get("AUTH_DOMAIN", "localhost:8000")  # what messages must name
URI = os.environ.get("AUTH_URI", "http://localhost:8000")
CHAIN = 1  # mainnet; testnet is 2147483648


class NonceRequest(BaseModel):
    walletAddress: str
    chainId: int = CHAIN


class VerifyRequest(BaseModel):
    walletAddress: str
    message: str
    signature: str
    chainId: int = CHAIN
    publicKey: str | None = None


def create_app(nonces: AsyncNonceStore) -> FastAPI:
    app = FastAPI()

    @app.post("/siws/nonce", response_model=None)
    async def nonce(body: NonceRequest) -> dict[str, Any] | JSONResponse:
        if body.chainId != CHAIN:
            return JSONResponse({"error": "chain_mismatch"}, 400)
        try:  # bound to this address and chain, single use, 5 minutes
            return {"nonce": await nonces.issue(body.walletAddress, body.chainId)}
        except UsageError as exc:  # not an address of this chain
            return JSONResponse({"error": exc.code}, 400)

    @app.post("/siws/verify", response_model=None)
    async def verify(body: VerifyRequest) -> dict[str, Any] | JSONResponse:
        try:  # takes the nonce first (atomically), then every check and the signature
            signed_in = await averify_with_store(
                nonces,
                body.message,
                body.signature,
                domain=DOMAIN,
                uri=URI,
                chain_id=CHAIN,
                address=body.walletAddress,
                public_key=body.publicKey,
            )
        except InvalidTokenError as exc:  # nonce_unknown, domain_mismatch, bad_signature, …
            return JSONResponse({"error": exc.code}, 401)
        except UsageError as exc:  # e.g. a malformed publicKey
            return JSONResponse({"error": exc.code}, 400)
        # Start your session here, keyed by the CAIP-10 id "stacks:1:SP…".
        user = {"address": signed_in.address, "accountId": signed_in.account_id}
        return {"success": True, "user": user}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    path = os.environ.get("AUTH_NONCES", "siws-nonces.db")
    store = AsyncMemoryNonceStore() if path == "memory" else AsyncSQLiteNonceStore(path)
    uvicorn.run(create_app(store), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
