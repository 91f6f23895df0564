"""One typed call notes a step three ways: a log line, an audit line and, for some steps, a metric."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Final

from bot.domain.audit import SCHEDULE_ACTOR, AuditLine, Step
from bot.domain.confirmation import Confirmation
from bot.domain.verbs import Verb
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.metrics import Metrics
from bot.infra.redact import redact
from bot.store import AuditTrail

# Steps that are also a confirmation's outcome on the metrics dashboard.
_COUNTED: Final = {
    Step.REQUESTED: "requested",
    Step.OUTCOME: "executed",
    Step.RECOVERED: "recovered",
    Step.CANCELLED: "cancelled",
    Step.EXPIRED: "expired",
    Step.REFUSED: "refused",
}


@dataclass(frozen=True)
class Subject:
    """What a step is about: which verb on which instances, where, under which confirmation."""

    verb: str
    instances: str | None
    workspace: str | None
    channel: str | None
    confirmation: str | None = None

    @classmethod
    def of(cls, confirmation: Confirmation, instance: str | None = None) -> Subject:
        """A step of `confirmation`, about one of its instances or all of them."""
        return cls(
            verb=confirmation.verb.name,
            instances=instance or ",".join(confirmation.instance_ids),
            workspace=confirmation.workspace or None,
            channel=confirmation.channel_id or None,
            confirmation=confirmation.id,
        )

    @classmethod
    def request(
        cls, verb: Verb, instance_ids: tuple[str, ...], workspace: str | None, channel: str | None
    ) -> Subject:
        """A step before any confirmation exists (a refusal, a failed lookup)."""
        return cls(verb.name, ",".join(instance_ids), workspace, channel)


class Trail:
    """Logs, audits and counts each step. An audit write that fails never stops the caller."""

    def __init__(self, audit: AuditTrail, metrics: Metrics, clock: Clock, *, source: str = "slack") -> None:
        self._source = source
        self._audit = audit
        self._metrics = metrics
        self._clock = clock

    async def note(
        self,
        step: Step,
        outcome: str,
        subject: Subject,
        actor: str | None,
        *,
        message: str = "",
        latency_ms: int | None = None,
        warn: bool = False,
    ) -> None:
        """One step, logged and kept in the audit trail."""
        line = AuditLine(
            ts=self._clock(),
            step=step.value,
            verb=subject.verb,
            outcome=outcome,
            workspace=subject.workspace,
            channel=subject.channel,
            actor=actor,
            instance=subject.instances,
            message=redact(message),
            latency_ms=latency_ms,
            confirmation=subject.confirmation,
            # What a schedule does is audited as the schedule's, wherever the bot runs.
            source=SCHEDULE_ACTOR if actor == SCHEDULE_ACTOR else self._source,
        )
        if step in _COUNTED:
            self._metrics.confirmations.labels(_COUNTED[step]).inc()
        # In the log, Nebula's or the refusal's words go under "detail" ("message" belongs to the log record).
        fields = {
            ("detail" if k == "message" else k): v
            for k, v in asdict(line).items()
            if k not in ("ts", "step") and v not in (None, "") and (k, v) != ("source", "slack")
        }
        (logs.warning if warn else logs.event)(f"{line.verb}.{step.value}", **fields)
        try:
            await self._audit.append(line)
        except Exception as exc:  # the audit must never stop the flow; the log line above remains
            logs.warning("audit.write_failed", error=type(exc).__name__, step=step.value)
