"""The commands a "Which one?" offers, kept in the store for its buttons to name by reference: a command
can be longer than a button's value may be (2,000 characters), and a choice is made once."""

from __future__ import annotations

import secrets
from typing import Final

from bot.domain.records import Choice
from bot.infra.clock import Clock
from bot.store import Records

# A choice is forgotten this long after it was offered (a newer one clears the older ones away).
CHOICE_TTL: Final = 3600.0


class Choices:
    """Offered and taken choices."""

    def __init__(self, *, records: Records, clock: Clock) -> None:
        self._records = records
        self._clock = clock

    async def offer(self, texts: list[str], user: str) -> str:
        """Keep `texts` (one command per candidate) for `user`'s choice; its token."""
        now = self._clock()
        for old in await self._records.all(Choice):
            if now - old.record.at > CHOICE_TTL:
                await self._records.remove(old)
        token = secrets.token_hex(12)
        await self._records.put(None, Choice(token, tuple(texts), user, now))
        return token

    async def take(self, token: str, index: int) -> str | None:
        """The command chosen, once (of two presses at once, one gets it); None when it was made already,
        was never offered, or is too old."""
        found = await self._records.get(Choice, token)
        if found is None or not 0 <= index < len(found.record.texts):
            return None
        if self._clock() - found.record.at > CHOICE_TTL or not await self._records.remove(found):
            return None
        return found.record.texts[index]
