"""The fleet's costs worked out in turns (`bot.infra.turns`), so that a fleet of thousands read by
the watcher, the Home tab or `/nebula cost` never holds up another person's ack."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.domain.costs import FleetCost, Usage, summed, usage
from bot.domain.instance import Instance
from bot.infra.turns import in_turns


async def usages(
    instances: Iterable[Instance], now: float, first_seen: Mapping[str, float] | None = None
) -> dict[str, Usage]:
    """The usage of each running instance among `instances`, by id."""
    seen = first_seen or {}
    return {i.id: usage(i, now, seen.get(i.id)) async for i in in_turns(instances) if i.is_running}


async def costed(
    instances: Iterable[Instance], now: float, first_seen: Mapping[str, float] | None = None
) -> FleetCost:
    """What the running instances among `instances` cost, costliest first."""
    return summed((await usages(instances, now, first_seen)).values())
