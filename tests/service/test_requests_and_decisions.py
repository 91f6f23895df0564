"""The confirmation's state machine: asked for, then confirmed or cancelled, exactly once."""

from __future__ import annotations

import asyncio

from bot.domain.confirmation import State
from bot.domain.policy import Rules
from bot.domain.verbs import DELETE, STOP, Verb
from bot.slack.messages import action_ids
from tests.helpers import buttons
from tests.service.conftest import Bench, Build
from tests.standins.stack import ALICE, BOB, INSTANCE


async def asked(bench: Bench, verb: Verb = DELETE, user: str = ALICE) -> str:
    """Ask for `verb` on INSTANCE; the new confirmation's id."""
    before = len(bench.slack.messages)
    await bench.command(f"{verb.name} {INSTANCE}", user)
    new = bench.slack.messages[before:]
    [posted] = [s for s in new if action_ids.CONFIRM in buttons(s.body) and not s.channel.startswith("D")]
    return str(buttons(posted.body)[action_ids.CONFIRM]["value"])


async def state(bench: Bench, cid: str) -> State:
    entry = await bench.store.get(cid)
    assert entry is not None
    return entry.state


async def test_a_request_is_stored_pending_and_posted_with_its_buttons(bench: Build) -> None:
    b = await bench()
    b.nebula.add(INSTANCE, host_name="trainer-1")
    cid = await asked(b)
    assert await state(b, cid) is State.PENDING
    assert "asked to *delete* this instance" in b.texts()[-1]
    assert b.nebula.changes() == []


async def test_confirm_claims_once_and_sends_once_however_often_it_is_clicked(bench: Build) -> None:
    b = await bench()
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    await asyncio.gather(*(b.click(action_ids.CONFIRM, cid) for _ in range(5)))
    assert len(b.nebula.deletes()) == 1
    assert await state(b, cid) is State.DONE
    assert sum("already confirmed" in t or "already carried out" in t for t in b.texts()) == 4


async def test_cancel_closes_for_good(bench: Build) -> None:
    b = await bench()
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    await b.click(action_ids.CANCEL, cid)
    await b.click(action_ids.CONFIRM, cid)
    assert await state(b, cid) is State.CANCELLED
    assert b.nebula.changes() == []
    assert "already cancelled" in b.texts()[-1]


async def test_someone_else_cannot_confirm(bench: Build) -> None:
    b = await bench()
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    await b.click(action_ids.CONFIRM, cid, BOB)
    assert await state(b, cid) is State.PENDING
    assert f"Only <@{ALICE}> can confirm this." in b.texts()[-1]


async def test_a_confirmation_past_its_time_expires_on_the_click(bench: Build) -> None:
    b = await bench()
    b.nebula.add(INSTANCE)
    cid = await asked(b)
    b.clock.advance(601)
    await b.click(action_ids.CONFIRM, cid)
    assert await state(b, cid) is State.EXPIRED
    assert b.nebula.changes() == []


async def test_the_two_person_rule_needs_another_approver(bench: Build) -> None:
    b = await bench(Rules(allowed_users=frozenset({ALICE, BOB}), approvers=frozenset({BOB})))
    b.nebula.add(INSTANCE)
    cid = await asked(b, STOP)
    await b.click(action_ids.CONFIRM, cid)
    assert await state(b, cid) is State.PENDING
    assert "someone else must approve it" in b.texts()[-1]
    await b.click(action_ids.CONFIRM, cid, BOB)
    assert [c.path.rsplit("/", 1)[1] for c in b.nebula.changes()] == ["stop"]


async def test_the_pending_limit_refuses_before_any_lookup(bench: Build) -> None:
    b = await bench(max_pending_per_user=2)
    b.nebula.add(INSTANCE)
    await asked(b)
    await asked(b)
    looked = len(b.nebula.calls)
    await b.command(f"delete {INSTANCE}")
    assert "already have 2 requests waiting" in b.texts()[-1]
    assert len(b.nebula.calls) == looked
