"""The watcher: every NEBULA_BOT_WATCH_INTERVAL, settle the leases and schedules that are due, then read
the fleet to accrue the spend, remind, alert and post the digest.

It runs on every replica. Nothing it does needs a leader: each interval's cycle is taken in the store
by its number, and each reminder, lease notice, agreed change and digest is decided by a
compare-and-set, so replicas that watch the same fleet do each thing once between them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import zlib
from dataclasses import dataclass

from bot.core.config import CoreConfig
from bot.core.money import Costing, MoneyWatch
from bot.core.watch.digest import Digests
from bot.core.watch.lease_ends import LeaseEnds
from bot.core.watch.reminders import Reminders
from bot.core.watch.schedule_runs import ScheduleRuns
from bot.infra import logs
from bot.infra.clock import Clock, Pause
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet
from bot.nebula.gate import acting_for
from bot.store import Cycles


@dataclass(frozen=True)
class Cycle:
    """What one pass of the watcher saw and did (for logs and the benchmark)."""

    listed: int = 0
    running: int = 0
    pages: int = 0
    details_read: int = 0
    reminded: int = 0
    leases_due: int = 0
    seconds: float = 0.0
    skipped: str | None = None
    complete: bool = True


class FleetWatch:
    """The part of a cycle that reads the fleet: spend, reminders, budget alerts, the digest."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        fleet: Fleet,
        costing: Costing,
        money_watch: MoneyWatch,
        reminders: Reminders,
        digests: Digests,
    ) -> None:
        self._config = config
        self._fleet = fleet
        self._costing = costing
        self._money = money_watch
        self._reminders = reminders
        self._digests = digests

    async def watch(self, leases_due: int) -> Cycle:
        """Read the fleet and do what it asks for; without a watch channel or a budget, nothing."""
        channel = self._config.watch_channel
        if channel is None and not await self._money.budgeted():
            return Cycle(leases_due=leases_due, skipped=None if leases_due else "nothing to watch")
        try:
            snapshot = await self._fleet.read(details=True)
        except NebulaError as exc:
            # Without the whole list nothing is decided on it: this cycle reminds nobody.
            logs.warning(
                "watcher.fleet_unreadable",
                team=self._config.team,
                error=type(exc).__name__,
                outcome="skipped",
            )
            return Cycle(leases_due=leases_due, skipped=type(exc).__name__)
        summary = await self._costing.watched(snapshot)
        await self._money.watch(summary, snapshot, channel)
        reminded = 0
        if channel is not None:
            reminded = await self._reminders.check(snapshot, summary)
            await self._digests.post_if_due(channel, summary)
        return Cycle(
            listed=len(snapshot.instances),
            running=len(snapshot.running),
            pages=snapshot.pages,
            details_read=snapshot.details_read,
            reminded=reminded,
            leases_due=leases_due,
            complete=snapshot.complete,
        )


class Watcher:
    """One per replica."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        clock: Clock,
        pause: Pause,
        cycles: Cycles,
        lease_ends: LeaseEnds,
        schedule_runs: ScheduleRuns,
        fleet_watch: FleetWatch,
    ) -> None:
        self._config = config
        self._clock = clock
        self._pause = pause
        self._cycles = cycles
        self._lease_ends = lease_ends
        self._schedule_runs = schedule_runs
        self._fleet_watch = fleet_watch

    async def run_until(self, stop: asyncio.Event) -> None:
        """A cycle at the start of every interval of this team (by the clock, so every replica wakes at
        the same moment and the store gives the interval to one of them) until `stop` is set; never at
        start-up, so that a bot restarting in a loop does not read the whole fleet each time (an
        interval already run before the restart is not run again)."""
        while not stop.is_set():
            interval = self._config.watch_interval
            await self._pause(stop, interval - (self._clock() - self._phase()) % interval)
            if stop.is_set():
                return
            try:
                await self.tick()
            except Exception:  # the watcher must outlive a bad pass
                logs.failure("watcher.failed", team=self._config.team)

    async def tick(self) -> Cycle | None:
        """The cycle of this interval, unless another replica has run it: one per interval in all (the
        store decides, by the interval's number). None when another replica had it."""
        interval, now = self._config.watch_interval, self._clock()
        slot = int((now - self._phase()) // interval)
        try:
            mine = await self._cycles.take_cycle(slot, now, 2 * interval)
        except Exception as exc:  # a store fault: better a cycle twice than none (its changes are claimed)
            logs.warning("watcher.slot_unknown", team=self._config.team, error=type(exc).__name__)
            mine = True
        if not mine:
            logs.event("watcher.skipped", team=self._config.team, outcome="another replica", slot=slot)
            return None
        return await self.cycle()

    def _phase(self) -> float:
        """Where in each interval this team's cycle starts: the same on every replica, and different
        for each team, so that ten teams' cycles do not all start in the same instant."""
        return self._config.watch_interval * zlib.crc32(self._config.team.encode()) / 2**32

    async def cycle(self) -> Cycle:
        """One pass: end the leases that are due (each decided on a fresh read of its instance) and act at
        schedules' edges; then, with a watch channel or a budget, read the fleet."""
        started = time.monotonic()
        with acting_for("watcher"):
            due = await self._lease_ends.due()
            await self._lease_ends.handle(due)
            await self._schedule_runs.handle()
            cycle = await self._fleet_watch.watch(len(due))
        if cycle.skipped is not None:
            return cycle
        cycle = dataclasses.replace(cycle, seconds=time.monotonic() - started)
        logs.event("watcher.cycle", team=self._config.team, **dataclasses.asdict(cycle))
        return cycle
