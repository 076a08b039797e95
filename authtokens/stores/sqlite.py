"""SQLite: several processes on one host share one database file, through `SqliteStore` (the
sign-in server's `Store`), `SQLiteReplayCache` (a `ReplayCache` for token ids) or
`SQLiteNonceStore` / `AsyncSQLiteNonceStore` (Sign-In with Stacks nonces).

All open their connections with `connect`: autocommit, WAL journal, ``busy_timeout`` for
writers that meet, ``synchronous=NORMAL`` (durable across a process crash; a power cut may lose
the last commits). ``INSERT … ON CONFLICT DO UPDATE …
WHERE expired`` creates a challenge (or records a token id) without overwriting a live one,
``DELETE … RETURNING`` consumes it (SQLite >= 3.35), so exactly one of any number of concurrent
takers, in any process, gets the row. The combined steps (`SqliteStore.put_new_limited`,
`SqliteStore.take_limited`: rate-limit counters and the challenge) either all happen or none.

`SqliteStore` commits in groups: the operations its callers start during one event-loop turn
are queued and run at the end of the turn in one ``BEGIN IMMEDIATE`` transaction, and each
caller is answered once the one ``COMMIT`` is done. If an operation raises, the group is undone
and run again with a savepoint each, so that only the one that failed is undone and only its
caller gets the exception. Under load that is one commit (the dearest part of a small write)
for many sign-ins instead of one per store call; with one caller it is exactly the transaction
that caller would have run. The group first runs on the event loop's thread on a connection
with no busy timeout: uncontended, it takes tens of microseconds, less than handing it to a
thread and back. If another connection holds the write lock (SQLITE_BUSY, nothing was done),
the group is tried again every 0.3 ms for up to 6 ms (another process's commit takes about a
tenth of a millisecond; SQLite's own busy handler would sleep 1, 2, 5, 10 ms...), joined by the
calls made meanwhile, and then handed to a dedicated worker thread with its own connection and
a ``busy_timeout``, so the event loop never waits on another process's lock. WAL checkpoints
(the only fsyncs) and purges of expired rows also run on the worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InvalidArgumentError, ReplayCacheFullError, StoreNotOpenError
from ..replay import DEFAULT_MAX_RETENTION, check_retention, retained_until
from ..siws import generate_nonce
from .base import (
    Clock,
    Counter,
    Limited,
    LinkedAccount,
    UnlinkResult,
    UserRecord,
    first_over,
    owner_name,
    window_key,
)
from .nonces import AsyncNonceStoreBase, NonceStoreBase

__all__ = [
    "AsyncSQLiteNonceStore",
    "SQLiteNonceStore",
    "SQLiteReplayCache",
    "SqliteStore",
    "connect",
]

T = TypeVar("T")
log = logging.getLogger("authtokens.server")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS challenges (
    id TEXT PRIMARY KEY, record BLOB NOT NULL, expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    key_id TEXT PRIMARY KEY, key_type TEXT NOT NULL, first_seen REAL NOT NULL,
    last_seen REAL NOT NULL, sign_ins INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (
    k TEXT PRIMARY KEY, n INTEGER NOT NULL, expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS challenges_expiry ON challenges (expires_at);
CREATE INDEX IF NOT EXISTS counters_expiry ON counters (expires_at);
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, address TEXT NOT NULL,
    chain_id INTEGER, method TEXT NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS accounts_user ON accounts (user_id, first_seen);
"""
_PURGE_EVERY = 1024
_BUSY_TRIES, _BUSY_PAUSE = 20, 0.0003  # up to 6 ms of quick looks before the worker thread


def connect(path: str | Path, *, busy_timeout_ms: int, wal: bool = False) -> sqlite3.Connection:
    """An autocommit connection with the pragmas every SQLite user here wants:
    ``busy_timeout`` (0: fail at once with SQLITE_BUSY), ``synchronous=NORMAL``, and with
    ``wal`` the WAL journal (a property of the file, so one connection setting it suffices)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    db.execute("PRAGMA synchronous = NORMAL")
    if wal:
        _set_wal(db, busy_timeout_ms / 1000)
    return db


def _set_wal(db: sqlite3.Connection, patience: float) -> None:
    """WAL mode, unless the file has it already. Switching needs the file to itself, and SQLite
    answers "database is locked" at once, busy timeout or not, when another connection is
    switching or creating tables at that moment (several workers starting on a new file): so
    wait and look again, for at most ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(0.005)


