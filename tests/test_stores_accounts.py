"""The `AccountStore` additions (sessions readable in place, linked accounts) on memory, SQLite
and a real redis-server."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from authtokens.errors import InvalidArgumentError
from authtokens.server.session import TokenSigner, verify_session_token
from authtokens.stores import AccountStore, MemoryStore, open_store

_prefixes = itertools.count()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], AccountStore]:
    if request.param == "memory":
        shared = MemoryStore()
        return lambda: shared
    if request.param == "sqlite":
        return lambda: open_store(f"sqlite:///{tmp_path / 'accounts.db'}")
    url = request.getfixturevalue("redis_url")
    prefix = f"acc{next(_prefixes)}:"

    def redis_store() -> AccountStore:
        from authtokens.stores.redis import RedisStore

        return RedisStore(url, prefix=prefix)

    return redis_store


def test_get_reads_without_taking(make_store: Callable[[], AccountStore]) -> None:
    async def run() -> None:
        store = make_store()
        await store.open()
        assert await store.put_new("s1", b"session", 30)
        assert await store.get("s1") == b"session"
        assert await store.get("s1") == b"session"
        assert await store.take("s1") == b"session"
        assert await store.get("s1") is None
        assert await store.put_new("short", b"x", 0.05)
        await asyncio.sleep(0.2)
        assert await store.get("short") is None
        await store.close()

    asyncio.run(run())


def test_link_list_unlink(make_store: Callable[[], AccountStore]) -> None:
    async def run() -> None:
        store = make_store()
        await store.open()
        a = await store.link_account("stacks:1:SPA", "u1", address="SPA", chain_id=1, method="siws")
        assert (a.user_id, a.chain_id, a.first_seen == a.last_seen) == ("u1", 1, True)
        await asyncio.sleep(0.01)
        again = await store.link_account(
            "stacks:1:SPA", "u1", address="SPA", chain_id=1, method="siws"
        )
        assert again.first_seen == a.first_seen < again.last_seen
        taken = await store.link_account(
            "stacks:1:SPA", "u2", address="SPA", chain_id=1, method="siws"
        )
        assert taken.user_id == "u1"  # refused: the first user keeps it
        did = await store.link_account(
            "did:btc-addr:1X", "u1", address="1X", chain_id=None, method="legacy"
        )
        assert did.chain_id is None
        assert await store.get_account("did:btc-addr:1X") == did
        assert [x.account_id for x in await store.user_accounts("u1")] == [
            "stacks:1:SPA",
            "did:btc-addr:1X",
        ]
        assert await store.user_accounts("u2") == []
        assert await store.unlink_account("stacks:1:SPA", "u2") == "not_linked"
        assert await store.unlink_account("stacks:1:SPA", "u1") == "unlinked"
        assert await store.unlink_account("did:btc-addr:1X", "u1") == "last_account"
        assert await store.get_account("stacks:1:SPA") is None
        await store.close()

    asyncio.run(run())


def test_concurrent_links_of_one_account_one_owner(make_store: Callable[[], AccountStore]) -> None:
    async def run() -> set[str]:
        stores = [make_store(), make_store()]
        for s in stores:
            await s.open()
        links = await asyncio.gather(
            *(
                stores[i % 2].link_account(
                    "stacks:1:SPRACE", f"user{i}", address="SPRACE", chain_id=1, method="siws"
                )
                for i in range(20)
            )
        )
        for s in {id(s): s for s in stores}.values():
            await s.close()
        return {link.user_id for link in links}

    assert len(asyncio.run(run())) == 1


def test_token_signer_extra_claims() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    signer = TokenSigner(ec.generate_private_key(ec.SECP256K1()), issuer="i", audience="a", ttl=60)
    issued = signer.issue("stacks:1:SPA", extra={"sid": "abc"}, ttl=30, now=1000)
    claims = verify_session_token(issued.token, signer.jwks(), issuer="i", audience="a", now=1010)
    assert claims.claims["sid"] == "abc"
    assert claims.exp == 1030
    with pytest.raises(InvalidArgumentError):
        signer.issue("x", extra={"sub": "someone else"})
