"""Housekeeping that no click triggers: expiring confirmations, sending changes whose undo window is
over, reporting claims a crash left behind."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from bot.core.announce import Announcer
from bot.core.config import CoreConfig
from bot.core.confirmations import SYSTEM_ACTOR, Confirmations
from bot.core.trail import Subject, Trail
from bot.core.undo import UndoWindow
from bot.domain.audit import Step
from bot.domain.model import InstanceOutcome, State, Status
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.slack.messages import blocks, texts
from bot.store.contract import ConfirmationStore


class Sweeper:
    """One per replica; the store's compare-and-set makes every replica's sweeps safe together."""

    def __init__(
        self,
        config: CoreConfig,
        store: ConfirmationStore,
        announcer: Announcer,
        trail: Trail,
        confirmations: Confirmations,
        undo: UndoWindow,
        inflight: InFlight,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._undo = undo
        self._config = config
        self._store = store
        self._announcer = announcer
        self._trail = trail
        self._confirmations = confirmations
        self._inflight = inflight
        self._clock = clock

    @property
    def interval(self) -> float:
        """Seconds between sweeps: a tenth of a confirmation's life (or of the undo window), 1 to 30."""
        shortest = min(self._config.confirm_ttl, self._config.undo_seconds or self._config.confirm_ttl)
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
                await self._confirmations.record_unrecorded()
                await self.recover_stale_claims()
            except Exception as exc:  # the sweeper must outlive a bad pass
                logs.warning("sweeper.failed", error=type(exc).__name__)
            await pause(stop, self.interval)

    async def expire_overdue(self) -> int:
        """Close confirmations whose time ran out and take their buttons away. Returns how many."""
        async with self._inflight.track():
            closed = 0
            for entry in await self._store.overdue(self._clock()):
                confirmation = entry.confirmation
                transition = await self._store.decide(
                    confirmation.id, State.EXPIRED, SYSTEM_ACTOR, self._clock()
                )
                if not transition.won:
                    continue
                closed += 1
                await self._trail.record(Step.EXPIRED, "expired", Subject.of(confirmation), SYSTEM_ACTOR)
                expired = blocks.expired(confirmation)
                await self._announcer.show(confirmation, entry.message_ts, expired, None)
            return closed

    async def recover_stale_claims(self) -> int:
        """Report claims that a crash left without an outcome. They are never carried out again."""
        async with self._inflight.track():
            reported = 0
            cutoff = self._clock() - self._config.stale_claim_after
            for entry in await self._store.stale_claims(cutoff):
                confirmation = entry.confirmation
                outcomes = tuple(
                    InstanceOutcome(iid, Status.UNKNOWN, texts.NOTHING_RECORDED)
                    for iid in confirmation.instance_ids
                )
                if self._confirmations.handles(confirmation.id):
                    continue  # this process is still on it (waiting on Nebula, or on the store)
                # Recording is a compare-and-set too: one replica reports, the others skip.
                confirmer = entry.decided_by or confirmation.requester
                if await self._confirmations.settle(
                    confirmation, entry.message_ts, confirmer, outcomes, None, Step.RECOVERED
                ):
                    reported += 1
            return reported


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
