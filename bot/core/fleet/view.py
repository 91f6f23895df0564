"""The fleet as the bot shows it: Nebula's reads, with what the bot itself changed since each read (or
so soon before it that Nebula's list did not show it yet) applied, so that every view after a change
shows it at once, on every replica (`bot.core.rails.OwnChanges`)."""

from __future__ import annotations

import dataclasses
from typing import Final

from bot.core.rails import OwnChanges
from bot.domain.records import Changed
from bot.infra.clock import Clock
from bot.nebula.answers import InstancePage
from bot.nebula.client import NebulaClient
from bot.nebula.fleet import Fleet, Snapshot

# A view built from a read older than this says how old it is ("as of 14:02").
STALE_AFTER: Final = 5.0


def stale_since(snapshot: Snapshot, now: float) -> float | None:
    """When `snapshot` was read, if that is long enough ago to say so."""
    return snapshot.at if now - snapshot.at > STALE_AFTER else None


class FleetView:
    """Reads of the fleet, each with the bot's own changes applied."""

    def __init__(self, *, fleet: Fleet, nebula: NebulaClient, changed: OwnChanges, clock: Clock) -> None:
        self._fleet = fleet
        self._nebula = nebula
        self._changed = changed
        self._clock = clock

    async def read(self, *, details: bool, max_age: float = 0.0) -> Snapshot:
        """A read at most `max_age` old (see `Fleet.read`), as the bot shows it."""
        return await self._seen(await self._fleet.read(details=details, max_age=max_age))

    async def recent(self, max_age: float) -> Snapshot | None:
        """The newest read if it is at most `max_age` old, without reading, as the bot shows it."""
        recent = self._fleet.recent(max_age)
        return await self._seen(recent) if recent is not None else None

    async def page(self, limit: int, offset: int) -> InstancePage:
        """One page of Nebula's list, read now, as the bot shows it."""
        page = await self._nebula.list_instances(limit, offset)
        return dataclasses.replace(page, instances=await self._changed.seen(page.instances, self._clock()))

    async def deleted(self, reference: str) -> Changed | None:
        """The delete the bot carried out on the instance `reference` names, if it did."""
        return await self._changed.deleted(reference)

    async def _seen(self, snapshot: Snapshot) -> Snapshot:
        instances = await self._changed.seen(snapshot.instances, snapshot.at)
        if instances == snapshot.instances:
            return snapshot
        return dataclasses.replace(snapshot, instances=instances)
