"""How many Nebula calls run at once, and in what order the others wait.

Fewer calls run than the client's pool has connections, so no call ever waits inside httpcore's pool
(where a cancelled wait strands a connection slot: encode/httpcore#1093, #830). Waiting calls are
served fairly: state changes first (a confirmed delete must not queue behind a burst of look-ups),
then one person's call after another's in turn. A person with too many calls waiting, or a queue
that is too long, gets `NebulaBusy` at once rather than a timeout later.

Whose call it is comes from a context variable set where a request is handled (`acting_for`), so
the client's callers need not pass it along.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Final

from bot.nebula.errors import NebulaBusy

_PERSON: Final = contextvars.ContextVar("nebula_person", default="bot")


@contextmanager
def acting_for(person: str) -> Iterator[None]:
    """Nebula calls made inside (and in tasks started inside) are `person`'s."""
    token = _PERSON.set(person)
    try:
        yield
    finally:
        _PERSON.reset(token)


class Gate:
    """At most `capacity` calls at once; the rest wait their turn, or are told Nebula is busy."""

    def __init__(self, capacity: int, *, per_person: int, waiting: int) -> None:
        self._free = capacity
        self._per_person = per_person
        self._max_waiting = waiting
        self._changes: deque[asyncio.Future[None]] = deque()
        self._reads: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        self.busy_refusals = 0

    @property
    def waiting(self) -> int:
        """How many calls are waiting for a slot."""
        return len(self._changes) + sum(len(q) for q in self._reads.values())

    @asynccontextmanager
    async def slot(self, *, change: bool) -> AsyncIterator[None]:
        """Hold a slot for one call. A change always waits; a read may be refused with NebulaBusy."""
        if self._free > 0 and not self.waiting:
            self._free -= 1
        else:
            await self._wait(change)
        try:
            yield
        finally:
            self._release()

    async def _wait(self, change: bool) -> None:
        person = _PERSON.get()
        if not change:
            mine = self._reads.get(person)
            if (mine is not None and len(mine) >= self._per_person) or self.waiting >= self._max_waiting:
                self.busy_refusals += 1
                raise NebulaBusy()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._changes if change else self._reads.setdefault(person, deque())
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot was handed over just as the wait was cancelled: pass it on
            elif turn in queue:
                queue.remove(turn)
            self._forget_empty(person)
            raise

    def _release(self) -> None:
        turn = self._next()
        if turn is None:
            self._free += 1
        else:
            turn.set_result(None)  # the slot goes straight to the next waiter

    def _next(self) -> asyncio.Future[None] | None:
        while self._changes:
            turn = self._changes.popleft()
            if not turn.done():
                return turn
        while self._reads:
            person, queue = next(iter(self._reads.items()))
            waiter = queue.popleft() if queue else None
            # This person goes to the back of the line; the next one is served next time.
            self._reads.move_to_end(person)
            self._forget_empty(person)
            if waiter is not None and not waiter.done():
                return waiter
        return None

    def _forget_empty(self, person: str) -> None:
        queue = self._reads.get(person)
        if queue is not None and not queue:
            del self._reads[person]
