"""Time, as the bot reads it (a test moves a fake clock instead of sleeping), and waiting on tasks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

# The bot's notion of now, in seconds since the epoch (`time.time`, or a test's clock).
Clock = Callable[[], float]
# Waiting out a span of that clock (`pause`, or a test's, which ends when the test moves its clock).
Pause = Callable[[asyncio.Event, float], Awaitable[None]]


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def finish_within(task: asyncio.Task[Any], seconds: float) -> None:
    """Let `task` end by itself within `seconds`, else cancel it (and do not wait again)."""
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
