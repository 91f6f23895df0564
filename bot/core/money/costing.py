"""What the running fleet costs, worked out in turns (`bot.infra.turns`), so that a fleet of thousands
read by the watcher, the Home tab or `/nebula cost` never holds up another person's ack.

Where Nebula gives no running time, an instance counts from when the bot first saw it running: the
watcher notes that moment in the store (and forgets it once the instance is no longer listed running).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from bot.core.money.credits import Credits
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import FleetCost, Usage, summed, usage
from bot.domain.money.credits import Runway
from bot.domain.records import FirstSeen
from bot.infra.clock import Clock
from bot.infra.turns import in_turns
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Snapshot
from bot.store import Records

# A balance read this recently will do for a view (the watcher reads it every cycle).
BALANCE_MAX_AGE: Final = 60.0


async def usages(
    instances: Iterable[Instance], now: float, first_seen: Mapping[str, float] | None = None
) -> dict[str, Usage]:
    """The usage of each running instance among `instances`, by id."""
    seen = first_seen or {}
    return {i.id: usage(i, now, seen.get(i.id)) async for i in in_turns(instances) if i.is_running}


class Costing:
    """The fleet's figures, with the first-seen moments the store keeps, and how long the account's
    credits last at its burn rate."""

    def __init__(self, *, records: Records, clock: Clock, credits: Credits) -> None:
        self._records = records
        self._clock = clock
        self._credits = credits

    async def runway(self, costs: FleetCost, max_age: float = BALANCE_MAX_AGE) -> Runway | None:
        """The credits' runway at `costs`' burn rate, from a balance at most `max_age` old (None: the
        balance cannot be had, or is not plausible)."""
        try:
            balance = await self._credits.balance(max_age=max_age)
        except NebulaError:
            return None
        return None if balance is None else Runway(balance, costs.per_hour)

    async def of(self, instances: Iterable[Instance]) -> FleetCost:
        """What the running instances among `instances` cost, costliest first."""
        first_seen = {v.record.instance_id: v.record.at for v in await self._records.all(FirstSeen)}
        return summed((await usages(instances, self._clock(), first_seen)).values())

    async def watched(self, snapshot: Snapshot) -> FleetCost:
        """What the running fleet costs, noting when instances without a running time were first seen
        (and forgetting those no longer running, when the read was complete). Each instance's figures
        are worked out once a cycle."""
        now = self._clock()
        uses = await usages(snapshot.running, now)
        held = {v.record.instance_id: v for v in await self._records.all(FirstSeen)}
        for iid, use in uses.items():
            current = held.pop(iid, None)
            if use.running_seconds is not None:
                continue
            if current is None:
                await self._records.put(None, FirstSeen(iid, now))  # a lost race leaves the other's
            uses[iid] = usage(use.instance, now, current.record.at if current is not None else now)
        if snapshot.complete:  # an incomplete read proves nothing about the ones it did not list
            for stale in held.values():
                await self._records.remove(stale)
        return summed(uses.values())
