"""Sign-In with Stacks nonce stores: bound, single-use, atomic take-then-verify."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from pathlib import Path
from typing import Any

import pytest

from authtokens.errors import InvalidAddressError, InvalidArgumentError, NonceUnknownError
from authtokens.siws import (
    CHAIN_TESTNET,
    AsyncNonceStore,
    NonceStore,
    averify_with_store,
    create_message,
    verify_with_store,
)
from authtokens.stacks_messages import sign_message
from authtokens.stores import AsyncMemoryNonceStore, MemoryNonceStore
from authtokens.stores.redis import AsyncRedisNonceStore, RedisNonceStore
from authtokens.stores.sqlite import AsyncSQLiteNonceStore, SQLiteNonceStore

KEY = "e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801"
MAINNET = "SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY"
TESTNET = "ST3KC0MTNW34S1ZXD36JYKFD3JJMWA01M55DSJ4JE"
NOW = 1_800_000_000.0


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> NonceStore:
    if request.param == "memory":
        return MemoryNonceStore()
    if request.param == "sqlite":
        return SQLiteNonceStore(tmp_path / "nonces.db")
    return RedisNonceStore(request.getfixturevalue("redis_url"), prefix=f"t:{tmp_path.name}:")


@pytest.fixture(params=["memory", "sqlite", "redis"])
def astore(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncNonceStore:
    if request.param == "memory":
        return AsyncMemoryNonceStore()
    if request.param == "sqlite":
        return AsyncSQLiteNonceStore(tmp_path / "nonces.db")
    return AsyncRedisNonceStore(request.getfixturevalue("redis_url"), prefix=f"a:{tmp_path.name}:")


def _signed(nonce: str, address: str = MAINNET, chain_id: int = 1) -> tuple[str, str]:
    text = create_message(
        domain="example.com",
        address=address,
        chain_id=chain_id,
        uri="https://example.com/login",
        nonce=nonce,
        issued_at=NOW,
    )
    return text, sign_message(KEY, text)


def test_issue_consume_once(store: NonceStore) -> None:
    nonce = store.issue(MAINNET, 1, now=NOW)
    assert len(nonce) >= 17
    store.consume(nonce, MAINNET.lower().replace("s", "S", 1), 1, now=NOW + 1)
    with pytest.raises(NonceUnknownError) as info:
        store.consume(nonce, MAINNET, 1, now=NOW + 1)
    assert info.value.code == "nonce_unknown"


@pytest.mark.parametrize("case", ["unknown", "expired", "other_chain", "other_address"])
def test_consume_refuses(store: NonceStore, case: str) -> None:
    nonce = store.issue(MAINNET, 1, ttl=60, now=NOW)
    args: dict[str, Any] = {
        "unknown": {"nonce": "neverIssued123", "address": MAINNET, "chain_id": 1, "now": NOW},
        "expired": {"nonce": nonce, "address": MAINNET, "chain_id": 1, "now": NOW + 60},
        "other_chain": {"nonce": nonce, "address": TESTNET, "chain_id": CHAIN_TESTNET},
        "other_address": {
            "nonce": nonce,
            "address": "SP000000000000000000002Q6VF78",
            "chain_id": 1,
        },
    }[case]
    args.setdefault("now", NOW)
    with pytest.raises(NonceUnknownError):
        store.consume(**args)
    if case == "unknown":  # the issued nonce was not touched
        store.consume(nonce, MAINNET, 1, now=NOW)
        return
    # A refused take still spends the nonce: nobody can retry it.
    with pytest.raises(NonceUnknownError):
        store.consume(nonce, MAINNET, 1, now=NOW)


@pytest.mark.parametrize("backend", ["memory", "sqlite", "redis"])
def test_the_clock_is_injectable(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    clock = [NOW]
    store: NonceStore
    if backend == "memory":
        store = MemoryNonceStore(clock=lambda: clock[0])
    elif backend == "sqlite":
        store = SQLiteNonceStore(tmp_path / "n.db", clock=lambda: clock[0])
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisNonceStore(url, prefix=f"c:{tmp_path.name}:", clock=lambda: clock[0])
    kept, lapsed = store.issue(MAINNET, 1, ttl=60), store.issue(MAINNET, 1, ttl=60)
    clock[0] = NOW + 59
    store.consume(kept, MAINNET, 1)  # the store's clock, not the wall clock (years earlier)
    clock[0] = NOW + 60
    with pytest.raises(NonceUnknownError, match="expired"):
        store.consume(lapsed, MAINNET, 1)


def test_stores_satisfy_the_protocols(tmp_path: Path) -> None:
    assert isinstance(MemoryNonceStore(), NonceStore)
    assert isinstance(SQLiteNonceStore(tmp_path / "p.db"), NonceStore)
    assert isinstance(AsyncMemoryNonceStore(), AsyncNonceStore)
    assert isinstance(AsyncSQLiteNonceStore(tmp_path / "q.db"), AsyncNonceStore)
    assert importlib.util.find_spec("authtokens.siws_nonces") is None  # folded into stores/


def test_caller_errors(store: NonceStore) -> None:
    with pytest.raises(InvalidArgumentError):
        store.issue(MAINNET, 5, now=NOW)
    with pytest.raises(InvalidAddressError):
        store.issue(MAINNET, CHAIN_TESTNET, now=NOW)
    with pytest.raises(InvalidArgumentError):
        store.issue(MAINNET, 1, ttl=0, now=NOW)


def test_fifty_concurrent_consumes_one_wins(store: NonceStore) -> None:
    nonce = store.issue(MAINNET, 1, now=NOW)
    wins: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(50)

    def attempt() -> None:
        barrier.wait()
        try:
            store.consume(nonce, MAINNET, 1, now=NOW)
            ok = True
        except NonceUnknownError:
            ok = False
        with lock:
            wins.append(ok)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 50
    assert wins.count(True) == 1


def test_fifty_concurrent_verifies_one_session(store: NonceStore) -> None:
    nonce = store.issue(MAINNET, 1, now=NOW)
    text, sig = _signed(nonce)
    codes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(50)

    def attempt() -> None:
        barrier.wait()
        try:
            verify_with_store(store, text, sig, domain="example.com", now=NOW)
            code = "ok"
        except NonceUnknownError as exc:
            code = exc.code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count("ok") == 1
    assert codes.count("nonce_unknown") == 49


def test_nonce_spent_before_signature_check(store: NonceStore) -> None:
    nonce = store.issue(MAINNET, 1, now=NOW)
    text, sig = _signed(nonce)
    bad = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]
    with pytest.raises(Exception) as first:
        verify_with_store(store, text, bad, domain="example.com", now=NOW)
    assert getattr(first.value, "code", None) == "bad_signature"
    with pytest.raises(NonceUnknownError):
        verify_with_store(store, text, sig, domain="example.com", now=NOW)


def test_verify_with_store_result(store: NonceStore) -> None:
    nonce = store.issue(TESTNET, CHAIN_TESTNET, now=NOW)
    text, sig = _signed(nonce, TESTNET, CHAIN_TESTNET)
    got = verify_with_store(
        store,
        text,
        sig,
        domain="example.com",
        uri="https://example.com/login",
        chain_id=CHAIN_TESTNET,
        address=TESTNET,
        now=NOW,
    )
    assert got.account_id == f"stacks:2147483648:{TESTNET}"


def test_async_fifty_concurrent_verifies(astore: AsyncNonceStore) -> None:
    async def run() -> list[str]:
        nonce = await astore.issue(MAINNET, 1, now=NOW)
        text, sig = _signed(nonce)

        async def attempt() -> str:
            try:
                await averify_with_store(astore, text, sig, domain="example.com", now=NOW)
            except NonceUnknownError as exc:
                return exc.code
            return "ok"

        out = list(await asyncio.gather(*(attempt() for _ in range(50))))
        if isinstance(astore, AsyncRedisNonceStore):
            await astore.aclose()
        return out

    codes = asyncio.run(run())
    assert codes.count("ok") == 1
    assert codes.count("nonce_unknown") == 49


def test_base_install_imports_without_server_or_redis() -> None:
    """SIWS, Clarity and the nonce stores import with the base install alone."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('redis', 'starlette', 'uvicorn', 'fastapi', 'jwt'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import authtokens.siws, authtokens.stores, authtokens.clarity\n"
        "import authtokens.stacks_messages\n"
        "store = authtokens.stores.MemoryNonceStore()\n"
        "print(len(store.issue('SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY', 1)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "22"
