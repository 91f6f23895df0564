"""Changes agreed in advance (a lease's stop, a schedule's stop or start): a confirmation with an id fixed
when it was agreed, which every replica (and a restarted bot) adds at most once and asks the store to
claim, so it is carried out exactly once; or withdrawn, so that it never is."""

from __future__ import annotations

from bot.core.confirmations.changes import Changes
from bot.core.rails import Subject, Trail
from bot.domain.audit import Step
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Transition
from bot.domain.policy import Actor
from bot.infra.clock import Clock
from bot.infra.inflight import InFlight
from bot.slack.replier import Destination
from bot.store import Confirmations


class AgreedChanges:
    """Carries out or withdraws changes agreed beforehand."""

    def __init__(
        self,
        *,
        confirmations: Confirmations,
        changes: Changes,
        trail: Trail,
        inflight: InFlight,
        clock: Clock,
    ) -> None:
        self._confirmations = confirmations
        self._changes = changes
        self._trail = trail
        self._inflight = inflight
        self._clock = clock

    async def carry_out(
        self, confirmation: Confirmation, message_ts: str | None, actor: Actor
    ) -> tuple[InstanceOutcome, ...] | None:
        """Store the change once, claim it, and carry it out if this call won the claim: its outcomes
        then; None for every other caller (or when it was withdrawn)."""
        async with self._inflight.track():
            await self._confirmations.add(confirmation)
            if message_ts is not None:
                await self._confirmations.attach_message(confirmation.id, message_ts)
            claim = await self._confirmations.decide(
                confirmation.id, State.CLAIMED, actor.user_id, self._clock()
            )
            if not claim.won:
                return None
            to = Destination(None, confirmation.channel_id, None)
            return await self._changes.carry_out(confirmation, message_ts, actor, to)

    async def withdraw(self, confirmation: Confirmation, actor: str) -> Transition:
        """Make sure the change is never carried out, unless it already was. `won` is True when this call
        withdrew it; otherwise the entry says what became of it."""
        await self._confirmations.add(confirmation)
        transition = await self._confirmations.decide(confirmation.id, State.CANCELLED, actor, self._clock())
        if transition.won:
            await self._trail.note(Step.CANCELLED, "cancelled", Subject.of(confirmation), actor)
        return transition

    async def entry(self, confirmation_id: str) -> Entry | None:
        """An agreed change as the store keeps it (None: never agreed, or forgotten)."""
        return await self._confirmations.get(confirmation_id)
