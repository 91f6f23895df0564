"""The undo window (NEBULA_BOT_UNDO_SECONDS): a confirmed delete or stop waits, with an Undo button,
then is sent exactly once, by this process's timer or by whichever replica's sweeper gets there first.

A confirm click moves the confirmation to `scheduled` (see `bot.core.decisions`). From there the store
lets exactly one caller move it on: to `claimed` (the send, after the window, also after a restart) or
to `cancelled` (Undo). Undo after the send says so and changes nothing.
"""

from __future__ import annotations

import asyncio
import time

from bot.core.confirmations.announce import Announcer
from bot.core.confirmations.changes import Changes
from bot.core.rails import Access, Subject, Trail
from bot.domain.audit import Step
from bot.domain.confirmation import Confirmation, Entry, State
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.clock import Clock
from bot.slack.messages import confirmations as messages
from bot.slack.replier import Destination
from bot.store import Confirmations


class UndoWindow:
    """Undo clicks, and the sends that follow the window (`seconds` long; 0: no window)."""

    def __init__(
        self,
        *,
        confirmations: Confirmations,
        changes: Changes,
        access: Access,
        announcer: Announcer,
        trail: Trail,
        clock: Clock,
        seconds: float,
    ) -> None:
        self._confirmations = confirmations
        self._changes = changes
        self._access = access
        self._announcer = announcer
        self._trail = trail
        self._clock = clock
        self.seconds = seconds
        self._timers: dict[str, tuple[asyncio.Task[None], float]] = {}  # id -> (timer, monotonic due time)

    async def start(self, entry: Entry, confirmer: str, to: Destination) -> None:
        """A confirmation just moved to `scheduled`: say when it goes (with Undo), and send it then, on
        time. (The sweeper sends whatever a timer does not: another replica's, or one armed before a
        restart.)"""
        confirmation = entry.confirmation
        await self._trail.note(Step.SCHEDULED, "scheduled", Subject.of(confirmation), confirmer)
        shown = messages.scheduled(confirmation, confirmer, self._clock() + self.seconds, self.seconds)
        await self._announcer.show(confirmation, entry.message_ts, shown, to)
        timer = asyncio.create_task(self._send_after(confirmation.id, self.seconds))
        self._timers[confirmation.id] = (timer, time.monotonic() + self.seconds)
        timer.add_done_callback(lambda _: self._timers.pop(confirmation.id, None))

    async def armed(self) -> list[tuple[Confirmation, float]]:
        """The sends this process will make when their windows end, soonest first, with the seconds left."""
        now = time.monotonic()
        found = []
        for cid, (_, due) in sorted(self._timers.items(), key=lambda item: item[1][1]):
            entry = await self._confirmations.get(cid)
            if entry is not None and entry.state is State.SCHEDULED:  # undone meanwhile: nothing to send
                found.append((entry.confirmation, max(0.0, due - now)))
        return found

    async def wait_armed(self) -> None:
        """Until every armed send has been made (or undone)."""
        while self._timers:
            await asyncio.wait({timer for timer, _ in self._timers.values()})

    def disarm(self) -> None:
        """At shutdown: drop the timers; the windows' sends are the sweeper's after a restart."""
        for timer, _ in list(self._timers.values()):
            timer.cancel()

    async def _send_after(self, confirmation_id: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        try:
            entry = await self._confirmations.get(confirmation_id)
            if entry is not None and entry.state is State.SCHEDULED:
                await self._send(entry)
        except Exception:  # the sweeper will try again
            logs.failure("undo.send_failed", confirmation=confirmation_id)

    async def undo(self, actor: Actor, to: Destination, confirmation_id: str) -> None:
        """Undo: the requester, the confirmer or an approver, in the confirmation's channel."""
        entry = await self._confirmations.get(confirmation_id)
        if entry is None:
            await self._announcer.tell(to, messages.unknown_confirmation())
            return
        actor = await self._access.resolve(actor)
        confirmation = entry.confirmation
        same_channel = (
            not (actor.channel_id and confirmation.channel_id) or actor.channel_id == confirmation.channel_id
        )
        allowed = same_channel and (
            actor.user_id in (confirmation.requester, entry.decided_by) or self._access.is_approver(actor)
        )
        if not allowed or not self._access.screen(actor).allowed:
            await self._announcer.tell(to, messages.undo_not_yours(confirmation))
            return
        transition = await self._confirmations.release(
            confirmation_id, State.CANCELLED, actor.user_id, self._clock()
        )
        if not transition.won:
            state = transition.entry.state if transition.entry else None
            await self._announcer.tell(to, messages.undo_too_late(state in (State.CLAIMED, State.DONE)))
            return
        await self._trail.note(Step.UNDONE, "cancelled", Subject.of(confirmation), actor.user_id)
        timer = self._timers.pop(confirmation_id, None)
        if timer is not None:  # nothing is left to send: the window is not waited out any more
            timer[0].cancel()
        await self._announcer.show(
            confirmation, entry.message_ts, messages.undone(confirmation, actor.user_id), to
        )

    async def send_due(self) -> int:
        """Send the scheduled changes whose window is over; each is claimed by one replica. How many
        this call sent."""
        sent = 0
        for entry in await self._confirmations.scheduled(self._clock() - self.seconds):
            try:
                sent += await self._send(entry)
            except Exception:  # one failed send must not hold up the others
                logs.failure("undo.send_failed", confirmation=entry.confirmation.id)
        return sent

    async def _send(self, entry: Entry) -> int:
        confirmation = entry.confirmation
        if not await self._changes.may_proceed(entry, None):
            return 0
        confirmer = entry.decided_by or confirmation.requester
        transition = await self._confirmations.release(
            confirmation.id, State.CLAIMED, confirmer, self._clock()
        )
        if not transition.won:
            return 0
        actor = Actor(confirmer, confirmation.workspace or None, None, confirmation.channel_id or None)
        to = Destination(None, confirmation.channel_id, None)
        await self._changes.carry_out(confirmation, entry.message_ts, actor, to)
        return 1
