"""Clicks on a confirmation: confirm (claim, then Nebula once) or cancel.

The one rule that makes changes trustworthy lives here: the store's atomic claim comes first, and only
its single winner carries the change out. Every click is checked (who, where, protections) first.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from bot.core.changes import Changes
from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.core.undo import UndoWindow
from bot.domain.audit import SYSTEM_ACTOR, Step
from bot.domain.confirmation import Entry, State
from bot.domain.policy import Actor
from bot.domain.verbs import DELETE, STOP
from bot.infra import logs
from bot.slack.messages import confirmations as messages
from bot.slack.replier import Destination, say

# The changes an undo window delays (NEBULA_BOT_UNDO_SECONDS): the ones that lose work or the instance.
UNDOABLE: Final = frozenset({DELETE.name, STOP.name})


class Decisions(Part):
    """Confirm and Cancel."""

    def __init__(self, services: Services, *, changes: Changes, undo: UndoWindow) -> None:
        super().__init__(services)
        self._changes = changes
        self._undo = undo

    @handler()
    async def confirm(self, actor: Actor, to: Destination, confirmation_id: str) -> None:
        """A click on the confirm button: claim atomically, call Nebula once, post the outcome."""
        s = self.services
        delay = s.config.undo_seconds
        later = False
        if delay > 0:  # only then does the verb matter before the claim
            found = await s.store.get(confirmation_id)
            later = found is not None and found.confirmation.verb.name in UNDOABLE
        entry = await self._decide(actor, confirmation_id, to, State.SCHEDULED if later else State.CLAIMED)
        if entry is None:
            return
        if later:
            confirmation = entry.confirmation
            await s.trail.record(Step.SCHEDULED, "scheduled", Subject.of(confirmation), actor.user_id)
            shown = messages.scheduled(confirmation, actor.user_id, s.clock() + delay, delay)
            await s.announcer.show(confirmation, entry.message_ts, shown, to)
            self._undo.arm(confirmation.id, delay)
            return
        await self._changes.carry_out(entry.confirmation, entry.message_ts, actor, to)

    @handler()
    async def cancel(self, actor: Actor, to: Destination, confirmation_id: str) -> None:
        """A click on Cancel: the confirmation can no longer be carried out."""
        s = self.services
        entry = await self._decide(actor, confirmation_id, to, State.CANCELLED)
        if entry is None:
            return
        confirmation = entry.confirmation
        await s.trail.record(Step.CANCELLED, "cancelled", Subject.of(confirmation), actor.user_id)
        await s.announcer.show(
            confirmation, entry.message_ts, messages.cancelled(confirmation, actor.user_id), to
        )

    async def _decide(
        self, actor: Actor, confirmation_id: str, to: Destination, to_state: State
    ) -> Entry | None:
        """If `actor` may, move the confirmation to `to_state` (compare-and-set); the entry if this call won.

        Otherwise the actor has been told why (not allowed, someone else decided first, expired).
        """
        s = self.services
        entry = await self._decidable(actor, confirmation_id, to, cancel=to_state is State.CANCELLED)
        if entry is None:
            return None
        transition = await s.store.decide(confirmation_id, to_state, actor.user_id, s.clock())
        if not transition.won:
            await self._lost(actor, confirmation_id, transition.entry, to)
            return None
        # The entry as the claim left it: read after the claim, by the writer, so it holds the message
        # ts even when the click came before the first read could see it.
        return transition.entry or entry

    async def _decidable(
        self, actor: Actor, confirmation_id: str, to: Destination, *, cancel: bool
    ) -> Entry | None:
        """The entry if `actor` may confirm (or cancel) it; otherwise tell them why not, and None."""
        s = self.services
        entry = await s.store.get(confirmation_id)
        if entry is None:
            logs.event("click.unknown", user=actor.user_id, channel=actor.channel_id, outcome="unknown")
            await say(s.replier, to, messages.unknown_confirmation())
            return None
        actor = await s.access.resolve(actor)
        rule = s.access.may_cancel if cancel else s.access.may_confirm
        ruling = rule(actor, entry.confirmation)
        if not ruling.allowed:
            # Audited where the click came from, which is what a refusal is about.
            subject = replace(
                Subject.of(entry.confirmation), workspace=actor.team_id, channel=actor.channel_id
            )
            await s.refuse(actor.user_id, ruling.why, subject, to)
            return None
        if not cancel and entry.state is State.PENDING and not await self._changes.may_proceed(entry, to):
            return None
        return entry

    async def _lost(self, actor: Actor, confirmation_id: str, entry: Entry | None, to: Destination) -> None:
        """Someone else decided first, or time ran out: say so, and never act."""
        s = self.services
        if entry is None:
            await say(s.replier, to, messages.unknown_confirmation())
            return
        confirmation = entry.confirmation
        if entry.state is State.PENDING:
            # Still pending yet not claimable: it is past its expiry. Close it for good.
            transition = await s.store.decide(confirmation_id, State.EXPIRED, SYSTEM_ACTOR, s.clock())
            if transition.won:
                await s.trail.record(Step.EXPIRED, "expired", Subject.of(confirmation), actor.user_id)
            await s.announcer.show(confirmation, entry.message_ts, messages.expired(confirmation), to)
            return
        logs.event(
            "click.duplicate",
            user=actor.user_id,
            channel=actor.channel_id,
            confirmation=confirmation_id,
            outcome=entry.state.value,
        )
        await say(s.replier, to, messages.already_decided(entry))
