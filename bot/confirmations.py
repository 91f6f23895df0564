"""Pending confirmations, their one-way state machine, and the stores that keep them.

A confirmation moves from `pending` to exactly one of `claimed`, `cancelled` or `expired`, by an
atomic compare-and-set in the store; only the caller that wins the `claimed` transition may call
Nebula, and it records the outcome (`done`) afterwards. A `claimed` record without an outcome is
what a crash leaves behind; it is never executed again.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from bot.nebula import Instance

T = TypeVar("T")


class State(StrEnum):
    """Where a confirmation is in its life."""

    PENDING = "pending"
    CLAIMED = "claimed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DONE = "done"


@dataclass(frozen=True)
class PendingAction:
    """What a requester asked for, as shown in the confirmation message."""

    id: str
    verb: str
    instances: tuple[Instance, ...]
    requester: str
    team_id: str
    channel_id: str
    response_url: str = field(repr=False)
    created_at: float
    expires_at: float

    @property
    def instance_ids(self) -> tuple[str, ...]:
        """The ids of the instances this action targets."""
        return tuple(instance.id for instance in self.instances)


@dataclass(frozen=True)
class InstanceOutcome:
    """Nebula's answer for one instance."""

    instance_id: str
    status: str
    message: str
    http_status: int | None = None


@dataclass(frozen=True)
class Record:
    """A confirmation and what became of it."""

    action: PendingAction
    state: State
    actor: str | None = None
    decided_at: float | None = None
    outcomes: tuple[InstanceOutcome, ...] = ()


@dataclass(frozen=True)
class Transition:
    """The result of an attempted state change: `won` is True for exactly one caller."""

    won: bool
    record: Record | None


def new_confirmation_id() -> str:
    """An unguessable id: it travels in the button's value."""
    return secrets.token_urlsafe(16)


class ConfirmationStore(Protocol):
    """Where confirmations live. Every method is safe to call concurrently, from several processes."""

    async def add(self, action: PendingAction) -> None:
        """Store a new pending confirmation."""

    async def get(self, confirmation_id: str) -> Record | None:
        """The record, or None if unknown."""

    async def decide(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        """Atomically move a pending confirmation to `to`.

        `claimed` and `cancelled` succeed only before expiry; `expired` only after it.
        """

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> None:
        """Record the outcome of a claimed confirmation."""

    async def overdue(self, now: float, limit: int = 100) -> list[Record]:
        """Pending confirmations whose time ran out."""

    async def close(self) -> None:
        """Release connections."""


def action_to_json(action: PendingAction) -> str:
    """Serialise an action for a store."""
    data = asdict(action)
    data["instances"] = [instance.model_dump() for instance in action.instances]
    return json.dumps(data, separators=(",", ":"))


def action_from_json(text: str) -> PendingAction:
    """Read back what `action_to_json` wrote."""
    data: dict[str, Any] = json.loads(text)
    data["instances"] = tuple(Instance.model_validate(item) for item in data["instances"])
    return PendingAction(**data)


def outcomes_to_json(outcomes: tuple[InstanceOutcome, ...]) -> str:
    """Serialise outcomes for a store."""
    return json.dumps([asdict(outcome) for outcome in outcomes], separators=(",", ":"))


def outcomes_from_json(text: str | None) -> tuple[InstanceOutcome, ...]:
    """Read back what `outcomes_to_json` wrote."""
    return tuple(InstanceOutcome(**item) for item in json.loads(text)) if text else ()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS confirmations (
    id          TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    expires_at  REAL NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT,
    decided_at  REAL,
    outcomes    TEXT
);
CREATE INDEX IF NOT EXISTS confirmations_pending ON confirmations (state, expires_at);
"""


# The compare-and-set: only a pending row moves, and only on the right side of its expiry.
_DECIDE_IN_TIME = (
    "UPDATE confirmations SET state = ?, actor = ?, decided_at = ? "
    "WHERE id = ? AND state = 'pending' AND expires_at > ?"
)
_EXPIRE = (
    "UPDATE confirmations SET state = ?, actor = ?, decided_at = ? "
    "WHERE id = ? AND state = 'pending' AND expires_at <= ?"
)


class SQLiteStore:
    """The embedded store: one SQLite file, safe across processes that share it.

    sqlite3 blocks, so every call runs on one dedicated thread; the event loop never waits on disk.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._conn: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path!r})"

    async def open(self) -> SQLiteStore:
        """Open (creating if needed) the database file."""
        await self._run(self._open)
        return self

    def _open(self) -> None:
        conn = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        # A claim must be on disk before Nebula is called: if power failed after the DELETE was
        # sent but before the claim was durable, a restart would offer the same confirmation again.
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
        self._conn = conn

    async def _run(self, func: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("SQLiteStore used before open()")
        return self._conn

    async def add(self, action: PendingAction) -> None:
        def insert() -> None:
            self._db().execute(
                "INSERT INTO confirmations (id, state, expires_at, action) VALUES (?, ?, ?, ?)",
                (action.id, State.PENDING.value, action.expires_at, action_to_json(action)),
            )

        await self._run(insert)

    async def get(self, confirmation_id: str) -> Record | None:
        return await self._run(lambda: self._select(confirmation_id))

    def _select(self, confirmation_id: str) -> Record | None:
        row = (
            self._db()
            .execute(
                "SELECT action, state, actor, decided_at, outcomes FROM confirmations WHERE id = ?",
                (confirmation_id,),
            )
            .fetchone()
        )
        return _row_to_record(row) if row else None

    async def decide(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        if to not in (State.CLAIMED, State.CANCELLED, State.EXPIRED):
            raise ValueError(f"cannot decide to {to}")
        query = _EXPIRE if to is State.EXPIRED else _DECIDE_IN_TIME

        def update() -> Transition:
            cursor = self._db().execute(query, (to.value, actor, now, confirmation_id, now))
            return Transition(won=cursor.rowcount == 1, record=self._select(confirmation_id))

        return await self._run(update)

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> None:
        def update() -> None:
            self._db().execute(
                "UPDATE confirmations SET state = 'done', outcomes = ? WHERE id = ? AND state = 'claimed'",
                (outcomes_to_json(outcomes), confirmation_id),
            )

        await self._run(update)

    async def overdue(self, now: float, limit: int = 100) -> list[Record]:
        def select() -> list[Record]:
            rows = (
                self._db()
                .execute(
                    "SELECT action, state, actor, decided_at, outcomes FROM confirmations "
                    "WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
                    (now, limit),
                )
                .fetchall()
            )
            return [_row_to_record(row) for row in rows]

        return await self._run(select)

    async def close(self) -> None:
        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await self._run(close)
        self._executor.shutdown(wait=True)


def _row_to_record(row: tuple[str, str, str | None, float | None, str | None]) -> Record:
    action, state, actor, decided_at, outcomes = row
    return Record(
        action=action_from_json(action),
        state=State(state),
        actor=actor,
        decided_at=decided_at,
        outcomes=outcomes_from_json(outcomes),
    )


async def open_store(state_url: str) -> ConfirmationStore:
    """Open the store a `NEBULA_BOT_STATE_URL` names."""
    prefix = "sqlite:///"
    if state_url.startswith(prefix):
        return await SQLiteStore(state_url[len(prefix) :]).open()
    raise ValueError(f"unsupported store URL scheme: {state_url.split(':', 1)[0]}")
