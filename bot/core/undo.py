"""The undo window (NEBULA_BOT_UNDO_SECONDS): a confirmed delete or stop waits, with an Undo button,
then is sent exactly once by whichever replica's sweeper gets there first.

A confirm click moves the confirmation to `scheduled` (see `Confirmations.confirm`). From there the
store lets exactly one caller move it on: to `claimed` (the send, after the window, also after a
restart) or to `cancelled` (Undo). Undo after the send says so and changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.core.access import Access
from bot.core.announce import Announcer
from bot.core.config import CoreConfig
from bot.core.confirmations import Confirmations
from bot.core.trail import Subject, Trail
from bot.domain.audit import Step
from bot.domain.model import Entry, State
from bot.domain.policy import Actor, is_approver
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.slack.messages import blocks
from bot.slack.replier import Destination, Replier, guard, say
from bot.store.contract import ConfirmationStore

TOO_LATE = "Too late: it was already sent; its outcome is in the thread. Nothing more was done."


class UndoWindow:
    """Undo clicks, and the sends that follow the window."""

    def __init__(
        self,
        config: CoreConfig,
        access: Access,
        store: ConfirmationStore,
        replier: Replier,
        trail: Trail,
        announcer: Announcer,
        confirmations: Confirmations,
        inflight: InFlight,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._access = access
        self._store = store
        self._replier = replier
        self._trail = trail
        self._announcer = announcer
        self._confirmations = confirmations
        self._inflight = inflight
        self._clock = clock
        self._timers: set[asyncio.Task[None]] = set()

    def arm(self, confirmation_id: str, seconds: float) -> None:
        """Send `confirmation_id` when its window ends, on time. (The sweeper sends whatever a timer
        does not: another replica's, or one armed before a restart.)"""
        timer = asyncio.create_task(self._send_after(confirmation_id, seconds))
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)

    def disarm(self) -> None:
        """At shutdown: drop the timers; the windows' sends are the sweeper's after a restart."""
        for timer in self._timers:
            timer.cancel()

    async def _send_after(self, confirmation_id: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        try:
            entry = await self._store.get(confirmation_id)
            if entry is not None and entry.state is State.SCHEDULED:
                await self._send(entry)
        except Exception:  # the sweeper will try again
            logs.failure("undo.send_failed", confirmation=confirmation_id)

    async def undo(self, actor: Actor, confirmation_id: str, to: Destination) -> None:
        """Undo: the requester, the confirmer or an approver, in the confirmation's channel."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            entry = await self._store.get(confirmation_id)
            if entry is None:
                await say(self._replier, to, blocks.unknown_confirmation())
                return
            actor = await self._access.resolve(actor)
            confirmation = entry.confirmation
            allowed = actor.channel_id == confirmation.channel_id and (
                actor.user_id in (confirmation.requester, entry.decided_by)
                or is_approver(self._access.rules, actor)
            )
            if not allowed or not self._access.screen(actor).allowed:
                text = (
                    f"Only <@{confirmation.requester}>, the person who confirmed it, or an approver can undo "
                    "this, in its channel."
                )
                await say(self._replier, to, blocks.notice(text))
                return
            transition = await self._store.release(
                confirmation_id, State.CANCELLED, actor.user_id, self._clock()
            )
            if not transition.won:
                state = transition.entry.state if transition.entry else None
                text = (
                    TOO_LATE if state in (State.CLAIMED, State.DONE) else "This was already undone or closed."
                )
                await say(self._replier, to, blocks.notice(text))
                return
            await self._trail.record(Step.UNDONE, "cancelled", Subject.of(confirmation), actor.user_id)
            await self._announcer.show(
                confirmation, entry.message_ts, blocks.undone(confirmation, actor.user_id), to
            )

    async def send_due(self) -> int:
        """Send the scheduled changes whose window is over; each is claimed by one replica. How many
        this call sent."""
        sent = 0
        for entry in await self._store.scheduled(self._clock() - self._config.undo_seconds):
            try:
                sent += await self._send(entry)
            except Exception:  # one failed send must not hold up the others
                logs.failure("undo.send_failed", confirmation=entry.confirmation.id)
        return sent

    async def _send(self, entry: Entry) -> int:
        confirmation = entry.confirmation
        if not await self._confirmations.still_allowed(entry, None):
            return 0
        confirmer = entry.decided_by or confirmation.requester
        transition = await self._store.release(confirmation.id, State.CLAIMED, confirmer, self._clock())
        if not transition.won:
            return 0
        actor = Actor(confirmer, confirmation.team_id or None, None, confirmation.channel_id or None)
        to = Destination(None, confirmation.channel_id, None)
        await self._confirmations.carry_out(confirmation, entry.message_ts, actor, to)
        return 1
