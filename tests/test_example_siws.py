"""examples/siws_fastapi.py (the README's Connect 8 backend): a wallet signs in through it, and
it refuses what it must, on the memory and SQLite nonce stores."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest

from authtokens.siws import create_message
from authtokens.stacks_messages import sign_message
from authtokens.stores import AsyncMemoryNonceStore
from authtokens.stores.sqlite import AsyncSQLiteNonceStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801"
ADDRESS = "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("siws_fastapi", ROOT / "examples/siws_fastapi.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["siws_fastapi"] = module  # pydantic resolves the models' annotations here
    spec.loader.exec_module(module)
    return module


example = _example()


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_sign_in_and_refusals(backend: str, tmp_path: Path) -> None:
    store = (
        AsyncMemoryNonceStore() if backend == "memory" else AsyncSQLiteNonceStore(tmp_path / "n")
    )
    with TestClient(example.create_app(store)) as http:
        nonce = http.post("/siws/nonce", json={"walletAddress": ADDRESS}).json()["nonce"]
        text = create_message(domain=example.DOMAIN, address=ADDRESS, uri=example.URI, nonce=nonce)
        body = {"walletAddress": ADDRESS, "message": text, "signature": sign_message(KEY, text)}
        r = http.post("/siws/verify", json=body)
        assert r.status_code == 200, r.text
        assert r.json() == {
            "success": True,
            "user": {"address": ADDRESS, "accountId": f"stacks:1:{ADDRESS}"},
        }
        r = http.post("/siws/verify", json=body)
        assert (r.status_code, r.json()) == (401, {"error": "nonce_unknown"})
        nonce = http.post("/siws/nonce", json={"walletAddress": ADDRESS}).json()["nonce"]
        text = create_message(domain="evil.example", address=ADDRESS, uri=example.URI, nonce=nonce)
        body = {"walletAddress": ADDRESS, "message": text, "signature": sign_message(KEY, text)}
        r = http.post("/siws/verify", json=body)
        assert (r.status_code, r.json()) == (401, {"error": "domain_mismatch"})
        r = http.post("/siws/nonce", json={"walletAddress": "SP37JJX3D"})
        assert (r.status_code, r.json()) == (400, {"error": "invalid_address"})
        r = http.post("/siws/nonce", json={"walletAddress": ADDRESS, "chainId": 2147483648})
        assert (r.status_code, r.json()) == (400, {"error": "chain_mismatch"})
