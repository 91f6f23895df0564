"""Clicks on a confirmation: confirm (claim, then Nebula once) or cancel.

The one rule that makes changes trustworthy lives here: the store's atomic claim comes first, and only
its single winner carries the change out. Every click is checked (who, where, protections) first.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.confirmations.announce import Announcer
from bot.core.confirmations.changes import Changes
from bot.core.confirmations.rulings import Rulings
from bot.core.confirmations.undo import UndoWindow
from bot.core.rails import Subject, Trail
from bot.domain.audit import SYSTEM_ACTOR, Step
from bot.domain.confirmation import Entry, State
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.clock import Clock
from bot.slack.messages import confirmations as messages
from bot.slack.messages.notices import approvals as dm_messages
from bot.slack.replier import Destination
from bot.store import Confirmations


class Decisions:
    """Confirm and Cancel."""

    def __init__(
        self,
        *,
        confirmations: Confirmations,
        rulings: Rulings,
        changes: Changes,
        window: UndoWindow,
        announcer: Announcer,
        trail: Trail,
        clock: Clock,
    ) -> None:
        self._confirmations = confirmations
        self._rulings = rulings
        self._changes = changes
        self._window = window
        self._announcer = announcer
        self._trail = trail
        self._clock = clock

    async def confirm(self, actor: Actor, to: Destination, confirmation_id: str) -> None:
        """A click on the confirm button: claim atomically, call Nebula once, post the outcome."""
        later = False
        if self._window.seconds > 0:  # only then does the verb matter before the claim
            found = await self._confirmations.get(confirmation_id)
            later = found is not None and found.confirmation.verb.undoable
        entry = await self._decide(actor, confirmation_id, to, State.SCHEDULED if later else State.CLAIMED)
        if entry is None:
            return
        if later:
            await self._window.start(entry, actor.user_id, to)
        else:
            await self._changes.carry_out(entry.confirmation, entry.message_ts, actor, to)
        if actor.user_id != entry.confirmation.requester:  # after the change: nothing waits for a DM
            approved = dm_messages.approved(entry.confirmation, actor.user_id)
            await self._announcer.tell_requester(entry.confirmation, approved)

    async def cancel(self, actor: Actor, to: Destination, confirmation_id: str) -> None:
        """A click on Cancel: the confirmation can no longer be carried out."""
        entry = await self._decide(actor, confirmation_id, to, State.CANCELLED)
        if entry is None:
            return
        confirmation = entry.confirmation
        await self._trail.note(Step.CANCELLED, "cancelled", Subject.of(confirmation), actor.user_id)
        await self._announcer.show(
            confirmation, entry.message_ts, messages.cancelled(confirmation, actor.user_id), to
        )
        if actor.user_id != confirmation.requester:
            rejected = dm_messages.rejected(confirmation, actor.user_id)
            await self._announcer.tell_requester(confirmation, rejected)

    async def _decide(
        self, actor: Actor, confirmation_id: str, to: Destination, to_state: State
    ) -> Entry | None:
        """If `actor` may, move the confirmation to `to_state` (compare-and-set); the entry if this call won.

        Otherwise the actor has been told why (not allowed, someone else decided first, expired).
        """
        entry = await self._decidable(actor, confirmation_id, to, cancel=to_state is State.CANCELLED)
        if entry is None:
            return None
        transition = await self._confirmations.decide(confirmation_id, to_state, actor.user_id, self._clock())
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
        entry = await self._confirmations.get(confirmation_id)
        if entry is None:
            logs.event("click.unknown", user=actor.user_id, channel=actor.channel_id, outcome="unknown")
            await self._announcer.tell(to, messages.unknown_confirmation())
            return None
        access = self._rulings.access
        confirmation = entry.confirmation
        if actor.channel_id != confirmation.channel_id and await self._announcer.copied_to(
            confirmation.id, actor
        ):
            # The click came from the copy sent to this approver: as good as from the channel.
            actor = replace(actor, channel_id=confirmation.channel_id)
        actor = await access.resolve(actor)
        rule = access.may_cancel if cancel else access.may_confirm
        ruling = rule(actor, entry.confirmation)
        if not ruling.allowed:
            # Audited where the click came from, which is what a refusal is about.
            subject = replace(
                Subject.of(entry.confirmation), workspace=actor.workspace, channel=actor.channel_id
            )
            await self._rulings.refuse(actor.user_id, ruling.why, subject, to)
            return None
        if not cancel and entry.state is State.PENDING and not await self._changes.may_proceed(entry, to):
            return None
        return entry

    async def _lost(self, actor: Actor, confirmation_id: str, entry: Entry | None, to: Destination) -> None:
        """Someone else decided first, or time ran out: say so, and never act."""
        if entry is None:
            await self._announcer.tell(to, messages.unknown_confirmation())
            return
        confirmation = entry.confirmation
        if entry.state is State.PENDING:
            # Still pending yet not claimable: it is past its expiry. Close it for good.
            closed = await self._confirmations.decide(
                confirmation_id, State.EXPIRED, SYSTEM_ACTOR, self._clock()
            )
            if closed.won:
                await self._trail.note(Step.EXPIRED, "expired", Subject.of(confirmation), actor.user_id)
                await self._announcer.tell_requester(
                    confirmation, dm_messages.expired_unapproved(confirmation)
                )
            await self._announcer.show(confirmation, entry.message_ts, messages.expired(confirmation), to)
            return
        logs.event(
            "click.duplicate",
            user=actor.user_id,
            channel=actor.channel_id,
            confirmation=confirmation_id,
            outcome=entry.state.value,
        )
        await self._announcer.tell(to, messages.already_decided(entry))
