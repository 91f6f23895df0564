"""One contract, two stores: SQLite (embedded) and Redis (shared by replicas). Both real."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.audit import AuditRecord
from bot.model import Confirmation, Instance, InstanceOutcome, State, Status, new_confirmation_id
from bot.store import ConfirmationStore, open_store
from bot.verbs import DELETE

Opener = Callable[[], Awaitable[ConfirmationStore]]


@pytest.fixture(params=["sqlite", "redis"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens a new connection to the same store each call, like a second replica or a restart."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    else:
        url = request.getfixturevalue("redis_url")
    opened: list[ConfirmationStore] = []

    async def open_one() -> ConfirmationStore:
        store = await open_store(url)
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        await store.close()


def pending(now: float, ttl: float = 600, requester: str = "U1") -> Confirmation:
    return Confirmation(
        id=new_confirmation_id(),
        verb=DELETE,
        instances=(Instance(id="i-1", host_name="box", gpu_count="2"),),
        requester=requester,
        team_id="T1",
        channel_id="C1",
        response_url="https://hooks.example/r",
        created_at=now,
        expires_at=now + ttl,
    )


async def test_round_trip(opener: Opener) -> None:
    store = await opener()
    action = pending(time.time())
    await store.add(action)
    record = await store.get(action.id)
    assert record is not None
    assert record.confirmation == action
    assert record.state is State.PENDING
    assert await store.get("no-such-id") is None


async def test_exactly_one_of_many_concurrent_claims_wins_across_connections(opener: Opener) -> None:
    replicas = [await opener() for _ in range(3)]
    now = time.time()
    action = pending(now)
    await replicas[0].add(action)

    attempts = [
        replicas[i % 3].decide(action.id, State.CLAIMED if i % 2 else State.CANCELLED, f"U{i}", now + 1)
        for i in range(30)
    ]
    results = await asyncio.gather(*attempts)

    winners = [r for r in results if r.won]
    assert len(winners) == 1
    final = await replicas[2].get(action.id)
    assert final is not None
    assert final.state in (State.CLAIMED, State.CANCELLED)
    assert winners[0].entry == final


async def test_claim_and_cancel_only_before_expiry_and_expire_only_after(opener: Opener) -> None:
    store = await opener()
    now = time.time()
    action = pending(now, ttl=10)
    await store.add(action)

    assert not (await store.decide(action.id, State.EXPIRED, "system", now + 5)).won
    assert not (await store.decide(action.id, State.CLAIMED, "U1", now + 10)).won
    assert not (await store.decide(action.id, State.CANCELLED, "U1", now + 11)).won
    expired = await store.decide(action.id, State.EXPIRED, "system", now + 10)
    assert expired.won
    assert expired.entry is not None
    assert expired.entry.state is State.EXPIRED
    assert not (await store.decide(action.id, State.EXPIRED, "system", now + 12)).won


async def test_a_decided_confirmation_never_moves_again(opener: Opener) -> None:
    store = await opener()
    now = time.time()
    action = pending(now)
    await store.add(action)
    assert (await store.decide(action.id, State.CLAIMED, "U1", now)).won
    for state in (State.CLAIMED, State.CANCELLED, State.EXPIRED):
        assert not (await store.decide(action.id, state, "U1", now + 10_000)).won
    with pytest.raises(ValueError, match="cannot decide"):
        await store.decide(action.id, State.DONE, "U1", now)


async def test_finish_records_the_outcome_once_and_only_after_a_claim(opener: Opener) -> None:
    store = await opener()
    now = time.time()
    action = pending(now)
    await store.add(action)
    outcome = (InstanceOutcome("i-1", Status.SUCCESS, "Instances deleted successfully", 200),)

    assert not await store.finish(action.id, outcome), "a pending confirmation has no outcome"
    await store.decide(action.id, State.CLAIMED, "U1", now)
    assert await store.finish(action.id, outcome)
    assert not await store.finish(action.id, outcome)
    record = await store.get(action.id)
    assert record is not None
    assert (record.state, record.outcomes, record.decided_by) == (State.DONE, outcome, "U1")


async def test_overdue_and_stale_claims_are_found(opener: Opener) -> None:
    store = await opener()
    now = time.time()
    late, fresh, crashed, finished = (pending(now, ttl) for ttl in (5, 600, 600, 600))
    for action in (late, fresh, crashed, finished):
        await store.add(action)
    await store.decide(crashed.id, State.CLAIMED, "U1", now)
    await store.decide(finished.id, State.CLAIMED, "U1", now)
    await store.finish(finished.id, (InstanceOutcome("i-1", Status.SUCCESS, "ok"),))

    assert [r.confirmation.id for r in await store.overdue(now + 6)] == [late.id]
    assert await store.overdue(now + 1) == []
    assert [r.confirmation.id for r in await store.stale_claims(now + 1)] == [crashed.id]
    assert await store.stale_claims(now - 1) == []


async def test_state_survives_reconnecting(opener: Opener) -> None:
    first = await opener()
    action = pending(time.time())
    await first.add(action)
    await first.audit(AuditRecord(ts=1.0, step="requested", verb="delete", outcome="pending"))
    await first.close()
    second = await opener()
    assert (await second.get(action.id)) is not None
    assert len(await second.recent_audit(10)) == 1


async def test_audit_is_newest_first_and_limited(opener: Opener) -> None:
    store = await opener()
    for i in range(5):
        await store.audit(
            AuditRecord(
                ts=float(i),
                step="executed",
                verb="delete",
                outcome="success",
                actor="U1",
                instance=f"i-{i}",
                message="Instances deleted successfully",
                latency_ms=i,
            )
        )
    recent = await store.recent_audit(3)
    assert [r.instance for r in recent] == ["i-4", "i-3", "i-2"]
    assert recent[0] == AuditRecord(
        ts=4.0,
        step="executed",
        verb="delete",
        outcome="success",
        actor="U1",
        instance="i-4",
        message="Instances deleted successfully",
        latency_ms=4,
    )


async def test_ping(opener: Opener) -> None:
    await (await opener()).ping()
