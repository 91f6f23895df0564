"""Doing a person's job at most once in a while (a Home republished after their changes, say)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Throttle:
    """Runs each key's job at most once every `every` seconds: an ask made too soon waits its turn, and
    asks made while one waits join it."""

    def __init__(self, every: float) -> None:
        self._every = every
        self._last: dict[str, float] = {}  # key -> monotonic time its job last finished
        self._due: dict[str, asyncio.Task[None]] = {}

    def ask(self, key: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` for `key` as soon as its turn comes (now, if it has been long enough)."""
        if key in self._due:
            return
        wait = max(0.0, self._last.get(key, -self._every) + self._every - time.monotonic())
        task = asyncio.create_task(self._later(key, job, wait))
        self._due[key] = task
        task.add_done_callback(lambda _: self._due.pop(key, None))

    def done(self, key: str) -> None:
        """`key`'s job just ran (also when it ran without asking, as on opening Home)."""
        self._last[key] = time.monotonic()

    async def _later(self, key: str, job: Callable[[], Awaitable[None]], wait: float) -> None:
        await asyncio.sleep(wait)
        try:
            await job()
        finally:
            self.done(key)
