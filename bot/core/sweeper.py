"""Housekeeping that no click triggers: expiring confirmations, sending changes whose undo window is
over, recording outcomes the store could not take at once, reporting claims a crash left behind."""

from __future__ import annotations

import asyncio

from bot.core.changes import Changes
from bot.core.services import Part, Services
from bot.core.trail import Subject
from bot.core.undo import UndoWindow
from bot.domain.audit import SYSTEM_ACTOR, Step
from bot.domain.confirmation import InstanceOutcome, State, Status
from bot.infra import logs
from bot.infra.clock import pause
from bot.slack.messages import confirmations as messages
from bot.slack.messages import texts


class Sweeper(Part):
    """One per replica; the store's compare-and-set makes every replica's sweeps safe together."""

    def __init__(self, services: Services, *, changes: Changes, undo: UndoWindow) -> None:
        super().__init__(services)
        self._changes = changes
        self._undo = undo

    @property
    def interval(self) -> float:
        """Seconds between sweeps: a tenth of a confirmation's life (or of the undo window), 1 to 30."""
        config = self.services.config
        shortest = min(config.confirm_ttl, config.undo_seconds or config.confirm_ttl)
        return max(1.0, min(30.0, shortest / 10))

    async def run_until(self, stop: asyncio.Event) -> None:
        """Sweep until `stop` is set; a failed pass is logged and the next one comes as usual.

        A flag rather than task cancellation ends the loop: a client library that swallows a
        CancelledError (some do, deep in a connection) must not keep shutdown waiting forever.
        """
        while not stop.is_set():
            try:
                await self.expire_overdue()
                await self._undo.send_due()
                await self._changes.store_unrecorded()
                await self.recover_stale_claims()
            except Exception as exc:  # the sweeper must outlive a bad pass
                logs.warning("sweeper.failed", error=type(exc).__name__)
            await pause(stop, self.interval)

    async def expire_overdue(self) -> int:
        """Close confirmations whose time ran out and take their buttons away. Returns how many."""
        s = self.services
        async with s.inflight.track():
            closed = 0
            for entry in await s.store.overdue(s.clock()):
                confirmation = entry.confirmation
                transition = await s.store.decide(confirmation.id, State.EXPIRED, SYSTEM_ACTOR, s.clock())
                if not transition.won:
                    continue
                closed += 1
                await s.trail.record(Step.EXPIRED, "expired", Subject.of(confirmation), SYSTEM_ACTOR)
                await s.announcer.show(confirmation, entry.message_ts, messages.expired(confirmation), None)
            return closed

    async def recover_stale_claims(self) -> int:
        """Report claims that a crash left without an outcome. They are never carried out again."""
        s = self.services
        async with s.inflight.track():
            reported = 0
            for entry in await s.store.stale_claims(s.clock() - s.config.stale_claim_after):
                confirmation = entry.confirmation
                if self._changes.handles(confirmation.id):
                    continue  # this process is still on it (waiting on Nebula, or on the store)
                outcomes = tuple(
                    InstanceOutcome(iid, Status.UNKNOWN, texts.NOTHING_RECORDED)
                    for iid in confirmation.instance_ids
                )
                # Recording is a compare-and-set too: one replica reports, the others skip.
                if await self._changes.record_once(entry, outcomes, None, Step.RECOVERED):
                    reported += 1
            return reported
