"""The undo window (NEBULA_BOT_UNDO_SECONDS): a confirmed delete or stop waits, with an Undo button,
then is sent exactly once, by this process's timer or by whichever replica's sweeper gets there first.

A confirm click moves the confirmation to `scheduled` (see `bot.core.decisions`). From there the store
lets exactly one caller move it on: to `claimed` (the send, after the window, also after a restart) or
to `cancelled` (Undo). Undo after the send says so and changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

from bot.core.changes import Changes
from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.domain.audit import Step
from bot.domain.confirmation import Entry, State
from bot.domain.policy import Actor, is_approver
from bot.infra import logs
from bot.slack.messages import confirmations as messages
from bot.slack.messages.kit import notice
from bot.slack.replier import Destination, say

TOO_LATE: Final = "Too late: it was already sent; its outcome is in the thread. Nothing more was done."


class UndoWindow(Part):
    """Undo clicks, and the sends that follow the window."""

    def __init__(self, services: Services, *, changes: Changes) -> None:
        super().__init__(services)
        self._changes = changes
        self._timers: dict[str, tuple[asyncio.Task[None], float]] = {}  # id -> (timer, monotonic due time)

    def arm(self, confirmation_id: str, seconds: float) -> None:
        """Send `confirmation_id` when its window ends, on time. (The sweeper sends whatever a timer
        does not: another replica's, or one armed before a restart.)"""
        timer = asyncio.create_task(self._send_after(confirmation_id, seconds))
        self._timers[confirmation_id] = (timer, time.monotonic() + seconds)
        timer.add_done_callback(lambda _: self._timers.pop(confirmation_id, None))

    def armed(self) -> dict[str, float]:
        """The sends this process will make when their windows end: seconds left, by confirmation id."""
        now = time.monotonic()
        return {cid: max(0.0, due - now) for cid, (_, due) in self._timers.items()}

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
            entry = await self.services.store.get(confirmation_id)
            if entry is not None and entry.state is State.SCHEDULED:
                await self._send(entry)
        except Exception:  # the sweeper will try again
            logs.failure("undo.send_failed", confirmation=confirmation_id)

    @handler()
    async def undo(self, actor: Actor, to: Destination, confirmation_id: str) -> None:
        """Undo: the requester, the confirmer or an approver, in the confirmation's channel."""
        s = self.services
        entry = await s.store.get(confirmation_id)
        if entry is None:
            await say(s.replier, to, messages.unknown_confirmation())
            return
        actor = await s.access.resolve(actor)
        confirmation = entry.confirmation
        same_channel = (
            not (actor.channel_id and confirmation.channel_id) or actor.channel_id == confirmation.channel_id
        )
        allowed = same_channel and (
            actor.user_id in (confirmation.requester, entry.decided_by) or is_approver(s.access.rules, actor)
        )
        if not allowed or not s.access.screen(actor).allowed:
            text = (
                f"Only <@{confirmation.requester}>, the person who confirmed it, or an approver can undo "
                "this, in its channel."
            )
            await say(s.replier, to, notice(text))
            return
        transition = await s.store.release(confirmation_id, State.CANCELLED, actor.user_id, s.clock())
        if not transition.won:
            state = transition.entry.state if transition.entry else None
            text = TOO_LATE if state in (State.CLAIMED, State.DONE) else "This was already undone or closed."
            await say(s.replier, to, notice(text))
            return
        await s.trail.record(Step.UNDONE, "cancelled", Subject.of(confirmation), actor.user_id)
        await s.announcer.show(
            confirmation, entry.message_ts, messages.undone(confirmation, actor.user_id), to
        )

    async def send_due(self) -> int:
        """Send the scheduled changes whose window is over; each is claimed by one replica. How many
        this call sent."""
        s = self.services
        sent = 0
        for entry in await s.store.scheduled(s.clock() - s.config.undo_seconds):
            try:
                sent += await self._send(entry)
            except Exception:  # one failed send must not hold up the others
                logs.failure("undo.send_failed", confirmation=entry.confirmation.id)
        return sent

    async def _send(self, entry: Entry) -> int:
        s = self.services
        confirmation = entry.confirmation
        if not await self._changes.may_proceed(entry, None):
            return 0
        confirmer = entry.decided_by or confirmation.requester
        transition = await s.store.release(confirmation.id, State.CLAIMED, confirmer, s.clock())
        if not transition.won:
            return 0
        actor = Actor(confirmer, confirmation.team_id or None, None, confirmation.channel_id or None)
        to = Destination(None, confirmation.channel_id, None)
        await self._changes.carry_out(confirmation, entry.message_ts, actor, to)
        return 1
