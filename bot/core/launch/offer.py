"""What Nebula offers for a launch (products, images, the team's SSH keys), read once for everyone who
asks at the same moment and kept a minute: two hundred people opening a launch at once cost Nebula
three reads, not six hundred."""

from __future__ import annotations

import asyncio
from typing import Final

from bot.domain.launch import Catalogue
from bot.infra.clock import Clock
from bot.nebula.client import NebulaClient

KEEP: Final = 60.0


class Offer:
    """The catalogue, read at most once a minute, one read at a time."""

    def __init__(self, *, nebula: NebulaClient, clock: Clock) -> None:
        self._nebula = nebula
        self._clock = clock
        self._kept: Catalogue | None = None
        self._reading: asyncio.Task[Catalogue] | None = None

    async def read(self) -> Catalogue:
        """The catalogue, at most a minute old. Raises `NebulaError` when it cannot be read."""
        kept = self._kept
        if kept is not None and self._clock() - kept.read_at < KEEP:
            return kept
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read(), name="catalogue read")
        # Shielded: one asker giving up must not cancel the read the others wait for.
        return await asyncio.shield(self._reading)

    def forget(self) -> None:
        """The next read asks Nebula again (a launch found the catalogue out of date)."""
        self._kept = None

    async def _read(self) -> Catalogue:
        products, images, keys = await asyncio.gather(
            self._nebula.products(), self._nebula.images(), self._nebula.ssh_keys()
        )
        self._kept = Catalogue(products, images, keys, read_at=self._clock())
        return self._kept
