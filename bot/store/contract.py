"""What a store keeps, one narrow interface per concern, so that each part depends on what it uses.

A backend (`bot.store.backends`) provides them all; every method is safe to call concurrently, from
several processes.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.audit import AuditLine
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Transition
from bot.store.errors import Trouble


class Confirmations(Protocol):
    """Confirmations and their state machine: `pending` moves to exactly one of `claimed`, `scheduled`,
    `cancelled` or `expired` by an atomic compare-and-set; only the caller that wins a claim acts."""

    async def add(self, confirmation: Confirmation) -> bool:
        """Store a new pending confirmation. True if it was new; an id already stored changes nothing."""

    async def get(self, confirmation_id: str) -> Entry | None:
        """The entry, or None if unknown."""

    async def attach_message(self, confirmation_id: str, message_ts: str) -> None:
        """Remember the ts of the message that shows the confirmation."""

    async def decide(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        """Atomically move a pending confirmation to `to`.

        `claimed`, `scheduled` and `cancelled` succeed only before expiry; `expired` only after it.
        """

    async def release(self, confirmation_id: str, to: State, actor: str, now: float) -> Transition:
        """Atomically move a scheduled confirmation to `claimed` (its send) or `cancelled` (Undo)."""

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> bool:
        """Keep the outcome of a claimed confirmation. True for the one caller that kept it."""

    async def scheduled(self, decided_before: float, limit: int = 100) -> list[Entry]:
        """Scheduled confirmations decided before `decided_before`: those whose undo window is over."""

    async def open_confirmations(self, now: float, limit: int = 200) -> list[Entry]:
        """Confirmations that can still be carried out: pending and not expired, or scheduled."""

    async def overdue(self, now: float, limit: int = 100) -> list[Entry]:
        """Pending confirmations whose time ran out."""

    async def stale_claims(self, claimed_before: float, limit: int = 100) -> list[Entry]:
        """Claimed confirmations with no outcome, claimed before `claimed_before`: what a crash leaves."""

    async def count_pending(self, now: float) -> int:
        """How many confirmations are waiting for a click."""

    async def count_pending_for(self, user: str, now: float) -> int:
        """How many confirmations `user` asked for are waiting for a click."""


class AuditTrail(Protocol):
    """The audit trail: append-only, newest last."""

    async def append(self, line: AuditLine) -> None:
        """Add one line."""

    async def recent(self, limit: int) -> list[AuditLine]:
        """The newest lines, newest first."""


class RecordStore(Protocol):
    """Versioned records (`bot.store.records` types them): read, and swapped by compare-and-set."""

    async def record(self, kind: str, key: str) -> str | None:
        """The record of `kind` on `key` (an instance id, say), or None."""

    async def records(self, kind: str) -> dict[str, str]:
        """Every record of `kind`, by key."""

    async def swap_record(self, kind: str, key: str, expected: str | None, new: str | None) -> bool:
        """Atomically replace the record `expected` (None: no record) by `new` (None: remove it).

        True for the one caller whose swap happened; a repeat of a swap that already happened is
        True too (records carry a unique revision, so two writers never write the same text).
        """


class ReplayGuard(Protocol):
    """Requests already seen, for dropping replays."""

    async def first_seen(self, key: str, now: float, ttl: float) -> bool:
        """True the first time `key` is offered within `ttl` seconds."""


class Cycles(Protocol):
    """The watcher's cycles: one per interval across replicas, and when the last one started."""

    async def take_cycle(self, slot: int, now: float, ttl: float) -> bool:
        """True for the one caller that takes interval `slot` (remembered for `ttl` seconds)."""

    async def last_cycle(self) -> float | None:
        """When the newest cycle still remembered was taken, or None."""


class Store(Confirmations, AuditTrail, RecordStore, ReplayGuard, Cycles, Protocol):
    """Everything a backend provides, and its own life: probing, pinging, closing."""

    @property
    def trouble(self) -> Trouble | None:
        """Why its last write failed (None: it succeeded): the store's health, current to the write."""

    async def probe(self) -> None:
        """Raise unless the store can be written now (for /healthz)."""

    async def ping(self) -> None:
        """Raise if the store cannot be reached."""

    async def close(self) -> None:
        """Release connections."""
