"""The undo window and protections: a scheduled change goes once, unless undone or protected first."""

from __future__ import annotations

from bot.domain.commands import ProtectCommand, UnprotectCommand
from bot.domain.confirmation import State
from tests.service.conftest import Build
from tests.service.test_requests_and_decisions import asked, state
from tests.standins.stack import ALICE, BOB, INSTANCE


async def test_a_confirmed_delete_waits_out_the_window_then_goes_once(bench: Build) -> None:
    b = await bench(undo_seconds=60.0)
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    await b.core.decisions.confirm(b.actor(), b.to(), cid)
    assert await state(b, cid) is State.SCHEDULED
    assert await b.core.undo.send_due() == 0  # still inside the window
    b.clock.advance(61)
    assert await b.core.undo.send_due() == 1
    assert await b.core.undo.send_due() == 0
    assert len(b.nebula.deletes()) == 1
    assert await state(b, cid) is State.DONE


async def test_undo_inside_the_window_means_nothing_is_sent(bench: Build) -> None:
    b = await bench(undo_seconds=60.0)
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    await b.core.decisions.confirm(b.actor(), b.to(), cid)
    await b.core.undo.undo(b.actor(), b.to(), cid)
    b.clock.advance(61)
    assert await b.core.undo.send_due() == 0
    assert await state(b, cid) is State.CANCELLED
    assert b.nebula.changes() == []


async def test_protecting_closes_open_and_scheduled_changes_and_unprotecting_revives_none(
    bench: Build,
) -> None:
    b = await bench(undo_seconds=60.0)
    b.nebula.add(INSTANCE)
    waiting = await asked(b)
    scheduled = await asked(b)
    await b.core.decisions.confirm(b.actor(), b.to(), scheduled)
    await b.core.protection.protect(b.actor(BOB), b.to(BOB), ProtectCommand(INSTANCE, "eval"))
    assert await state(b, waiting) is State.CANCELLED
    assert await state(b, scheduled) is State.CANCELLED
    await b.core.protection.unprotect(b.actor(BOB), b.to(BOB), UnprotectCommand(INSTANCE))
    b.clock.advance(61)
    assert await b.core.undo.send_due() == 0
    await b.core.decisions.confirm(b.actor(ALICE), b.to(ALICE), waiting)
    assert b.nebula.changes() == []
    assert "already cancelled" in b.slack.texts()[-1]
