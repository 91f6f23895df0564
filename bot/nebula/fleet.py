"""Reading the whole fleet: every page of the instance list, and the details of the running ones.

The watcher reads it every cycle and `/nebula cost` on demand. Details (running time, cost so far)
are read with bounded concurrency, so a fleet of a thousand instances never crowds out the calls
that answer people.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Final

from bot.domain.costs import is_running
from bot.domain.model import Instance
from bot.nebula.client import NebulaClient, NebulaError, NebulaNotFound

PAGE_SIZE: Final = 100
# A hostile or broken `total_instance` must not keep the bot paging forever.
MAX_PAGES: Final = 200
DETAIL_CONCURRENCY: Final = 8


@dataclass(frozen=True)
class Snapshot:
    """The fleet as Nebula listed it at one moment; running instances carry their details."""

    instances: tuple[Instance, ...]
    details_read: int = 0

    @property
    def running(self) -> tuple[Instance, ...]:
        """The instances Nebula says are running."""
        return tuple(i for i in self.instances if is_running(i))

    def find(self, instance_id: str) -> Instance | None:
        """The instance with this id, or None when Nebula did not list it."""
        return next((i for i in self.instances if i.id == instance_id), None)


class Fleet:
    """Reads snapshots of the fleet."""

    def __init__(self, nebula: NebulaClient, concurrency: int = DETAIL_CONCURRENCY) -> None:
        self._nebula = nebula
        self._slots = asyncio.Semaphore(concurrency)
        self._last: tuple[float, Snapshot] | None = None  # (monotonic time, the newest full read)

    async def read(self, *, details: bool, max_age: float = 0.0) -> Snapshot:
        """Every instance; with `details`, running ones merged with their detail.

        With `max_age`, a full read (with details) at most that many seconds old is answered instead
        of reading again: `/nebula cost` on a big fleet then costs Nebula nothing between cycles.
        Raises NebulaError when any page cannot be read: half a list would make listed instances
        look gone. A detail that fails leaves that instance as listed.
        """
        if details and max_age > 0 and self._last is not None and time.monotonic() - self._last[0] <= max_age:
            return self._last[1]
        listed = await self._list_all()
        if not details:
            return Snapshot(listed)
        running = [i for i in listed if is_running(i)]
        detailed = await asyncio.gather(*(self._detail(i) for i in running))
        merged = {i.id: i for i in detailed if i is not None}
        gone = {i.id for i, d in zip(running, detailed, strict=True) if d is None}
        instances = tuple(merged.get(i.id, i) for i in listed if i.id not in gone)
        snapshot = Snapshot(instances, details_read=len(running))
        self._last = (time.monotonic(), snapshot)
        return snapshot

    async def _list_all(self) -> tuple[Instance, ...]:
        found: dict[str, Instance] = {}
        offset = 0
        for _ in range(MAX_PAGES):
            page = await self._nebula.list_instances(PAGE_SIZE, offset)
            for instance in page.instances:
                found.setdefault(instance.id, instance)
            offset += PAGE_SIZE
            if not page.instances or offset >= page.total:
                break
        return tuple(found.values())

    async def _detail(self, listed: Instance) -> Instance | None:
        """`listed` with its detail's fields added; None when Nebula no longer knows it."""
        async with self._slots:
            try:
                detail = await self._nebula.get_instance(listed.id)
            except NebulaNotFound:
                return None
            except NebulaError:
                return listed
        extra = {name: value for name, value in detail.model_dump().items() if value is not None}
        return listed.model_copy(update=extra)
