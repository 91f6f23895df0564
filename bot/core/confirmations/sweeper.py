"""Housekeeping that no click triggers: expiring confirmations, sending changes whose undo window is
over, recording outcomes the store could not take at once, reporting claims a crash left behind."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.core.config import CoreConfig
from bot.core.confirmations.announce import Announcer
from bot.core.confirmations.changes import Changes
from bot.core.confirmations.undo import UndoWindow
from bot.core.rails import Subject, Trail
from bot.domain.audit import SYSTEM_ACTOR, Step
from bot.domain.confirmation import InstanceOutcome, State, Status
from bot.infra import logs
from bot.infra.clock import Clock, pause
from bot.slack.messages import confirmations as messages
from bot.slack.messages import texts
from bot.slack.messages.notices import approvals as dm_messages
from bot.store import Confirmations


@dataclass(frozen=True)
class Sweep:
    """What one pass did: confirmations expired, changes sent after their undo window, outcomes still
    unsaved, and claims a crash left that were reported."""

    expired: int = 0
    sent: int = 0
    unsaved: int = 0
    recovered: int = 0


class Sweeper:
    """One per replica; the store's compare-and-set makes every replica's sweeps safe together."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        clock: Clock,
        confirmations: Confirmations,
        changes: Changes,
        window: UndoWindow,
        announcer: Announcer,
        trail: Trail,
    ) -> None:
        self._config = config
        self._clock = clock
        self._confirmations = confirmations
        self._changes = changes
        self._window = window
        self._announcer = announcer
        self._trail = trail

    @property
    def interval(self) -> float:
        """Seconds between sweeps: a tenth of a confirmation's life (or of the undo window), 1 to 30."""
        config = self._config
        shortest = min(config.confirm_ttl, config.undo_seconds or config.confirm_ttl)
        return max(1.0, min(30.0, shortest / 10))

    async def run_until(self, stop: asyncio.Event) -> None:
        """Sweep until `stop` is set; a failed pass is logged and the next one comes as usual.

        A flag rather than task cancellation ends the loop: a client library that swallows a
        CancelledError (some do, deep in a connection) must not keep shutdown waiting forever.
        """
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception as exc:  # the sweeper must outlive a bad pass
                logs.warning("sweeper.failed", error=type(exc).__name__)
            await pause(stop, self.interval)

    async def sweep(self) -> Sweep:
        """One pass."""
        expired = await self.expire_overdue()
        sent = await self._window.send_due()
        unsaved = await self._changes.save_outcomes()
        return Sweep(expired, sent, unsaved, await self.recover_stale_claims())

    async def expire_overdue(self) -> int:
        """Close confirmations whose time ran out and take their buttons away. Returns how many."""
        closed = 0
        for entry in await self._confirmations.overdue(self._clock()):
            confirmation = entry.confirmation
            expiry = await self._confirmations.decide(
                confirmation.id, State.EXPIRED, SYSTEM_ACTOR, self._clock()
            )
            if not expiry.won:
                continue
            closed += 1
            await self._trail.note(Step.EXPIRED, "expired", Subject.of(confirmation), SYSTEM_ACTOR)
            await self._announcer.show(confirmation, entry.message_ts, messages.expired(confirmation), None)
            await self._announcer.tell_requester(confirmation, dm_messages.expired_unapproved(confirmation))
        return closed

    async def recover_stale_claims(self) -> int:
        """Report claims that a crash left without an outcome. They are never carried out again."""
        reported = 0
        claimed_before = self._clock() - self._config.stale_claim_after
        for entry in await self._confirmations.stale_claims(claimed_before):
            confirmation = entry.confirmation
            if self._changes.handles(confirmation.id):
                continue  # this process is still on it (waiting on Nebula, or on the store)
            outcomes = tuple(
                InstanceOutcome(iid, Status.UNKNOWN, texts.NOTHING_RECORDED)
                for iid in confirmation.instance_ids
            )
            # Saving is a compare-and-set too: one replica reports, the others skip.
            if await self._changes.conclude_once(entry, outcomes, None, Step.RECOVERED):
                reported += 1
        return reported
