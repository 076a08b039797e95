"""A FastAPI app with "Sign in with Stacks" and the legacy authenticator flow.

    python examples/fastapi_app.py --host 127.0.0.1 --port 8000

State lives in the working directory: ``authtokens-fastapi.db`` (SQLite: nonces, sessions,
users, pending logins) and ``authtokens-fastapi-token-key.pem`` (the bearer-token key).
Environment:

- ``AUTH_DOMAIN`` / ``AUTH_URI``: what SIWS messages must name (default ``HOST:PORT`` and
  ``http://HOST:PORT``); the allowed origin is the URI's;
- ``AUTH_AUTHENTICATOR``: the legacy flow's authenticator (default
  ``http://127.0.0.1:8800/auth``, where ``authtokens wallet`` listens);
- ``AUTH_DEV_PROVIDER``: URL of a development wallet's ``provider.js``, included in the page;
- ``AUTH_STORE``: another store URL (``memory``, ``sqlite:///…``, ``redis://…``).

The page loads the Connect 8 front end from ``/static/signin.js``, served from
``examples/frontend/dist/signin.js`` (build it with ``make frontend``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse

from authtokens.integrations import AuthConfig, Session
from authtokens.integrations.fastapi import StacksSignIn, optional_user

sys.path.insert(0, str(Path(__file__).resolve().parent))  # signin_page.py, next to this file
import signin_page
from signin_page import BUNDLE

DEFAULT_AUTHENTICATOR = "http://127.0.0.1:8800/auth"


def config_for(host: str, port: int, workdir: Path) -> AuthConfig:
    """The example's configuration: its own origin, state files in ``workdir``."""
    domain = os.environ.get("AUTH_DOMAIN") or f"{host}:{port}"
    uri = os.environ.get("AUTH_URI") or f"http://{host}:{port}"
    store = os.environ.get("AUTH_STORE") or f"sqlite:///{workdir / 'authtokens-fastapi.db'}"
    return AuthConfig(
        domain=domain,
        uri=uri,
        store_url=store,
        authenticator_url=os.environ.get("AUTH_AUTHENTICATOR") or DEFAULT_AUTHENTICATOR,
        app_name="authtokens FastAPI example",
        signing_key_path=str(workdir / "authtokens-fastapi-token-key.pem"),
    )


def page(config: AuthConfig, session: Session | None) -> str:
    """The home page (`signin_page.page`)."""
    return signin_page.page("FastAPI", config.prefix, session)


def build_app(config: AuthConfig) -> FastAPI:
    """The example app for ``config``."""
    signin = StacksSignIn(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await signin.core.open()
        yield
        await signin.core.close()

    app = FastAPI(title="authtokens FastAPI example", lifespan=lifespan)
    signin.install(app)

    @app.get("/", response_class=HTMLResponse)
    async def home(session: Annotated[Session | None, Depends(optional_user)]) -> HTMLResponse:
        return HTMLResponse(page(config, session), headers={"cache-control": "no-store"})

    @app.get("/static/signin.js", response_model=None)
    async def bundle() -> FileResponse | PlainTextResponse:
        if BUNDLE.exists():
            return FileResponse(BUNDLE, media_type="text/javascript")
        return PlainTextResponse("front end not built: run make frontend", status_code=404)

    @app.get("/manifest.json")
    async def manifest() -> JSONResponse:
        # Wallets fetch the app manifest of an authRequest from their own origin.
        body: dict[str, object] = {"name": config.app_name, "start_url": config.uri, "icons": []}
        return JSONResponse(body, headers={"access-control-allow-origin": "*"})

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    import uvicorn

    app = build_app(config_for(args.host, args.port, Path.cwd()))
    print(f"authtokens FastAPI example on http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
