"""The SQLite file's connections: a writer thread and a reader thread, each with its connection, and the
writes' outcome, which is the store's health."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.store.errors import StoreBusy, Trouble
from bot.store.sqlite.file import BUSY_MS, GLANCE_MS, SCHEMA

T = TypeVar("T")


class Connections:
    """sqlite3 blocks, so calls run on dedicated threads and the event loop never waits on disk.

    Writes run on one thread with its connection. Reads that need no write run on a second thread
    with a read-only connection of their own: WAL lets them proceed while a claim is being synced,
    instead of queueing behind it.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reader")
        self._local = threading.local()  # each thread's own connection
        self._conn: sqlite3.Connection | None = None
        self._reader_conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file opened
        self.trouble: Trouble | None = None  # why the last write failed; None once one succeeds

    async def _connect(self) -> None:
        """Open (creating if needed) the database file, on both threads."""
        try:
            await self._run(self._open)
            await self._read(self._open_reader)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._reader.shutdown(wait=False)
            raise

    def _open(self) -> None:
        conn = sqlite3.connect(self._path, timeout=BUSY_MS / 1000, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL survives a crash of the bot; only a power failure can lose the
            # newest commits, and that costs nothing worse than a lost audit line or an unknown button.
            # Decisions are the exception: see decide().
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(confirmations)")}
            if "message_ts" not in columns:  # a database written before messages were kept by ts
                conn.execute("ALTER TABLE confirmations ADD COLUMN message_ts TEXT")
        except BaseException:
            conn.close()
            raise
        stat = os.stat(self._path)
        self._identity = (stat.st_dev, stat.st_ino)
        self._conn = self._local.conn = conn

    def _open_reader(self) -> None:
        conn = sqlite3.connect(self._path, timeout=BUSY_MS / 1000, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
        self._reader_conn = self._local.conn = conn

    async def _run(self, func: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func)

    async def _write(self, func: Callable[[], T], wait_ms: int = BUSY_MS) -> T:
        """A write, whose outcome is the store's health: the first that succeeds clears any trouble. A
        write that finds another process holding the lock for `wait_ms` raises StoreBusy; while the
        store is known to be busy, writes only glance, so that nobody waits long for a "busy"."""
        if self.trouble is not None and self.trouble.busy:
            wait_ms = min(wait_ms, GLANCE_MS)

        def waiting() -> T:
            if wait_ms == BUSY_MS:
                return func()
            db = self._db()
            db.execute(f"PRAGMA busy_timeout={wait_ms}")
            try:
                return func()
            finally:
                db.execute(f"PRAGMA busy_timeout={BUSY_MS}")

        try:
            done = await self._run(waiting)
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            self.trouble = Trouble("busy: another process is writing to it" if busy else str(exc), busy=busy)
            if busy:
                raise StoreBusy(self._path) from exc
            raise
        except OSError as exc:
            self.trouble = Trouble(str(exc) or type(exc).__name__)
            raise
        self.trouble = None
        return done

    async def _read(self, func: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._reader, func)

    def _db(self) -> sqlite3.Connection:
        """This thread's connection: the writer's, or the reader's."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            raise RuntimeError("the SQLite store was used before open()")
        return conn
