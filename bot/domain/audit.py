"""The audit trail: one line per step of every state change, kept in the store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

# Who acted, when it was not a person: the names audit records carry (messages say them in words).
SYSTEM_ACTOR: Final = "system"
LEASE_ACTOR: Final = "lease"
SCHEDULE_ACTOR: Final = "schedule"


# The outcome of a change refused because its instance is protected (not to be confused with the word).
PROTECTED: Final = "protected"


class Topic(StrEnum):
    """What an audit line is about when it is no confirmation's verb (those are `Verb.name`s). The values
    are stored: never rename them, whatever a command comes to be called."""

    LEASE = "lease"
    SCHEDULE = "schedule"
    BUDGET = "budget"
    PROTECT = "protect"
    OWN = "own"
    REMIND = "remind"
    LAUNCH = "launch"


class Step(StrEnum):
    """A step in the life of a request for a state change. The values are stored: never rename them."""

    REQUESTED = "requested"
    REFUSED = "refused"
    LOOKUP = "lookup"
    CONFIRMED = "confirmed"
    SCHEDULED = "scheduled"
    UNDONE = "undone"
    EXECUTED = "executed"
    OUTCOME = "outcome"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RECOVERED = "recovered"
    REMINDED = "reminded"
    KEPT = "kept"
    # A lease's steps (the verb is "lease"): logged as lease.set, lease.removed, lease.ended, lease.acted.
    LEASE_SET = "set"
    LEASE_REMOVED = "removed"
    LEASE_ENDED = "ended"
    LEASE_ACTION = "acted"
    # A schedule's steps (the verb is "schedule"); its stops and starts are confirmations of their own.
    SCHEDULE_SET = "schedule_set"
    SCHEDULE_REMOVED = "schedule_removed"
    SCHEDULE_NOTICE = "schedule_notice"
    SCHEDULE_SKIPPED = "schedule_skipped"
    SCHEDULE_ACTED = "schedule_acted"
    # The budget's steps (the verb is "budget").
    BUDGET_SET = "budget_set"
    BUDGET_REMOVED = "budget_removed"
    BUDGET_ALERT = "budget_alert"
    # Guard rails (verbs "protect" and "own").
    PROTECTED = "protected"
    UNPROTECTED = "unprotected"
    OWNER_SET = "owner_set"
    OWNER_REMOVED = "owner_removed"


@dataclass(frozen=True)
class AuditLine:
    """One step: who did what to which instance, where, and what came of it."""

    ts: float
    step: str
    verb: str
    outcome: str
    workspace: str | None = None
    channel: str | None = None
    actor: str | None = None
    instance: str | None = None
    message: str = ""
    latency_ms: int | None = None
    confirmation: str | None = None
    # Where the request came from: Slack, or `nebula-bot shell` (an operator's terminal).
    source: str = "slack"

    def shown(self) -> str:
        """The line as `nebula-bot audit` prints it."""
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.ts))
        parts = [
            when,
            self.step,
            self.verb,
            self.outcome,
            f"actor={self.actor or '-'}",
            f"instance={self.instance or '-'}",
            f"channel={self.channel or '-'}",
        ]
        if self.source != "slack":
            parts.append(f"source={self.source}")
        if self.latency_ms is not None:
            parts.append(f"latency={self.latency_ms}ms")
        if self.message:
            parts.append(repr(self.message))
        return "  ".join(parts)
