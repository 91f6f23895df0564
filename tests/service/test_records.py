"""Versioned records: of concurrent writers every change lands, each exactly once, or the caller is told."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import cast

import pytest

from bot.domain.records import Protection, Reminder
from bot.store import RecordBusy, Records, Store
from tests.service.conftest import Build


def reminder(count: int = 0) -> Reminder:
    return Reminder("i-1", None, None, None, "C1", posted_at=0.0, quiet_until=float(count))


async def test_concurrent_updates_all_land_once_each(bench: Build) -> None:
    records = Records((await bench()).store)
    await records.put(None, reminder())

    def bump(r: Reminder) -> Reminder:
        return dataclasses.replace(r, quiet_until=r.quiet_until + 1)

    await asyncio.gather(*(records.update(Reminder, "i-1", bump) for _ in range(8)))
    found = await records.get(Reminder, "i-1")
    assert found is not None
    assert found.record.quiet_until == 8


async def test_a_stale_version_cannot_overwrite_a_newer_one(bench: Build) -> None:
    records = Records((await bench()).store)
    first = await records.put(None, Protection("i-1", "U1", 1.0, "first"))
    assert first is not None
    assert await records.put(first, Protection("i-1", "U2", 2.0, "second")) is not None
    assert await records.put(first, Protection("i-1", "U3", 3.0, "stale")) is None
    assert not await records.remove(first)
    found = await records.get(Protection, "i-1")
    assert found is not None
    assert found.record.reason == "second"


class Contested:
    """The store, with another writer that always gets its change in between a read and a swap."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def swap_record(self, kind: str, key: str, expected: str | None, new: str | None) -> bool:
        current = await self._store.record(kind, key)
        if current is not None:
            await self._store.swap_record(kind, key, current, current + " ")  # still the same record, newer
        return await self._store.swap_record(kind, key, expected, new)


async def test_an_update_that_keeps_losing_says_so(bench: Build) -> None:
    b = await bench()
    await Records(b.store).put(None, reminder())
    contested = Records(cast(Store, Contested(b.store)))
    with pytest.raises(RecordBusy):
        await contested.update(Reminder, "i-1", lambda r: dataclasses.replace(r, quiet_until=99))
    found = await Records(b.store).get(Reminder, "i-1")
    assert found is not None
    assert found.record.quiet_until == 0  # the change never landed half-way
