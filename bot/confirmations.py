"""Pending confirmations, their one-way state machine, and the stores that keep them.

A confirmation moves from `pending` to exactly one of `claimed`, `cancelled` or `expired`, by an
atomic compare-and-set in the store; only the caller that wins the `claimed` transition may call
Nebula, and it records the outcome (`done`) afterwards. A `claimed` record without an outcome is
what a crash leaves behind; it is never executed again.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from bot.audit import AuditRecord
from bot.nebula import Instance


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

    async def finish(self, confirmation_id: str, outcomes: tuple[InstanceOutcome, ...]) -> bool:
        """Record the outcome of a claimed confirmation. True for the one caller that recorded it."""

    async def overdue(self, now: float, limit: int = 100) -> list[Record]:
        """Pending confirmations whose time ran out."""

    async def stale_claims(self, claimed_before: float, limit: int = 100) -> list[Record]:
        """Claimed confirmations with no outcome, claimed before `claimed_before`: what a crash leaves."""

    async def audit(self, record: AuditRecord) -> None:
        """Append to the audit trail."""

    async def recent_audit(self, limit: int) -> list[AuditRecord]:
        """The newest audit records, newest first."""

    async def count_pending(self, now: float) -> int:
        """How many confirmations are waiting for a click."""

    async def ping(self) -> None:
        """Raise if the store cannot be reached."""

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


async def open_store(state_url: str) -> ConfirmationStore:
    """Open the store a `NEBULA_BOT_STATE_URL` names: `sqlite:///path` or `redis://host:port/db`."""
    # Imported here so each backend's dependencies load only when it is used.
    prefix = "sqlite:///"
    if state_url.startswith(prefix):
        from bot.store_sqlite import SQLiteStore

        return await SQLiteStore(state_url[len(prefix) :]).open()
    if state_url.startswith(("redis://", "rediss://")):
        from bot.store_redis import RedisStore

        return await RedisStore.connect(state_url)
    raise ValueError(f"unsupported store URL scheme: {state_url.split(':', 1)[0]}")
