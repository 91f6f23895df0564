"""Long loops on the event loop, taken in turns: a fleet of thousands must not hold up an ack.

Slack wants an answer within three seconds, and a person notices far less, but an ack that arrives
while a loop holds the event loop waits for it to let go. A loop over every instance of a large
fleet (validating a page, merging details, working out costs) lets other tasks run whenever it has
held the loop for `HOLD`, however long each item takes (a count of items was tried: one item's work
varies tenfold between a list row and a merge, and turns of 32 held the loop for 3 ms).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Final, TypeVar

T = TypeVar("T")

# An ack takes about 1.5 ms of the loop's time: a turn of a quarter of that delays it little.
HOLD: Final = 0.0003


async def in_turns(
    items: Iterable[T], hold: float = HOLD, clock: Callable[[], float] = time.perf_counter
) -> AsyncIterator[T]:
    """`items` one by one, letting the loop run other tasks whenever the caller's work on them has
    held it for `hold` seconds."""
    began = clock()
    for item in items:
        yield item
        if clock() - began >= hold:
            await asyncio.sleep(0)
            began = clock()
