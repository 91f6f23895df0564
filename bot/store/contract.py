"""The contract both stores keep, and opening the one `NEBULA_BOT_STATE_URL` names.

Each store's module, and its client library, is imported only when that store is opened.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.audit import AuditRecord
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Transition
from bot.domain.teams import DEFAULT_TEAM
from bot.store.location import Location, SQLiteLocation, parse_state_url


class Store(Protocol):
    """Where confirmations, records and the audit trail live. Every method is safe to call
    concurrently, from several processes."""

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

    async def scheduled(self, decided_before: float, limit: int = 100) -> list[Entry]:
        """Scheduled confirmations decided before `decided_before`: those whose undo window is over."""

    async def open_confirmations(self, now: float, limit: int = 200) -> list[Entry]:
        """Confirmations that can still be carried out: pending and not expired, or scheduled."""

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> bool:
        """Record the outcome of a claimed confirmation. True for the one caller that recorded it."""

    async def overdue(self, now: float, limit: int = 100) -> list[Entry]:
        """Pending confirmations whose time ran out."""

    async def stale_claims(self, claimed_before: float, limit: int = 100) -> list[Entry]:
        """Claimed confirmations with no outcome, claimed before `claimed_before`: what a crash leaves."""

    async def audit(self, record: AuditRecord) -> None:
        """Append to the audit trail."""

    async def recent_audit(self, limit: int) -> list[AuditRecord]:
        """The newest audit records, newest first."""

    async def count_pending(self, now: float) -> int:
        """How many confirmations are waiting for a click."""

    async def count_pending_for(self, user: str, now: float) -> int:
        """How many confirmations `user` asked for are waiting for a click."""

    async def first_seen(self, key: str, now: float, ttl: float) -> bool:
        """True the first time `key` is offered within `ttl` seconds (for dropping replays)."""

    async def record(self, kind: str, key: str) -> str | None:
        """The record of `kind` on `key` (an instance id, say), or None. See `bot.store.records`."""

    async def records(self, kind: str) -> dict[str, str]:
        """Every record of `kind`, by key."""

    async def swap_record(self, kind: str, key: str, expected: str | None, new: str | None) -> bool:
        """Atomically replace the record `expected` (None: no record) by `new` (None: remove it).

        True for the one caller whose swap happened; a repeat of a swap that already happened is
        True too (records carry a unique revision, so two writers never write the same text).
        """

    async def probe(self) -> None:
        """Raise unless the store can be written now (for /healthz)."""

    async def ping(self) -> None:
        """Raise if the store cannot be reached."""

    async def close(self) -> None:
        """Release connections."""


async def open_store(
    where: Location | str, *, allow_volatile: bool = True, team: str = DEFAULT_TEAM
) -> Store:
    """Open `team`'s store at a location, or at a `NEBULA_BOT_STATE_URL`: its own SQLite file beside the
    one named (`state.research.sqlite3`), or its own keys in the Redis; the default team's are as named.

    With `allow_volatile=False`, a Redis that would forget claims on restart is refused (VolatileRedis).
    """
    location = parse_state_url(where) if isinstance(where, str) else where
    if isinstance(location, SQLiteLocation):
        from bot.store.sqlite import SQLiteStore

        return await SQLiteStore(str(location.for_team(team).path)).open()
    from bot.store.redis import RedisStore

    return await RedisStore.connect(location.url, allow_volatile=allow_volatile, team=team)
