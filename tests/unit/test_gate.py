"""The gate in front of Nebula (issue #24): never more calls than slots, changes first, people in turn,
a clear "busy" instead of a long wait, and no slot lost to a cancelled wait."""

from __future__ import annotations

import asyncio

import pytest

from bot.nebula.errors import NebulaBusy
from bot.nebula.gate import Gate, acting_for


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_no_more_calls_run_than_there_are_slots_and_every_call_runs() -> None:
    gate = Gate(3, per_person=100, waiting=100)
    running = peak = 0
    release = asyncio.Event()

    async def call() -> None:
        nonlocal running, peak
        async with gate.slot(change=False):
            running += 1
            peak = max(peak, running)
            await release.wait()
            running -= 1

    calls = [asyncio.create_task(call()) for _ in range(10)]
    await settle()
    assert (running, gate.waiting) == (3, 7)
    release.set()
    await asyncio.gather(*calls)
    assert peak == 3


async def test_changes_go_first_then_people_take_turns() -> None:
    gate = Gate(1, per_person=100, waiting=100)
    order: list[str] = []
    hold = asyncio.Event()

    async def call(person: str, label: str, change: bool = False) -> None:
        with acting_for(person):
            async with gate.slot(change=change):
                order.append(label)
                await hold.wait()

    first = asyncio.create_task(call("x", "first"))
    await settle()
    waiting = [asyncio.create_task(call("alice", f"alice-{n}")) for n in range(3)]
    waiting += [asyncio.create_task(call("bob", f"bob-{n}")) for n in range(2)]
    waiting.append(asyncio.create_task(call("carol", "delete", change=True)))
    await settle()
    hold.set()
    await asyncio.gather(first, *waiting)
    assert order == ["first", "delete", "alice-0", "bob-0", "alice-1", "bob-1", "alice-2"]


async def test_a_person_with_too_many_calls_waiting_is_told_nebula_is_busy_at_once() -> None:
    gate = Gate(1, per_person=2, waiting=100)
    hold = asyncio.Event()

    async def call() -> None:
        with acting_for("alice"):
            async with gate.slot(change=False):
                await hold.wait()

    calls = [asyncio.create_task(call()) for _ in range(3)]  # one runs, two wait
    await settle()
    with acting_for("alice"), pytest.raises(NebulaBusy):
        async with gate.slot(change=False):
            raise AssertionError("not reached")
    with acting_for("bob"):  # another person still gets in line
        bob = asyncio.create_task(gate.slot(change=False).__aenter__())
        await settle()
        assert not bob.done()
    hold.set()
    await asyncio.gather(*calls)
    await bob
    assert gate.busy_refusals == 1


async def test_a_cancelled_wait_gives_its_turn_away() -> None:
    gate = Gate(1, per_person=100, waiting=100)
    hold = asyncio.Event()
    done: list[int] = []

    async def call(n: int) -> None:
        async with gate.slot(change=False):
            await hold.wait()
            done.append(n)

    first = asyncio.create_task(call(0))
    await settle()
    cancelled = asyncio.create_task(call(1))
    last = asyncio.create_task(call(2))
    await settle()
    cancelled.cancel()
    hold.set()
    await asyncio.gather(first, last)
    assert done == [0, 2]
    async with gate.slot(change=False):  # the slot is free again: nothing leaked
        pass
