"""Tracking work that outlives its request, so that shutdown can wait for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from bot.infra import logs


class InFlight:
    """Counts running operations; `drain` waits until there are none (or a deadline passes)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()  # kept, or the loop might collect them midway

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` after the ack, counted from this moment (not from when it first runs), so that a
        shutdown right after the ack still waits for it. A failure is logged; the work's own handling
        has already told the person."""
        self._count += 1
        self._idle.clear()
        task = asyncio.create_task(_logged(work, name), name=name)
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


async def _logged(work: Coroutine[Any, Any, None], name: str) -> None:
    try:
        await work
    except Exception:
        logs.failure("work.failed", task=name)
