"""Reading the whole fleet: every page of the instance list, and the details of the running ones.

Nebula's paging is not to be trusted: the list is read as `bot.nebula.paging` reads every paged
answer. Absence from a list is never proof that an instance is gone: `look` asks for its detail, and
only a 404 says so.

Readers share: a read under way is joined rather than repeated, and `max_age` answers from a recent
full read, so a burst of `/nebula cost` costs Nebula one read.

Details are read only where they may have changed: for a running instance that is new to this process,
whose status changed since its detail was read, or whose detail is older than `refresh` (6 h by
default; 3/4 of it to all of it, by id, so that re-reads spread over cycles). Otherwise the detail
read before is kept, with the list's fresh fields over it, so a steady fleet of 1,000 costs a cycle
its list pages and nothing more.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import money, running_hours
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.turns import in_turns
from bot.nebula.client import NebulaClient
from bot.nebula.errors import NebulaError, NebulaNotFound
from bot.nebula.paging import read_all

PAGE_SIZE: Final = 100
DETAIL_REFRESH: Final = 6 * 3600.0
DETAIL_CONCURRENCY: Final = 8


def spread(instance_id: str, refresh: float) -> float:
    """When an instance's detail is read again: between 3/4 of `refresh` and all of it, by its id. A
    fleet whose details were all read in one cycle (the first after a start) is then re-read over
    many cycles, not all in one."""
    return refresh * (0.75 + 0.25 * zlib.crc32(instance_id.encode()) / 0xFFFFFFFF)


@dataclass(frozen=True)
class Snapshot:
    """The fleet as Nebula listed it at one moment; running instances carry their details.

    `complete` is False when the paging bound was hit before an empty page.
    """

    instances: tuple[Instance, ...]
    complete: bool = True
    details_read: int = 0
    pages: int = 0
    at: float = 0.0  # when it was read, by the bot's clock
    begun: float = field(default_factory=time.monotonic)  # when the read began, in real time (monotonic)

    @cached_property
    def running(self) -> tuple[Instance, ...]:
        """The instances Nebula says are running."""
        return tuple(i for i in self.instances if i.is_running)

    def find(self, instance_id: str) -> Instance | None:
        """The instance with this id, or None when Nebula did not list it (which proves nothing)."""
        return next((i for i in self.instances if i.id == instance_id), None)


class Fleet:
    """Reads snapshots of the fleet."""

    def __init__(
        self,
        nebula: NebulaClient,
        concurrency: int = DETAIL_CONCURRENCY,
        *,
        refresh: float = DETAIL_REFRESH,
        clock: Clock = time.time,
        slots: asyncio.Semaphore | None = None,
    ) -> None:
        self._nebula = nebula
        self._workers = concurrency
        # Detail reads at once: shared by every team's fleet in the process (`slots`), so that ten teams'
        # first cycles after a start load the event loop as one team's does, not ten times as much.
        self._slots = slots or asyncio.Semaphore(concurrency)
        self._refresh = refresh
        self._clock = clock
        # Details read before, by instance id: when (the clock's time), at which status, and what.
        self._details: dict[str, tuple[float, str, Instance]] = {}
        # The newest read with details, and the newest of any kind: (monotonic time, snapshot).
        self._last: dict[bool, tuple[float, Snapshot]] = {}
        self._reading: dict[bool, asyncio.Task[Snapshot]] = {}  # reads under way, with and without details
        self._repeating = False  # Nebula answered a page it had answered before (logged once)

    async def read(self, *, details: bool, max_age: float = 0.0) -> Snapshot:
        """Every instance; with `details`, running ones merged with their detail.

        With `max_age`, a read at most that many seconds old (with details, if asked for) is answered
        instead of reading again. A read already under way is joined. Raises NebulaError when a page
        cannot be read: half a list would make listed instances look gone. A detail that fails leaves
        that instance as listed.
        """
        recent = self._last.get(details)
        if max_age > 0 and recent is not None and time.monotonic() - recent[0] <= max_age:
            return recent[1]
        running = self._reading.get(details)
        if running is None:
            running = asyncio.create_task(self._read(details))
            self._reading[details] = running
            running.add_done_callback(lambda _: self._reading.pop(details, None))
        # Shielded: one reader giving up (a cancelled request) must not cancel the others' read.
        return await asyncio.shield(running)

    async def _read(self, details: bool) -> Snapshot:
        begun = time.monotonic()
        listed, complete, pages = await self._list_all()
        if not details:
            snapshot = Snapshot(listed, complete, pages=pages, at=self._clock(), begun=begun)
            self._last[False] = (time.monotonic(), snapshot)
            return snapshot
        running = [i for i in listed if i.is_running]
        stale = [i for i in running if self._stale(i)]
        detailed: dict[str, Instance | None] = {}
        queue = iter(stale)

        async def worker() -> None:  # a few workers, not a task per instance: 1,000 tasks at once cost ~10 ms
            for listed in queue:
                detailed[listed.id] = await self._detail(listed)
                # Reading an answer and sending the next request are each half a millisecond of httpx:
                # an ack arriving meanwhile waits for one of them, not both.
                await asyncio.sleep(0)

        await asyncio.gather(*(worker() for _ in range(min(self._workers, len(stale)))))
        merged = {iid: i for iid, i in detailed.items() if i is not None}
        gone = {iid for iid, i in detailed.items() if i is None}
        async for instance in in_turns(running):  # a thousand merges would hold up acks for ~10 ms
            if instance.id not in merged and instance.id not in gone:
                merged[instance.id] = self._known(instance)
        if complete:  # forget what is no longer listed (a partial read proves nothing)
            listed_ids = {i.id for i in listed}
            for forgotten in [k for k in self._details if k not in listed_ids]:
                del self._details[forgotten]
        instances = tuple(merged.get(i.id, i) for i in listed if i.id not in gone)
        snapshot = Snapshot(
            instances, complete, details_read=len(stale), pages=pages, at=self._clock(), begun=begun
        )
        self._last[True] = self._last[False] = (time.monotonic(), snapshot)
        return snapshot

    def known(self, instance_id: str) -> Instance | None:
        """The instance as the newest read listed it, however old that read (None: not read, or not
        listed): for its name, never for its state."""
        for _, snapshot in sorted(self._last.values(), key=lambda taken: -taken[0]):
            found = snapshot.find(instance_id)
            if found is not None:
                return found
        return None

    def recent(self, max_age: float) -> Snapshot | None:
        """The newest read of any kind if it is at most `max_age` seconds old, without reading."""
        newest = self._last.get(False)
        return newest[1] if newest is not None and time.monotonic() - newest[0] <= max_age else None

    async def _list_all(self) -> tuple[tuple[Instance, ...], bool, int]:
        async def fetch(limit: int, offset: int) -> tuple[tuple[Instance, ...], int]:
            page = await self._nebula.list_instances(limit, offset)
            return page.instances, page.rows

        read = await read_all(fetch, lambda i: i.id, size=PAGE_SIZE)
        if read.repeated and not self._repeating:
            self._repeating = True  # said once: Nebula does not change its ways between two reads
            logs.warning("nebula.paging_repeated", what="instances", pages=read.pages)
        return read.items, read.complete, read.pages

    async def look(self, instance_id: str) -> Instance | None:
        """One instance's detail: None only when Nebula answers that it does not know it (gone).
        Raises NebulaError when Nebula cannot say."""
        async with self._slots:
            try:
                return await self._nebula.get_instance(instance_id)
            except NebulaNotFound:
                return None

    def _stale(self, listed: Instance) -> bool:
        """Whether `listed`'s detail must be read: new here, its status changed, or read too long ago."""
        known = self._details.get(listed.id)
        if known is None:
            return True
        read_at, status, _ = known
        return status != listed.status_word or self._clock() - read_at >= spread(listed.id, self._refresh)

    def _known(self, listed: Instance) -> Instance:
        """The detail read before, with the list's fresh fields over it, and its running time and cost
        carried forward to now (the list has neither)."""
        read_at, _, detail = self._details[listed.id]
        fresh = {name: value for name, value in listed.model_dump().items() if value is not None}
        hours_since = max(0.0, self._clock() - read_at) / 3600
        hours, cost = running_hours(detail.running_time), money(detail.total_cost)
        price = money(listed.price_per_hour or detail.price_per_hour)
        if hours is not None:
            fresh["running_time"] = f"{hours + hours_since:.4f} hours"
        if cost is not None and price is not None:
            fresh["total_cost"] = f"${cost + price * hours_since:.4f}"
        return detail.model_copy(update=fresh)

    async def _detail(self, listed: Instance) -> Instance | None:
        """`listed` with its detail's fields added; None when Nebula no longer knows it."""
        try:
            detail = await self.look(listed.id)
        except NebulaError:
            return listed
        if detail is None:
            self._details.pop(listed.id, None)
            return None
        extra = {name: value for name, value in detail.model_dump().items() if value is not None}
        merged = listed.model_copy(update=extra)
        self._details[listed.id] = (self._clock(), listed.status_word, merged)
        return merged
