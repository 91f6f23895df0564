"""Several replicas behind a load balancer share one Redis: one truth, one DELETE per confirmation."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.confirmation import State
from bot.slack.messages import action_ids
from bot.store import open_store
from tests.e2e.watching import HOUR, WATCH
from tests.helpers import buttons, shown
from tests.standins.slack_driver import Driver
from tests.standins.stack import ALICE, INSTANCE, Stack, eventually


@pytest.fixture
async def replicas(http_stack: Stack, redis_url: str) -> tuple[Stack, Driver, Driver]:
    http_stack.nebula.add(INSTANCE)
    _, a = await http_stack.start_bot(nebula_bot_state_url=redis_url)
    _, b = await http_stack.start_bot(nebula_bot_state_url=redis_url)
    return http_stack, a, b


async def test_posted_by_one_replica_carried_out_by_another(replicas: tuple[Stack, Driver, Driver]) -> None:
    stack, a, b = replicas
    cid = await stack.request(a)

    outcome = await stack.confirm(b, cid)

    assert "Instances deleted successfully" in shown(outcome)
    assert len(stack.nebula.deletes()) == 1


async def test_six_concurrent_clicks_over_two_replicas_delete_once(
    replicas: tuple[Stack, Driver, Driver],
) -> None:
    stack, a, b = replicas
    cid = await stack.request(a)

    clicks = await asyncio.gather(
        *((a if i % 2 else b).click(ALICE, action_ids.CONFIRM, cid) for i in range(6))
    )

    urls = [url for _, url in clicks]
    # One click wins (the outcome goes to the thread); the five others are told it is already handled.
    await eventually(lambda: sum(len(stack.slack.posts_to(u)) for u in urls) == 5)
    await eventually(lambda: "Details in the thread" in shown(stack.showing(cid)))
    assert len(stack.nebula.deletes()) == 1


async def test_expiry_is_shared(replicas: tuple[Stack, Driver, Driver]) -> None:
    stack, a, b = replicas
    cid = await stack.request(a)
    stack.clock.advance(601)

    await b.click(ALICE, action_ids.CONFIRM, cid)

    await eventually(lambda: "expired" in shown(stack.showing(cid)))
    assert stack.nebula.deletes() == []


async def test_a_claim_left_by_a_crashed_replica_is_reported_once_and_never_run(
    http_stack: Stack, redis_url: str
) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    replica_a, a = await stack.start_bot(nebula_bot_state_url=redis_url)
    replica_b, b = await stack.start_bot(nebula_bot_state_url=redis_url)
    cid = await stack.request(a)
    ts = stack._carrier(cid)
    # What a replica that crashed right after its claim leaves behind: claimed, no outcome.
    store = await open_store(redis_url)
    assert (await store.decide(cid, State.CLAIMED, ALICE, stack.clock())).won
    await store.close()

    stack.clock.advance(10 * 60)  # long past any live replica's Nebula call
    # Both replicas' sweepers see it at once; exactly one reports it, in the confirmation's thread.
    assert replica_a.core is not None
    assert replica_b.core is not None
    reported = await asyncio.gather(replica_a.core.sweep(), replica_b.core.sweep())
    # (A loop's own pass may have come first: then neither reports.)
    assert sum(sweep.recovered for sweep in reported) <= 1
    await eventually(lambda: bool(stack.slack.thread(ts)))
    [report] = stack.slack.thread(ts)
    assert report.broadcast
    assert "outcome unknown: check with the Nebula console" in shown(report.body)

    [again] = await stack.click(b, ALICE, cid)
    assert "already carried out" in shown(again)
    assert buttons(again) == {}
    assert stack.nebula.deletes() == []
    assert len(stack.slack.thread(ts)) == 1, "reported by one replica only"


async def test_two_replicas_run_one_watcher_cycle_per_interval(http_stack: Stack, redis_url: str) -> None:
    stack = http_stack
    stack.nebula.add(INSTANCE)
    settings = {**WATCH, "nebula_bot_state_url": redis_url}
    first, _ = await stack.start_bot(**settings)
    second, _ = await stack.start_bot(**settings)
    assert first.core is not None
    assert second.core is not None
    ran = await asyncio.gather(first.core.tick(), second.core.tick())
    assert sum(cycle is not None for cycle in ran) == 1
    reads = [c for c in stack.nebula.calls if "/computing/instances" in c.path and "offset=0" in c.path]
    assert len(reads) == 1  # the fleet read once for both
    stack.clock.advance(HOUR)  # the next interval: one of them again
    ran = await asyncio.gather(first.core.tick(), second.core.tick())
    assert sum(cycle is not None for cycle in ran) == 1
