"""The embedded store: one SQLite file, safe across processes that share it (its schema: `file`)."""

from __future__ import annotations

from bot.domain.audit import AuditLine
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Transition
from bot.store.codecs import audit_from_json, audit_to_json, confirmation_to_json, outcomes_to_json
from bot.store.sqlite.connection import Connections
from bot.store.sqlite.file import (
    AUDIT_BUSY_MS,
    COLUMNS,
    DECIDE_IN_TIME,
    EXPIRE,
    GLANCE_MS,
    RELEASE,
    check_file,
    to_entry,
)


class SQLiteStore(Connections):
    """The store in one SQLite file (see `Connections` for its threads)."""

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path!r})"

    async def open(self) -> SQLiteStore:
        """Open (creating if needed) the database file."""
        await self._connect()
        return self

    async def add(self, confirmation: Confirmation) -> bool:
        query = "INSERT OR IGNORE INTO confirmations (id, state, expires_at, action) VALUES (?, ?, ?, ?)"
        values = (
            confirmation.id,
            State.PENDING.value,
            confirmation.expires_at,
            confirmation_to_json(confirmation),
        )
        return await self._write(lambda: self._db().execute(query, values).rowcount == 1)

    async def get(self, confirmation_id: str) -> Entry | None:
        return await self._read(lambda: self._select(confirmation_id))

    def _select(self, confirmation_id: str) -> Entry | None:
        query = f"SELECT {COLUMNS} FROM confirmations WHERE id = ?"  # noqa: S608 - constant columns
        row = self._db().execute(query, (confirmation_id,)).fetchone()
        return to_entry(row) if row else None

    async def attach_message(self, confirmation_id: str, message_ts: str) -> None:
        await self._write(
            lambda: self._db().execute(
                "UPDATE confirmations SET message_ts = ? WHERE id = ?", (message_ts, confirmation_id)
            )
        )

    async def decide(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        if to not in (State.CLAIMED, State.SCHEDULED, State.CANCELLED, State.EXPIRED):
            raise ValueError(f"cannot decide to {to}")
        query = EXPIRE if to is State.EXPIRED else DECIDE_IN_TIME
        return await self._write(
            lambda: self._transition(query, (to.value, actor, now, confirmation_id, now))
        )

    async def release(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        if to not in (State.CLAIMED, State.CANCELLED):
            raise ValueError(f"cannot release to {to}")
        return await self._write(lambda: self._transition(RELEASE, (to.value, actor, now, confirmation_id)))

    def _transition(self, query: str, params: tuple[str | float, ...]) -> Transition:
        db = self._db()
        # A claim must be on disk before Nebula is called: if power failed after the DELETE was
        # sent but before the claim was durable, a restart would offer the same confirmation again.
        db.execute("PRAGMA synchronous=FULL")
        try:
            cursor = db.execute(query, params)
        finally:
            db.execute("PRAGMA synchronous=NORMAL")
        return Transition(won=cursor.rowcount == 1, entry=self._select(str(params[3])))

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> bool:
        def update() -> bool:
            cursor = self._db().execute(
                "UPDATE confirmations SET state = 'done', outcomes = ? WHERE id = ? AND state = 'claimed'",
                (outcomes_to_json(outcomes), confirmation_id),
            )
            return cursor.rowcount == 1

        return await self._write(update)

    async def overdue(self, now: float, limit: int = 100) -> list[Entry]:
        return await self._select_many(
            "WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?", (now, limit)
        )

    async def scheduled(self, decided_before: float, limit: int = 100) -> list[Entry]:
        return await self._select_many(
            "WHERE state = 'scheduled' AND decided_at <= ? ORDER BY decided_at LIMIT ?",
            (decided_before, limit),
        )

    async def open_confirmations(self, now: float, limit: int = 200) -> list[Entry]:
        return await self._select_many(
            "WHERE (state = 'pending' AND expires_at > ?) OR state = 'scheduled' LIMIT ?", (now, limit)
        )

    async def stale_claims(self, claimed_before: float, limit: int = 100) -> list[Entry]:
        return await self._select_many(
            "WHERE state = 'claimed' AND decided_at <= ? ORDER BY decided_at LIMIT ?", (claimed_before, limit)
        )

    async def _select_many(self, where: str, params: tuple[float, int]) -> list[Entry]:
        query = f"SELECT {COLUMNS} FROM confirmations {where}"  # noqa: S608 - constant text only

        return await self._read(
            lambda: [to_entry(row) for row in self._db().execute(query, params).fetchall()]
        )

    async def append(self, line: AuditLine) -> None:
        # An audit line waits at most a second for a lock another process holds: the flow it records
        # must not stall behind it (the line is in the log either way).
        query = "INSERT INTO audit (record) VALUES (?)"
        await self._write(lambda: self._db().execute(query, (audit_to_json(line),)), AUDIT_BUSY_MS)

    async def recent(self, limit: int) -> list[AuditLine]:
        def select() -> list[AuditLine]:
            rows = (
                self._db().execute("SELECT record FROM audit ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
            )
            return [audit_from_json(row[0]) for row in rows]

        return await self._read(select)

    async def count_pending(self, now: float) -> int:
        return await self._count("", (now,))

    async def count_pending_for(self, user: str, now: float) -> int:
        return await self._count("AND json_extract(action, '$.requester') = ?", (now, user))

    async def _count(self, also: str, params: tuple[float | str, ...]) -> int:
        query = f"SELECT COUNT(*) FROM confirmations WHERE state = 'pending' AND expires_at > ? {also}"  # noqa: S608
        return await self._read(lambda: int(self._db().execute(query, params).fetchone()[0]))

    async def first_seen(self, key: str, now: float, ttl: float) -> bool:
        def insert() -> bool:
            db = self._db()
            db.execute("DELETE FROM triggers WHERE seen_at < ?", (now - ttl,))
            return db.execute("INSERT OR IGNORE INTO triggers VALUES (?, ?)", (key, now)).rowcount == 1

        return await self._write(insert, GLANCE_MS)  # a best effort: a request is not held up for it

    async def take_cycle(self, slot: int, now: float, ttl: float) -> bool:
        def insert() -> bool:
            db = self._db()
            db.execute("DELETE FROM cycles WHERE at < ? AND slot < ?", (now - ttl, slot))
            return db.execute("INSERT OR IGNORE INTO cycles VALUES (?, ?)", (slot, now)).rowcount == 1

        return await self._write(insert, GLANCE_MS)

    async def last_cycle(self) -> float | None:
        def select() -> float | None:
            row = self._db().execute("SELECT MAX(at) FROM cycles").fetchone()
            return float(row[0]) if row and row[0] is not None else None

        return await self._read(select)

    async def record(self, kind: str, key: str) -> str | None:
        def select() -> str | None:
            query = "SELECT value FROM marks WHERE kind = ? AND key = ?"
            row = self._db().execute(query, (kind, key)).fetchone()
            return str(row[0]) if row else None

        return await self._read(select)

    async def records(self, kind: str) -> dict[str, str]:
        def select() -> dict[str, str]:
            rows = self._db().execute("SELECT key, value FROM marks WHERE kind = ?", (kind,)).fetchall()
            return {str(key): str(value) for key, value in rows}

        return await self._read(select)

    async def swap_record(self, kind: str, key: str, expected: str | None, new: str | None) -> bool:
        def swap() -> bool:
            db = self._db()
            if expected is None and new is not None:
                cursor = db.execute("INSERT OR IGNORE INTO marks VALUES (?, ?, ?)", (kind, key, new))
            elif new is None:
                cursor = db.execute(
                    "DELETE FROM marks WHERE kind = ? AND key = ? AND value = ?", (kind, key, expected)
                )
            else:
                cursor = db.execute(
                    "UPDATE marks SET value = ? WHERE kind = ? AND key = ? AND value = ?",
                    (new, kind, key, expected),
                )
            return cursor.rowcount == 1

        return await self._write(swap)

    async def probe(self) -> None:
        def write() -> None:
            if self._identity is None:
                raise RuntimeError("SQLiteStore used before open()")
            check_file(self._path, self._identity)
            self._db().execute("INSERT OR REPLACE INTO health VALUES (1, strftime('%s', 'now'))")

        await self._write(write, GLANCE_MS)

    async def ping(self) -> None:
        await self._run(lambda: self._db().execute("SELECT 1").fetchone())

    async def close(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        reader, self._reader_conn = self._reader_conn, None
        await self._run(conn.close)
        if reader is not None:
            await self._read(reader.close)
        self._executor.shutdown(wait=True)
        self._reader.shutdown(wait=True)
