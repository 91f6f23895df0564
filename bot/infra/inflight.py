"""Tracking work that outlives its request, so that shutdown can wait for it, and starting it once the
acks of a burst are out."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Final

from bot.infra import logs

# Work handed off by a request in a burst (another came less than QUIET seconds before) waits until no
# request has handed off work for QUIET seconds, or for at most LONGEST seconds. Slack's 3 s for an
# ack is a hard limit, the work's pace is not: in a burst, each ack would otherwise wait for the CPU
# of the work the requests before it started (Nebula connections, store writes) as well as for their
# acks. A request alone starts its work at once (held, a steady stream's work would meet the next
# request's ack instead).
QUIET: Final = 0.01
LONGEST: Final = 0.2


class AcksFirst:
    """Holds work back while requests keep coming: one timer, however many are held."""

    def __init__(self, quiet: float = QUIET, longest: float = LONGEST) -> None:
        self._quiet = quiet
        self._longest = longest
        self._last = float("-inf")
        self._held: deque[tuple[float, asyncio.Future[None]]] = deque()  # by when each must start
        self._timer: asyncio.TimerHandle | None = None

    def hold(self) -> asyncio.Future[None]:
        """A request handed off work now: a future that is done when the work may start (at once,
        unless another request came within the quiet time: a request alone is not held)."""
        loop = asyncio.get_running_loop()
        now, last = loop.time(), self._last
        self._last = now
        held = loop.create_future()
        if not self._held and now - last >= self._quiet:
            held.set_result(None)
            return held
        self._held.append((now + self._longest, held))
        if self._timer is None:
            self._timer = loop.call_at(now + min(self._quiet, self._longest), self._release)
        return held

    def _release(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        quiet = now >= self._last + self._quiet
        while self._held and (quiet or self._held[0][0] <= now):
            _, held = self._held.popleft()
            if not held.done():
                held.set_result(None)
        self._timer = None
        if self._held:
            self._timer = loop.call_at(min(self._last + self._quiet, self._held[0][0]), self._release)


class InFlight:
    """Counts running operations; `drain` waits until there are none (or a deadline passes)."""

    def __init__(self, acks_first: AcksFirst | None = None) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()  # kept, or the loop might collect them midway
        self._acks_first = acks_first or AcksFirst()

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` after the ack (and after the acks of requests still coming in a burst), counted
        from this moment (not from when it first runs), so that a shutdown right after the ack still
        waits for it. A failure is logged; the work's own handling has already told the person."""
        self._count += 1
        self._idle.clear()
        task = asyncio.create_task(_logged(work, name, self._acks_first.hold()), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    @property
    def count(self) -> int:
        """How many operations are running now."""
        return self._count

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        """Mark the enclosed block as in flight."""
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def drain(self, within: float) -> bool:
        """Wait for running operations to finish. True if they all did within `within` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            return False
        return True


async def _logged(work: Coroutine[Any, Any, None], name: str, turn: asyncio.Future[None]) -> None:
    try:
        try:
            await turn
        except asyncio.CancelledError:
            work.close()  # stopped before it began: it never will
            raise
        await work
    except Exception:
        logs.failure("work.failed", task=name)