_Queued = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]


def _settle(batch: list[_Queued], outcomes: list[tuple[bool, Any]]) -> None:
    """Hand each queued operation its result or exception (unless its caller went away)."""
    for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
        if not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("SQLite purge/checkpoint failed: %s", future.exception())


def _create_private(path: Path) -> None:
    """Create the database file mode 0600 if absent (it holds users and address hashes; SQLite
    gives its -wal and -shm files the database file's mode); warn if an existing one is not."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            log.warning("SQLite store %s is readable by other users (chmod 600 it)", path)


class SqliteStore:
    """`Store` on an SQLite file (see the module doc)."""

    def __init__(
        self, path: str, *, clock: Clock = time.time, busy_timeout_ms: int = 10_000
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._busy = busy_timeout_ms
        self._fast: sqlite3.Connection | None = None  # event-loop thread, no busy timeout
        self._slow: sqlite3.Connection | None = None  # worker thread, busy timeout
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="authtokens-sqlite")
        self._local = threading.local()
        self._batch: list[_Queued] = []
        self._flush_due = False
        self._busy_tries = 0
        self._inflight: set[asyncio.Future[list[tuple[bool, Any]]]] = set()  # on the worker
        self._writes = 0
        self._maintenance: asyncio.Future[None] | None = None

    @property
    def db(self) -> sqlite3.Connection:
        """The connection of the calling thread (the worker's, or the event loop's)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            raise StoreNotOpenError("SqliteStore used before open()")
        return db

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` in the next group commit (see the module doc) and return its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._batch.append((fn, args, future))
        if not self._flush_due:
            self._flush_due = True
            loop.call_soon(self._flush)
        result: T = await future
        return result

    def _flush(self) -> None:
        """Commit the operations queued during this event-loop turn: here on the fast
        connection, or, if another connection holds the write lock, on the worker thread."""
        self._flush_due = False
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self._fast is None and self._slow is None:
            _settle(batch, [(False, StoreNotOpenError("SqliteStore is not open"))] * len(batch))
            return
        if self._fast is not None:
            try:
                _settle(batch, self._commit(self._fast, batch))
                self._busy_tries = 0
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    _settle(batch, [(False, exc)] * len(batch))
                    return
                if self._busy_tries < _BUSY_TRIES:
                    # Another process holds the write lock, for a commit of its own (about a
                    # tenth of a millisecond): look again shortly, with whatever calls come
                    # meanwhile, rather than wait in SQLite's busy handler (1, 2, 5, 10 ms...).
                    self._busy_tries += 1
                    self._batch = batch + self._batch
                    self._flush_due = True
                    asyncio.get_running_loop().call_later(_BUSY_PAUSE, self._flush)
                    return
                self._busy_tries = 0
            except Exception as exc:  # each caller gets the failure
                _settle(batch, [(False, exc)] * len(batch))
                return
        worker = asyncio.get_running_loop().run_in_executor(self._pool, self._on_worker, batch)
        self._inflight.add(worker)

        def done(f: asyncio.Future[list[tuple[bool, Any]]]) -> None:
            self._inflight.discard(f)
            exc = f.exception() if not f.cancelled() else asyncio.CancelledError()
            _settle(batch, [(False, exc)] * len(batch) if exc else f.result())

        worker.add_done_callback(done)

    def _on_worker(self, batch: list[_Queued]) -> list[tuple[bool, Any]]:
        if self._slow is None:
            raise StoreNotOpenError("SqliteStore used before open()")
        return self._commit(self._slow, batch)

    def _commit(self, db: sqlite3.Connection, batch: list[_Queued]) -> list[tuple[bool, Any]]:
        """Every queued operation in one ``BEGIN IMMEDIATE`` transaction; SQLITE_BUSY at the
        start: nothing done. If one raises, the group is undone and run again with a savepoint
        per operation, so that only the one that failed is undone (and only its caller gets the
        exception): savepoints cost two statements each, paid only on that rare path."""
        self._local.db = db
        db.execute("BEGIN IMMEDIATE")
        try:
            if len(batch) > 1:
                db.execute("SAVEPOINT whole")
            try:
                outcomes: list[tuple[bool, Any]] = [(True, fn(*args)) for fn, args, _ in batch]
            except Exception:
                if len(batch) == 1:
                    raise
                db.execute("ROLLBACK TO whole")
                outcomes = self._one_by_one(db, batch)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return outcomes

    @staticmethod
    def _one_by_one(db: sqlite3.Connection, batch: list[_Queued]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        for fn, args, _ in batch:
            db.execute("SAVEPOINT op")
            try:
                outcomes.append((True, fn(*args)))
            except Exception as exc:  # handed to its caller
                db.execute("ROLLBACK TO op")
                outcomes.append((False, exc))
            db.execute("RELEASE op")
        return outcomes

    def _open_slow(self) -> None:
        db = connect(self.path, busy_timeout_ms=self._busy, wal=True)
        db.executescript(_SCHEMA)
        self._slow = db

    async def open(self) -> None:
        """Open the file (created if absent) and the tables."""
        if not self.path.parent.is_dir():
            raise InvalidArgumentError(f"directory of the SQLite store {self.path} does not exist")
        _create_private(self.path)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._pool, self._open_slow)
        fast = connect(self.path, busy_timeout_ms=0)
        fast.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints run on the worker thread
        self._fast = fast

    def _close_slow(self) -> None:
        if self._slow is not None:
            self._slow.close()
            self._slow = None

    async def close(self) -> None:
        """Close the connections and the worker thread, after the calls already made."""
        self._flush()
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        if self._maintenance is not None:
            await asyncio.gather(self._maintenance, return_exceptions=True)
        if self._fast is not None:
            self._fast.close()
            self._fast = None
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._pool, self._close_slow)
        self._pool.shutdown(wait=True)

    async def ping(self) -> bool:
        """True when a trivial query answers."""
        row = await self._run(lambda: self.db.execute("SELECT 1").fetchone())
        return bool(row and row[0] == 1)

    def _maintain(self) -> None:
        now = self._clock()
        db = self._slow
        assert db is not None
        db.execute("DELETE FROM challenges WHERE expires_at <= ?", (now,))
        db.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _wrote(self) -> None:
        """Every `_PURGE_EVERY` writes, purge and checkpoint on the worker thread."""
        self._writes += 1
        if self._writes % _PURGE_EVERY or (self._maintenance and not self._maintenance.done()):
            return
        self._maintenance = asyncio.get_running_loop().run_in_executor(self._pool, self._maintain)
        self._maintenance.add_done_callback(_log_failure)

    def _put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        now = self._clock()
        cur = self.db.execute(
            "INSERT INTO challenges (id, record, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET record = excluded.record, "
            "expires_at = excluded.expires_at WHERE challenges.expires_at <= ?",
            (challenge_id, record, now + ttl, now),
        )
        return cur.rowcount == 1

    async def put_new(self, challenge_id: str, record: bytes, ttl: float) -> bool:
        """See `Store.put_new`."""
        self._wrote()
        return await self._run(self._put_new, challenge_id, record, ttl)

    def _put_new_limited(
        self, challenge_id: str, record: bytes, ttl: float, counters: Sequence[Counter]
    ) -> Limited:
        counts = self._hit([(name, window) for name, window, _ in counters])
        over = first_over(counters, counts)
        if over is not None:
            return Limited(counts, over)
        return Limited(counts, stored=self._put_new(challenge_id, record, ttl))

    async def put_new_limited(
        self, challenge_id: str, record: bytes, ttl: float, counters: Sequence[Counter]
    ) -> Limited:
        """See `Store.put_new_limited`."""
        self._wrote()
        return await self._run(self._put_new_limited, challenge_id, record, ttl, counters)

    def _take_limited(
        self,
        challenge_id: str,
        counters: Sequence[Counter],
        owner_field: str,
        owner_counters: Sequence[Counter],
    ) -> Limited:
        counts = self._hit([(name, window) for name, window, _ in counters])
        over = first_over(counters, counts)
        if over is not None:
            return Limited(counts, over)
        record = self._take(challenge_id)
        if record is None:
            return Limited(counts)
        named = [
            (name, window, limit)
            for template, window, limit in owner_counters
            if (name := owner_name(template, record, owner_field)) is not None
        ]
        more = self._hit([(name, window) for name, window, _ in named])
        return Limited([*counts, *more], first_over(named, more), record=record)

    async def take_limited(
        self,
        challenge_id: str,
        counters: Sequence[Counter],
        *,
        owner_field: str = "",
        owner_counters: Sequence[Counter] = (),
    ) -> Limited:
        """See `Store.take_limited`."""
        return await self._run(
            self._take_limited,
            challenge_id,
            counters,
            owner_field,
            owner_counters,
        )

    def _take(self, challenge_id: str) -> bytes | None:
        row = self.db.execute(
            "DELETE FROM challenges WHERE id = ? RETURNING record, expires_at", (challenge_id,)
        ).fetchone()
        if row is None or row[1] <= self._clock():
            return None
        return bytes(row[0])

    async def take(self, challenge_id: str) -> bytes | None:
        """See `Store.take`."""
        return await self._run(self._take, challenge_id)

    def _record_user(self, key_id: str, key_type: str) -> UserRecord:
        now = self._clock()
        row = self.db.execute(
            "INSERT INTO users (key_id, key_type, first_seen, last_seen, sign_ins) "
            "VALUES (?, ?, ?, ?, 1) ON CONFLICT (key_id) DO UPDATE SET "
            "last_seen = excluded.last_seen, sign_ins = users.sign_ins + 1 "
            "RETURNING key_id, key_type, first_seen, last_seen, sign_ins",
            (key_id, key_type, now, now),
        ).fetchone()
        return UserRecord(*row)

    async def record_user(self, key_id: str, key_type: str) -> UserRecord:
        """See `Store.record_user`."""
        return await self._run(self._record_user, key_id, key_type)

    def _get_user(self, key_id: str) -> UserRecord | None:
        row = self.db.execute(
            "SELECT key_id, key_type, first_seen, last_seen, sign_ins FROM users WHERE key_id = ?",
            (key_id,),
        ).fetchone()
        return UserRecord(*row) if row else None

    async def get_user(self, key_id: str) -> UserRecord | None:
        """See `Store.get_user`."""
        return await self._run(self._get_user, key_id)

    def _hit(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        now = self._clock()
        out = []
        for name, window in counters:
            key, ends = window_key(name, window, now)
            row = self.db.execute(
                "INSERT INTO counters (k, n, expires_at) VALUES (?, 1, ?) "
                "ON CONFLICT (k) DO UPDATE SET n = counters.n + 1 RETURNING n",
                (key, ends),
            ).fetchone()
            out.append(int(row[0]))
        return out

    async def hit(self, counters: Sequence[tuple[str, int]]) -> list[int]:
        """See `Store.hit`."""
        if not counters:
            return []
        return await self._run(self._hit, counters)

    # --- sessions and linked accounts (`AccountStore`) --------------------------------------

    def _get(self, key: str) -> bytes | None:
        row = self.db.execute(
            "SELECT record FROM challenges WHERE id = ? AND expires_at > ?", (key, self._clock())
        ).fetchone()
        return bytes(row[0]) if row else None

    async def get(self, key: str) -> bytes | None:
        """See `AccountStore.get`."""
        return await self._run(self._get, key)

    def _link(
        self, account_id: str, user_id: str, address: str, chain_id: int | None, method: str
    ) -> LinkedAccount:
        now = self._clock()
        # One statement: insert, or refresh the link only when this user already holds it.
        row = self.db.execute(
            "INSERT INTO accounts ("
            "account_id, user_id, address, chain_id, method, first_seen, last_seen"
            ") VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET last_seen = excluded.last_seen, "
            "method = excluded.method WHERE accounts.user_id = excluded.user_id "
            "RETURNING account_id, user_id, address, chain_id, method, first_seen, last_seen",
            (account_id, user_id, address, chain_id, method, now, now),
        ).fetchone()
        if row is None:
            row = self.db.execute(
                "SELECT account_id, user_id, address, chain_id, method, first_seen, last_seen "
                "FROM accounts WHERE account_id = ?",
                (account_id,),
            ).fetchone()
        return LinkedAccount(*row)

    async def link_account(
        self, account_id: str, user_id: str, *, address: str, chain_id: int | None, method: str
    ) -> LinkedAccount:
        """See `AccountStore.link_account`."""
        return await self._run(self._link, account_id, user_id, address, chain_id, method)

    def _get_account(self, account_id: str) -> LinkedAccount | None:
        row = self.db.execute(
            "SELECT account_id, user_id, address, chain_id, method, first_seen, last_seen "
            "FROM accounts WHERE account_id = ?",
            (account_id,),
        ).fetchone()
        return LinkedAccount(*row) if row else None

    async def get_account(self, account_id: str) -> LinkedAccount | None:
        """See `AccountStore.get_account`."""
        return await self._run(self._get_account, account_id)

    def _user_accounts(self, user_id: str) -> list[LinkedAccount]:
        rows = self.db.execute(
            "SELECT account_id, user_id, address, chain_id, method, first_seen, last_seen "
            "FROM accounts WHERE user_id = ? "
            "ORDER BY first_seen, account_id",
            (user_id,),
        ).fetchall()
        return [LinkedAccount(*row) for row in rows]

    async def user_accounts(self, user_id: str) -> list[LinkedAccount]:
        """See `AccountStore.user_accounts`."""
        return await self._run(self._user_accounts, user_id)

    def _unlink(self, account_id: str, user_id: str) -> UnlinkResult:
        # The count is part of the DELETE, so two concurrent unlinks cannot remove the last two.
        cur = self.db.execute(
            "DELETE FROM accounts WHERE account_id = ? AND user_id = ? "
            "AND (SELECT count(*) FROM accounts WHERE user_id = ?) > 1",
            (account_id, user_id, user_id),
        )
        if cur.rowcount == 1:
            return "unlinked"
        held = self.db.execute(
            "SELECT 1 FROM accounts WHERE account_id = ? AND user_id = ?", (account_id, user_id)
        ).fetchone()
        return "last_account" if held else "not_linked"

    async def unlink_account(self, account_id: str, user_id: str) -> UnlinkResult:
        """See `AccountStore.unlink_account`."""
        return await self._run(self._unlink, account_id, user_id)

    def _claim_meta(self, name: str, value: bytes, replace: bool) -> bytes:
        conflict = "DO UPDATE SET value = excluded.value" if replace else "DO NOTHING"
        self.db.execute(
            f"INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) {conflict}",  # noqa: S608
            (name, value),
        )
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return bytes(row[0])

    async def claim_meta(self, name: str, value: bytes, *, replace: bool = False) -> bytes:
        """See `Store.claim_meta`."""
        return await self._run(self._claim_meta, name, value, replace)


class SQLiteReplayCache:
    """A cache in an SQLite file, shared by every process on the host that opens it.

    Atomicity comes from the primary key: the first ``INSERT`` of a live id wins, and an expired
    row is replaced in the same statement. Each id is kept at most ``max_retention`` seconds
    (`authtokens.replay.DEFAULT_MAX_RETENTION`), and expired rows are purged every
    ``purge_every`` calls, so the file holds at most the ids of one retention period. A disk
    that is full (SQLITE_FULL) refuses new ids with `ReplayCacheFullError`.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock = time.time,
        purge_every: int = 1000,
        timeout: float = 5.0,
        max_retention: float = DEFAULT_MAX_RETENTION,
    ) -> None:
        if isinstance(purge_every, bool) or not isinstance(purge_every, int) or purge_every < 1:
            raise InvalidArgumentError("purge_every must be a positive int")
        self.max_retention = check_retention(max_retention)
        self._path = str(path)
        self._clock = clock
        self._purge_every = purge_every
        self._calls = 0
        self._local = threading.local()
        self._timeout = timeout
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS replay_cache "
                "(jti TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID"
            )

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self._path, busy_timeout_ms=int(self._timeout * 1000), wal=True)
            self._local.db = db
        return db

    def seen(self, jti: str, expires_at: float) -> bool:
        now = self._clock()
        until = retained_until(expires_at, now, self.max_retention)
        db = self._connect()
        try:
            # Insert, or take over a row that has expired; a live row makes the upsert a no-op.
            cursor = db.execute(
                "INSERT INTO replay_cache (jti, expires_at) VALUES (?, ?) "
                "ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at "
                "WHERE replay_cache.expires_at < ?",
                (jti, until, now),
            )
            fresh = cursor.rowcount == 1
            self._calls += 1
            if self._calls % self._purge_every == 0:
                db.execute("DELETE FROM replay_cache WHERE expires_at < ?", (now,))
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                raise ReplayCacheFullError("the replay cache's disk is full") from None
            raise
        return not fresh

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class SQLiteNonceStore(NonceStoreBase):
    """`authtokens.siws.NonceStore` in an SQLite file shared by the processes of one host.

    `consume` is one ``DELETE … RETURNING`` statement (SQLite >= 3.35): of any number of
    concurrent takers, in any process, exactly one gets the row. Expired rows are purged every
    ``purge_every`` issues. One connection per thread (`connect`, WAL).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock = time.time,
        timeout: float = 5.0,
        purge_every: int = 100,
    ) -> None:
        if sqlite3.sqlite_version_info < (3, 35):
            raise InvalidArgumentError("SQLiteNonceStore needs SQLite >= 3.35 (RETURNING)")
        self._path = str(path)
        self._clock = clock
        self._timeout = timeout
        self._purge_every = purge_every
        self._local = threading.local()
        self._calls = 0
        self._db().execute(
            "CREATE TABLE IF NOT EXISTS siws_nonces (nonce TEXT PRIMARY KEY, "
            "binding TEXT NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID"
        )

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self._path, busy_timeout_ms=int(self._timeout * 1000), wal=True)
            self._local.db = db
        return db

    def _put(self, binding: str, now: float, ttl: float) -> str:
        nonce = generate_nonce()
        db = self._db()
        db.execute(
            "INSERT INTO siws_nonces (nonce, binding, expires_at) VALUES (?, ?, ?)",
            (nonce, binding, now + ttl),
        )
        self._calls += 1
        if self._calls % self._purge_every == 0:
            db.execute("DELETE FROM siws_nonces WHERE expires_at <= ?", (now,))
        return nonce

    def _take(self, nonce: str) -> tuple[str, float] | None:
        row = (
            self._db()
            .execute(
                "DELETE FROM siws_nonces WHERE nonce = ? RETURNING binding, expires_at", (nonce,)
            )
            .fetchone()
        )
        return None if row is None else (row[0], row[1])

    def close(self) -> None:
        """Close this thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class AsyncSQLiteNonceStore(AsyncNonceStoreBase):
    """`SQLiteNonceStore` run in worker threads (``sqlite3`` has no async driver); the clock is
    read on the caller's thread (the worker runs later)."""

    def __init__(self, path: str | Path, *, clock: Clock = time.time, timeout: float = 5.0) -> None:
        self.sync = SQLiteNonceStore(path, clock=clock, timeout=timeout)
        self._clock = clock

    async def _put(self, binding: str, now: float, ttl: float) -> str:
        return await asyncio.to_thread(self.sync._put, binding, now, ttl)

    async def _take(self, nonce: str) -> tuple[str, float] | None:
        return await asyncio.to_thread(self.sync._take, nonce)
