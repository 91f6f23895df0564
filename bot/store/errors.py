"""Errors a store raises that callers outside `bot.store` must tell apart."""

from __future__ import annotations


class StoreMissing(Exception):
    """The store was opened for reading only, and there is none at the place named (nothing was created)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where
