"""The watcher: every NEBULA_BOT_WATCH_INTERVAL, read the fleet, remind, end leases, post the digest.

It runs on every replica. Nothing it does needs a leader: each reminder, lease notice, lease
change and digest is decided by a compare-and-set in the store, so replicas that watch the same
fleet post each thing once between them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.core.config import CoreConfig
from bot.core.leases import Leases
from bot.core.reminders import Reminders
from bot.core.sweeper import pause
from bot.domain.costs import fleet_cost, usage
from bot.domain.model import Digest, FirstSeen
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.client import NebulaError
from bot.nebula.fleet import Fleet, Snapshot
from bot.slack.messages import fleet as fleet_messages
from bot.slack.replier import Replier, ReplyError
from bot.store.marks import Marks

DAY: Final = 86400


@dataclass(frozen=True)
class Cycle:
    """What one pass of the watcher saw and did (for logs and the benchmark)."""

    listed: int = 0
    running: int = 0
    details_read: int = 0
    reminded: int = 0
    leases_due: int = 0
    seconds: float = 0.0
    skipped: str | None = None


class Watcher:
    """One per replica."""

    def __init__(
        self,
        config: CoreConfig,
        fleet: Fleet,
        marks: Marks,
        reminders: Reminders,
        leases: Leases,
        replier: Replier,
        metrics: Metrics,
        inflight: InFlight,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._fleet = fleet
        self._marks = marks
        self._reminders = reminders
        self._leases = leases
        self._replier = replier
        self._metrics = metrics
        self._inflight = inflight
        self._clock = clock

    async def run_until(self, stop: asyncio.Event) -> None:
        """A cycle every interval until `stop` is set. The first comes one interval after start-up,
        so that a bot restarting in a loop does not read the whole fleet each time."""
        while not stop.is_set():
            await pause(stop, self._config.watch_interval)
            if stop.is_set():
                return
            try:
                await self.cycle()
            except Exception:  # the watcher must outlive a bad pass
                logs.failure("watcher.failed")

    async def cycle(self) -> Cycle:
        """One pass: read the fleet if anything needs it, then remind, end leases, post the digest."""
        started = time.monotonic()
        channel = self._config.watch_channel
        due = await self._leases.due()
        if channel is None and not due:
            return Cycle(skipped="nothing to watch")
        async with self._inflight.track():
            try:
                snapshot = await self._fleet.read(details=channel is not None)
            except NebulaError as exc:
                # Without the whole list, a listed instance could look gone: do nothing this time.
                logs.warning("watcher.fleet_unreadable", error=type(exc).__name__, outcome="skipped")
                return Cycle(leases_due=len(due), skipped=type(exc).__name__)
            reminded = 0
            if channel is not None:
                first_seen = await self._first_seen(snapshot)
                summary = fleet_cost(snapshot.instances, self._clock(), first_seen)
                self._metrics.fleet_cost_per_hour.set(summary.per_hour)
                reminded = await self._reminders.check(snapshot, first_seen)
                await self._digest(channel, snapshot, first_seen)
            await self._leases.settle(due, snapshot)
        cycle = Cycle(
            listed=len(snapshot.instances),
            running=len(snapshot.running),
            details_read=snapshot.details_read,
            reminded=reminded,
            leases_due=len(due),
            seconds=time.monotonic() - started,
        )
        logs.event("watcher.cycle", **{k: v for k, v in cycle.__dict__.items() if v is not None})
        return cycle

    async def _first_seen(self, snapshot: Snapshot) -> dict[str, float]:
        """When the bot first saw running instances whose running time Nebula does not give (so
        that a cost can still be worked out); forgets the ones no longer running."""
        now = self._clock()
        held = {h.mark.instance_id: h for h in await self._marks.all(FirstSeen)}
        seen: dict[str, float] = {}
        for instance in snapshot.running:
            current = held.pop(instance.id, None)
            if current is not None:
                seen[instance.id] = current.mark.at
            elif usage(instance, now).running_seconds is None:
                await self._marks.put(None, FirstSeen(instance.id, now))  # a lost race leaves the other's
                seen[instance.id] = now
        for stale in held.values():
            await self._marks.remove(stale)
        return seen

    async def _digest(self, channel: str, snapshot: Snapshot, first_seen: dict[str, float]) -> None:
        """Once a day at NEBULA_BOT_DIGEST_AT (UTC), the cost summary in the watch channel."""
        minute = self._config.digest_minute
        if minute is None:
            return
        now = self._clock()
        if int(now % DAY) // 60 < minute:
            return
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        current = await self._marks.get(Digest, "daily")
        if current is not None and current.mark.day >= day:
            return
        won = await self._marks.put(current, Digest(day))
        if won is None:
            return  # another replica posts it
        summary = fleet_cost(snapshot.instances, now, first_seen)
        try:
            await self._replier.post(
                channel, fleet_messages.cost(summary, heading=f"Daily cost digest, {day}")
            )
        except ReplyError as exc:
            logs.warning("digest.post_failed", channel=channel, error=str(exc))
            # Not posted: give the day back, so that the next cycle tries again.
            await (self._marks.put(won, current.mark) if current else self._marks.remove(won))
