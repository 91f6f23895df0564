"""Loops taken in turns let the event loop run other tasks by the time they hold it, not by count."""

from __future__ import annotations

import asyncio

import pytest

from bot.infra.turns import in_turns


class Steps:
    """A clock that moves only when the work says it did."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio
async def test_the_loop_is_let_go_whenever_a_turn_has_held_it_for_hold() -> None:
    clock, seen = Steps(), list[int]()
    others_ran_after: list[int] = []

    async def other() -> None:
        while len(seen) < 10:
            others_ran_after.append(len(seen))
            await asyncio.sleep(0)

    bystander = asyncio.create_task(other())
    await asyncio.sleep(0)
    others_ran_after.clear()
    async for item in in_turns(range(10), hold=1.0, clock=clock):
        seen.append(item)
        clock.now += 0.4  # each item's work: a turn is three items (1.2 s >= 1.0)
    await bystander
    assert seen == list(range(10))
    # The bystander ran only between turns: after items 3, 6 and 9, never within a turn.
    assert sorted(set(others_ran_after)) == [3, 6, 9]


@pytest.mark.asyncio
async def test_quick_items_do_not_yield_at_all() -> None:
    clock, ran = Steps(), []

    async def other() -> None:
        ran.append(True)

    bystander = asyncio.create_task(other())
    items = [item async for item in in_turns(range(1000), hold=1.0, clock=clock)]
    assert items == list(range(1000))
    assert not ran  # no work took any time: the loop was never let go
    await bystander
