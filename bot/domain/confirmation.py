"""Confirmations: what a requester asked for, its states and its outcomes.

A confirmation moves from `pending` to exactly one of `claimed`, `scheduled`, `cancelled` or `expired`,
by an atomic compare-and-set in the store (a `scheduled` one, waiting out the undo window, moves on
to `claimed` or `cancelled` the same way); only the caller that wins `claimed` may call Nebula, and it
records the outcome (`done`) afterwards. A `claimed` entry without an outcome is what a crash leaves
behind; it is never carried out again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.fleet.instance import Instance
from bot.domain.verbs import Verb


class State(StrEnum):
    """Where a confirmation is in its life. The values are stored: never rename them."""

    PENDING = "pending"
    # Confirmed, and waiting out NEBULA_BOT_UNDO_SECONDS before anyone may claim it (or undo it).
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DONE = "done"


class Status(StrEnum):
    """What came of a state change: per instance, and (with PARTLY_FAILED) for a whole confirmation."""

    SUCCESS = "success"
    FAILED = "failed"
    UNKNOWN = "unknown"
    DRY_RUN = "dry_run"
    PARTLY_FAILED = "partly_failed"

    @classmethod
    def read(cls, value: object) -> Status:
        """Tolerant decoding: older records spelt the dry run `dry run`; anything unknown is UNKNOWN."""
        text = str(value).replace(" ", "_")
        return cls(text) if text in cls._value2member_map_ else cls.UNKNOWN


@dataclass(frozen=True)
class InstanceOutcome:
    """Nebula's answer for one instance."""

    instance_id: str
    status: Status
    message: str
    http_status: int | None = None


def summarize(outcomes: Sequence[InstanceOutcome]) -> Status:
    """One confirmation's overall result: the common status, else PARTLY_FAILED."""
    statuses = {outcome.status for outcome in outcomes}
    if len(statuses) == 1:
        return next(iter(statuses))
    return Status.PARTLY_FAILED if statuses else Status.FAILED


@dataclass(frozen=True)
class Confirmation:
    """What a requester asked for, as the confirmation message shows it."""

    id: str
    verb: Verb
    instances: tuple[Instance, ...]
    requester: str
    workspace: str
    channel_id: str
    response_url: str = field(repr=False)
    created_at: float
    expires_at: float
    # An approver must confirm, whatever NEBULA_BOT_APPROVERS says for everyone (the owner rule).
    needs_approval: bool = False
    # Known owners (Slack user ids) of its instances, as (instance id, owner) pairs.
    owners: tuple[tuple[str, str], ...] = ()

    @property
    def instance_ids(self) -> tuple[str, ...]:
        """The ids of the instances this confirmation targets."""
        return tuple(instance.id for instance in self.instances)


@dataclass(frozen=True)
class Entry:
    """A confirmation as the store keeps it: its state, who decided it and when, and the outcomes."""

    confirmation: Confirmation
    state: State
    decided_by: str | None = None
    decided_at: float | None = None
    outcomes: tuple[InstanceOutcome, ...] = ()
    # The confirmation message the bot posted (chat.postMessage), edited for its whole life; None when
    # it could only be posted through the command's response_url.
    message_ts: str | None = None


@dataclass(frozen=True)
class Transition:
    """The result of an attempted state change: `won` is True for exactly one caller."""

    won: bool
    entry: Entry | None


def new_confirmation_id() -> str:
    """An unguessable id: it travels in the buttons' value."""
    return secrets.token_urlsafe(16)
