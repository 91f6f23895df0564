"""The undo window and protections: a scheduled change goes once, unless undone or protected first."""

from __future__ import annotations

from bot.domain.confirmation import State
from bot.slack.messages import action_ids
from tests.service.conftest import Build
from tests.service.test_requests_and_decisions import asked, state
from tests.standins.stack import ALICE, BOB, INSTANCE


async def test_a_confirmed_delete_waits_out_the_window_then_goes_once(bench: Build) -> None:
    b = await bench(undo_seconds=60.0)
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    await b.click(action_ids.CONFIRM, cid)
    assert await state(b, cid) is State.SCHEDULED
    assert (await b.core.sweep()).sent == 0  # still inside the window
    b.clock.advance(61)
    assert (await b.core.sweep()).sent == 1
    assert (await b.core.sweep()).sent == 0
    assert len(b.nebula.deletes()) == 1
    assert await state(b, cid) is State.DONE


async def test_undo_inside_the_window_means_nothing_is_sent(bench: Build) -> None:
    b = await bench(undo_seconds=60.0)
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    await b.click(action_ids.CONFIRM, cid)
    await b.click(action_ids.UNDO, cid)
    b.clock.advance(61)
    assert (await b.core.sweep()).sent == 0
    assert await state(b, cid) is State.CANCELLED
    assert b.nebula.changes() == []


async def test_protecting_closes_open_and_scheduled_changes_and_unprotecting_revives_none(
    bench: Build,
) -> None:
    b = await bench(undo_seconds=60.0)
    b.nebula.add(INSTANCE)
    waiting = await asked(b)
    scheduled = await asked(b)
    await b.click(action_ids.CONFIRM, scheduled)
    await b.command(f"protect {INSTANCE} eval", BOB)
    assert await state(b, waiting) is State.CANCELLED
    assert await state(b, scheduled) is State.CANCELLED
    await b.command(f"unprotect {INSTANCE}", BOB)
    b.clock.advance(61)
    assert (await b.core.sweep()).sent == 0
    await b.click(action_ids.CONFIRM, waiting, ALICE)
    assert b.nebula.changes() == []
    assert "already cancelled" in b.texts()[-1]
