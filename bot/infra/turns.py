"""Long loops on the event loop, taken in turns: a fleet of thousands must not hold up an ack.

Slack wants an answer within three seconds, and a person notices far less: a loop over every
instance of a large fleet (merging details, working out costs) lets other tasks run every few
dozen items rather than holding the loop for tens of milliseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Final, TypeVar

T = TypeVar("T")

# About a tenth of a millisecond of work per item at most: a turn stays well under a millisecond.
TURN: Final = 32


async def in_turns(items: Iterable[T], size: int = TURN) -> AsyncIterator[T]:
    """`items` one by one, letting the loop run other tasks after every `size` of them."""
    for n, item in enumerate(items, 1):
        yield item
        if n % size == 0:
            await asyncio.sleep(0)
