"""One contract, two stores: SQLite (embedded) and Redis (shared by replicas). Both real."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.domain.audit import AuditLine
from bot.domain.confirmation import Confirmation, InstanceOutcome, State, Status, new_confirmation_id
from bot.domain.fleet.instance import Instance
from bot.domain.records import Lease
from bot.domain.verbs import DELETE
from bot.store import Store, open_store
from bot.store.records import Records

Opener = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["sqlite", "redis"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens a new connection to the same store each call, like a second replica or a restart."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    else:
        url = request.getfixturevalue("redis_url")
    opened: list[Store] = []

    async def open_one() -> Store:
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
        workspace="T1",
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
    await first.append(AuditLine(ts=1.0, step="requested", verb="delete", outcome="pending"))
    await first.close()
    second = await opener()
    assert (await second.get(action.id)) is not None
    assert len(await second.recent(10)) == 1


async def test_audit_is_newest_first_and_limited(opener: Opener) -> None:
    store = await opener()
    for i in range(5):
        await store.append(
            AuditLine(
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
    recent = await store.recent(3)
    assert [r.instance for r in recent] == ["i-4", "i-3", "i-2"]
    assert recent[0] == AuditLine(
        ts=4.0,
        step="executed",
        verb="delete",
        outcome="success",
        actor="U1",
        instance="i-4",
        message="Instances deleted successfully",
        latency_ms=4,
    )


async def test_adding_an_id_twice_changes_nothing(opener: Opener) -> None:
    store = await opener()
    first = pending(time.time())
    assert await store.add(first) is True
    again = Confirmation(**{**first.__dict__, "requester": "U9"})
    assert await (await opener()).add(again) is False
    entry = await store.get(first.id)
    assert entry is not None
    assert entry.confirmation.requester == "U1"


async def test_records_swap_only_from_what_was_read(opener: Opener) -> None:
    store = await opener()
    assert await store.record("lease", "i-1") is None
    assert await store.swap_record("lease", "i-1", None, '{"rev":"a"}') is True
    assert await store.swap_record("lease", "i-1", None, '{"rev":"b"}') is False  # already there
    assert await store.swap_record("lease", "i-1", '{"rev":"x"}', '{"rev":"b"}') is False  # not what was read
    assert await store.swap_record("lease", "i-1", '{"rev":"a"}', '{"rev":"b"}') is True
    assert await store.record("lease", "i-1") == '{"rev":"b"}'
    assert await store.records("lease") == {"i-1": '{"rev":"b"}'}
    assert await store.records("reminder") == {}
    assert await store.swap_record("lease", "i-1", '{"rev":"a"}', None) is False
    assert await store.swap_record("lease", "i-1", '{"rev":"b"}', None) is True
    assert await (await opener()).record("lease", "i-1") is None


async def test_of_many_concurrent_swaps_exactly_one_wins(opener: Opener) -> None:
    stores = [await opener() for _ in range(4)]
    await stores[0].swap_record("reminder", "i-1", None, '{"rev":"0"}')
    results = await asyncio.gather(
        *(
            stores[n % 4].swap_record("reminder", "i-1", '{"rev":"0"}', f'{{"rev":"{n + 1}"}}')
            for n in range(20)
        )
    )
    assert results.count(True) == 1
    winner = results.index(True) + 1
    assert await stores[1].record("reminder", "i-1") == f'{{"rev":"{winner}"}}'


async def test_typed_records_read_what_a_newer_version_wrote_and_skip_what_none_could(opener: Opener) -> None:
    store = await opener()
    records = Records(store)
    lease = Lease("i-1", "box", 100.0, "U1", 50.0, "C1", "T1", "stop")
    held = await records.put(None, lease)
    assert held is not None
    assert (await records.get(Lease, "i-1")) == held
    assert await records.put(None, lease) is None  # a second writer that read "no record" loses
    newer = json.dumps({**json.loads(held.text), "owner": "U7", "rev": "z"})
    assert await store.swap_record("lease", "i-1", held.text, newer)
    read = await records.get(Lease, "i-1")
    assert read is not None
    assert read.record == lease
    await store.swap_record("lease", "i-2", None, "{not json")
    await store.swap_record("lease", "i-3", None, json.dumps({"instance_id": "i-3"}))  # fields missing
    assert await records.get(Lease, "i-2") is None
    assert [h.record.instance_id for h in await records.all(Lease)] == ["i-1"]
    assert await records.remove(read)
    assert await records.get(Lease, "i-1") is None
