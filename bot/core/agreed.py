"""Changes agreed in advance (a lease's stop or delete): a confirmation with an id fixed when it was
agreed, which every replica (and a restarted bot) adds at most once and asks the store to claim, so it
is carried out exactly once; or withdrawn, so that it never is."""

from __future__ import annotations

from bot.core.changes import Changes
from bot.core.services import Part, Services
from bot.core.trail import Subject
from bot.domain.audit import Step
from bot.domain.confirmation import Confirmation, InstanceOutcome, State, Transition
from bot.domain.policy import Actor
from bot.slack.replier import Destination


class AgreedChanges(Part):
    """Carries out or withdraws changes agreed beforehand."""

    def __init__(self, services: Services, *, changes: Changes) -> None:
        super().__init__(services)
        self._changes = changes

    async def carry_out(
        self, confirmation: Confirmation, message_ts: str | None, actor: Actor
    ) -> tuple[InstanceOutcome, ...] | None:
        """Store the change once, claim it, and carry it out if this call won the claim: its outcomes
        then; None for every other caller (or when it was withdrawn)."""
        s = self.services
        async with s.inflight.track():
            await s.store.add(confirmation)
            if message_ts is not None:
                await s.store.attach_message(confirmation.id, message_ts)
            transition = await s.store.decide(confirmation.id, State.CLAIMED, actor.user_id, s.clock())
            if not transition.won:
                return None
            to = Destination(None, confirmation.channel_id, None)
            return await self._changes.carry_out(confirmation, message_ts, actor, to)

    async def withdraw(self, confirmation: Confirmation, actor: str) -> Transition:
        """Make sure the change is never carried out, unless it already was. `won` is True when this call
        withdrew it; otherwise the entry says what became of it."""
        s = self.services
        await s.store.add(confirmation)
        transition = await s.store.decide(confirmation.id, State.CANCELLED, actor, s.clock())
        if transition.won:
            await s.trail.record(Step.CANCELLED, "cancelled", Subject.of(confirmation), actor)
        return transition
