"""Errors a store raises that callers outside `bot.store` must tell apart."""

from __future__ import annotations

from dataclasses import dataclass


class StoreMissing(Exception):
    """The store was opened for reading only, and there is none at the place named (nothing was created)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


class StoreBusy(Exception):
    """Another process held the store's write lock for longer than a write waits: nothing was written."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


@dataclass(frozen=True)
class Trouble:
    """Why the store's last write failed: `busy` (another writer held it; the next may succeed), or it
    cannot be written at all."""

    what: str
    busy: bool = False
