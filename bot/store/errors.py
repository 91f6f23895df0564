"""Errors a store raises that callers must tell apart (kept apart so the stores need not import `store`)."""

from __future__ import annotations


class VolatileRedis(Exception):
    """The Redis server would lose a claim on restart: AOF is off, or its persistence cannot be read."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
