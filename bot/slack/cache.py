"""A small cache of Slack lookups: each answer kept for a while, one lookup per key at a time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.infra.metrics import Metrics

V = TypeVar("V")


class Uncertain(Exception, Generic[V]):
    """Raised by a lookup that could not tell (Slack failed): `fallback` is answered, and not kept."""

    def __init__(self, fallback: V) -> None:
        super().__init__("lookup failed")
        self.fallback = fallback


class LookupCache(Generic[V]):
    """Answers by key, each kept `ttl` seconds; a burst of requests for one key costs one lookup."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._answers: dict[str, tuple[float, V]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _fresh(self, key: str) -> tuple[float, V] | None:
        kept = self._answers.get(key)
        return kept if kept is not None and kept[0] > self._clock() else None

    async def get(self, key: str, look_up: Callable[[], Awaitable[V]]) -> V:
        """The kept answer for `key`, or `look_up()`'s, which is then kept (unless it was Uncertain)."""
        kept = self._fresh(key)
        if kept is not None:
            return kept[1]
        async with self._locks.setdefault(key, asyncio.Lock()):
            kept = self._fresh(key)
            if kept is not None:
                return kept[1]
            try:
                answer = await look_up()
            except Uncertain as doubt:
                fallback: V = doubt.fallback
                return fallback
            self._answers[key] = (self._clock() + self._ttl, answer)
            return answer


class SlackLookup(Generic[V]):
    """A Slack Web API lookup whose answers are kept `ttl` seconds (user groups, users by email)."""

    def __init__(
        self,
        client: AsyncWebClient,
        ttl: float,
        metrics: Metrics,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._metrics = metrics
        self._cache: LookupCache[V] = LookupCache(ttl, clock)
