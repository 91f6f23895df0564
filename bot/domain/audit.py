"""The audit trail: one record per step of every state change, kept in the store."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any


class Step(StrEnum):
    """A step in the life of a request for a state change."""

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
    # Guard rails (verbs "protect" and "claim").
    PROTECTED = "protected"
    UNPROTECTED = "unprotected"
    CLAIMED_OWNER = "owner_set"
    RELEASED_OWNER = "owner_removed"


@dataclass(frozen=True)
class AuditRecord:
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

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> AuditRecord:
        """Read back what `to_json` wrote; unknown fields (from a newer bot) are ignored."""
        data: dict[str, Any] = json.loads(text)
        if "verb" not in data and "action" in data:  # records written before the field was renamed
            data["verb"] = data["action"]
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})

    def line(self) -> str:
        """A human-readable line for `nebula-bot audit`."""
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
