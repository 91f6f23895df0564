"""The watcher: every NEBULA_BOT_WATCH_INTERVAL, read the fleet, remind, end leases, post the digest.

It runs on every replica. Nothing it does needs a leader: each reminder, lease notice, lease change
and digest is decided by a compare-and-set in the store, so replicas that watch the same fleet post
each thing once between them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import zlib
from dataclasses import dataclass
from typing import Final

from bot.core.budgets import Budgets, standing
from bot.core.costing import usages
from bot.core.lease_ends import LeaseEnds
from bot.core.reminders import Reminders
from bot.core.schedule_runs import ScheduleRuns
from bot.core.services import Part, Services
from bot.domain.budgets import TEAM, Budget, Ledger, last_days
from bot.domain.costs import FleetCost, summed, usage
from bot.domain.records import Digest, FirstSeen
from bot.infra import logs
from bot.infra.clock import pause
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet, Snapshot
from bot.nebula.gate import acting_for
from bot.slack.errors import ReplyError
from bot.slack.messages import budgets as budget_messages
from bot.slack.messages import fleet as fleet_messages

DAY: Final = 86400


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


class Watcher(Part):
    """One per replica."""

    def __init__(
        self,
        services: Services,
        *,
        fleet: Fleet,
        reminders: Reminders,
        lease_ends: LeaseEnds,
        schedule_runs: ScheduleRuns,
        budgets: Budgets,
    ) -> None:
        super().__init__(services)
        self._fleet = fleet
        self._reminders = reminders
        self._lease_ends = lease_ends
        self._schedule_runs = schedule_runs
        self._budgets = budgets

    async def run_until(self, stop: asyncio.Event) -> None:
        """A cycle at the start of every interval of this team (by the clock, so every replica wakes at
        the same moment and the store gives the interval to one of them) until `stop` is set; never at
        start-up, so that a bot restarting in a loop does not read the whole fleet each time (an
        interval already run before the restart is not run again)."""
        while not stop.is_set():
            interval = self.services.config.watch_interval
            await pause(stop, interval - (self.services.clock() - self._phase()) % interval)
            if stop.is_set():
                return
            try:
                await self.tick()
            except Exception:  # the watcher must outlive a bad pass
                logs.failure("watcher.failed", team=self.services.config.team)

    async def tick(self) -> Cycle | None:
        """The cycle of this interval, unless another replica has run it: one per interval in all (the
        store decides, by the interval's number). None when another replica had it."""
        s = self.services
        interval = s.config.watch_interval
        now = s.clock()
        slot = f"watcher:{s.config.team}:{int((now - self._phase()) // interval)}"
        try:
            mine = await s.store.first_seen(slot, now, 2 * interval)
        except Exception as exc:  # a store fault: better a cycle twice than none (its changes are claimed)
            logs.warning("watcher.slot_unknown", team=s.config.team, error=type(exc).__name__)
            mine = True
        if not mine:
            logs.event("watcher.skipped", team=s.config.team, outcome="another replica", slot=slot)
            return None
        return await self.cycle()

    def _phase(self) -> float:
        """Where in each interval this team's cycle starts: the same on every replica, and different
        for each team, so that ten teams' cycles do not all start in the same instant."""
        team = self.services.config.team.encode()
        return self.services.config.watch_interval * zlib.crc32(team) / 2**32

    async def cycle(self) -> Cycle:
        """One pass: end the leases that are due (each decided on a fresh read of its instance) and act at
        schedules' edges; then, with a watch channel or a budget, read the fleet to accrue the spend, and
        (with the channel) remind, alert and post the digest."""
        s = self.services
        started = time.monotonic()
        channel = s.config.watch_channel
        with acting_for("watcher"):
            async with s.inflight.track():
                due = await self._lease_ends.due()
                await self._lease_ends.handle(due)
                await self._schedule_runs.handle()
                if channel is None and await s.records.get(Budget, TEAM) is None:
                    return Cycle(leases_due=len(due), skipped=None if due else "nothing to watch")
                try:
                    snapshot = await self._fleet.read(details=True)
                except NebulaError as exc:
                    # Without the whole list nothing is decided on it: this cycle reminds nobody.
                    logs.warning(
                        "watcher.fleet_unreadable",
                        team=s.config.team,
                        error=type(exc).__name__,
                        outcome="skipped",
                    )
                    return Cycle(leases_due=len(due), skipped=type(exc).__name__)
                summary = await self._costs(snapshot)
                s.metrics.fleet_cost_per_hour.labels(s.config.team).set(summary.per_hour)
                await self._budgets.watch(snapshot, summary, channel)
                reminded = 0
                if channel is not None:
                    reminded = await self._reminders.check(snapshot, summary)
                    await self._digest(channel, summary)
        cycle = Cycle(
            listed=len(snapshot.instances),
            running=len(snapshot.running),
            pages=snapshot.pages,
            details_read=snapshot.details_read,
            reminded=reminded,
            leases_due=len(due),
            seconds=time.monotonic() - started,
        )
        logs.event(
            "watcher.cycle", team=s.config.team, complete=snapshot.complete, **dataclasses.asdict(cycle)
        )
        return cycle

    async def _costs(self, snapshot: Snapshot) -> FleetCost:
        """What the running fleet costs. Where Nebula gives no running time, it counts from when the bot
        first saw the instance running (recorded here; forgotten once it is no longer listed running).
        Each instance's figures are worked out once a cycle, in turns."""
        s = self.services
        now = s.clock()
        uses = await usages(snapshot.running, now)
        held = {v.record.instance_id: v for v in await s.records.all(FirstSeen)}
        for iid, use in uses.items():
            current = held.pop(iid, None)
            if use.running_seconds is not None:
                continue
            if current is None:
                await s.records.put(None, FirstSeen(iid, now))  # a lost race leaves the other's
            uses[iid] = usage(use.instance, now, current.record.at if current is not None else now)
        if snapshot.complete:  # an incomplete read proves nothing about the ones it did not list
            for stale in held.values():
                await s.records.remove(stale)
        return summed(uses.values())

    async def _digest(self, channel: str, summary: FleetCost) -> None:
        """Once a day at NEBULA_BOT_DIGEST_AT (UTC), the cost summary in the watch channel."""
        s = self.services
        minute = s.config.digest_minute
        if minute is None:
            return
        now = s.clock()
        if int(now % DAY) // 60 < minute:
            return
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        current = await s.records.get(Digest, "daily")
        if current is not None and current.record.day >= day:
            return
        won = await s.records.put(current, Digest(day))
        if won is None:
            return  # another replica posts it
        digest = fleet_messages.cost(summary, heading=f"Daily cost digest, {day}")
        budget = await standing(s)
        ledger = await s.records.get(Ledger, TEAM)
        days = last_days(ledger.record, now) if ledger is not None else []
        try:
            await s.replier.post(channel, budget_messages.digest(digest, budget[1] if budget else None, days))
        except ReplyError as exc:
            logs.warning("digest.post_failed", channel=channel, error=str(exc))
            # Not posted: give the day back, so that the next cycle tries again.
            await (s.records.put(won, current.record) if current else s.records.remove(won))
