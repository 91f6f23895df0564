"""Work handed off by a request: counted from the hand-off, started once the burst's acks are out."""

from __future__ import annotations

import asyncio

from bot.infra.inflight import AcksFirst, InFlight
from tests.standins.stack import eventually

HOUR = 3600.0


class Started:
    """Which pieces of work have begun, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    async def work(self, name: str) -> None:
        self.names.append(name)


async def turns(count: int = 20) -> None:
    """Let the loop run everything that is ready (and no timer far in the future)."""
    for _ in range(count):
        await asyncio.sleep(0)


async def stop(name: str) -> None:
    """Cancel the spawned task `name` (as a shutdown past its drain timeout does), and wait for it."""
    (task,) = [t for t in asyncio.all_tasks() if t.get_name() == name]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_request_alone_starts_its_work_at_once() -> None:
    started, inflight = Started(), InFlight(AcksFirst(quiet=HOUR, longest=HOUR))
    inflight.spawn(started.work("a"), "a")
    await turns()
    assert started.names == ["a"]
    assert await inflight.drain(1.0)


async def test_work_waits_while_requests_keep_coming_and_is_counted_from_the_hand_off() -> None:
    started, inflight = Started(), InFlight(AcksFirst(quiet=HOUR, longest=HOUR))
    for name in "abc":
        inflight.spawn(started.work(name), name)
    await turns()
    assert started.names == ["a"]
    assert inflight.count == 2  # a shutdown now still waits for them
    assert not await inflight.drain(0.05)
    await stop("b")
    await stop("c")


async def test_work_starts_once_no_request_has_come_for_the_quiet_time() -> None:
    started, inflight = Started(), InFlight(AcksFirst(quiet=0.01, longest=HOUR))
    inflight.spawn(started.work("a"), "a")
    inflight.spawn(started.work("b"), "b")
    await eventually(lambda: started.names == ["a", "b"])
    assert await inflight.drain(1.0)
    assert inflight.count == 0


async def test_endless_requests_hold_work_back_no_longer_than_the_longest_and_in_order() -> None:
    started, inflight = Started(), InFlight(AcksFirst(quiet=HOUR, longest=0.01))
    for name in "abc":
        inflight.spawn(started.work(name), name)
    await eventually(lambda: started.names == ["a", "b", "c"])


async def test_work_stopped_while_held_never_runs_and_is_no_longer_counted() -> None:
    started, inflight = Started(), InFlight(AcksFirst(quiet=HOUR, longest=HOUR))
    inflight.spawn(started.work("a"), "a")
    inflight.spawn(started.work("b"), "b")
    await turns()
    await stop("b")
    assert await inflight.drain(1.0)
    assert started.names == ["a"]
