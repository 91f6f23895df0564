"""Versioned records: of concurrent writers every change lands, each exactly once, or the caller is told."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import cast

import pytest

from bot.core.rails import OwnChanges
from bot.domain.confirmation import Confirmation
from bot.domain.fleet.instance import Instance
from bot.domain.records import Changed, Protection, Reminder
from bot.domain.verbs import DELETE
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


async def test_all_decodes_again_only_what_changed_and_forgets_what_is_gone(bench: Build) -> None:
    # The decoded records `all` keeps between calls are keyed by the text they came from: a change by
    # another replica is read, never the copy decoded before it.
    store = (await bench()).store
    mine, theirs = Records(store), Records(store)
    for n in range(3):
        await theirs.put(None, Protection(f"i-{n}", "U1", float(n), "kept"))
    first = {v.record.instance_id: v for v in await mine.all(Protection)}
    again = {v.record.instance_id: v for v in await mine.all(Protection)}
    assert all(again[i].record is first[i].record for i in first)  # nothing changed: not decoded again
    assert await theirs.put(first["i-1"], Protection("i-1", "U2", 9.0, "changed")) is not None
    assert await theirs.remove(first["i-2"])
    after = {v.record.instance_id: v for v in await mine.all(Protection)}
    assert set(after) == {"i-0", "i-1"}
    assert after["i-0"].record is first["i-0"].record
    assert after["i-1"].record.reason == "changed"
    assert await mine.put(after["i-1"], Protection("i-1", "U3", 10.0, "mine")) is not None  # its version


def deleting(instance_id: str) -> Confirmation:
    return Confirmation("c", DELETE, (Instance(id=instance_id),), "U1", "T1", "C1", "", 0.0, 600.0)


class Counted:
    """The store, counting how often every record of a kind is read."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.read_all = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def records(self, kind: str) -> dict[str, str]:
        self.read_all += 1
        return await self._store.records(kind)


async def test_noting_changes_does_not_read_every_change_each_time(bench: Build) -> None:
    # Each delete read (and decoded) every change of the last week to forget old ones: at 20 deletes a
    # second that held the loop for milliseconds per delete, growing with the day (bench/run.py).
    b = await bench()
    counted = Counted(b.store)
    clock = [1_000_000.0]
    changes = OwnChanges(records=Records(cast(Store, counted)), clock=lambda: clock[0])
    for n in range(50):
        await changes.note(deleting(f"i-{n}"), "U1", f"i-{n}")
    assert counted.read_all == 1
    clock[0] += 8 * 86400  # a week on: the next change forgets the old ones
    await changes.note(deleting("i-new"), "U1", "i-new")
    assert [v.record.instance_id for v in await Records(b.store).all(Changed)] == ["i-new"]
