"""Slack user-group membership, cached briefly. Any doubt means "not a member"."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import logs
from bot.metrics import Metrics


class UserGroups:
    """Answers "which of these groups is this user in?" through `usergroups.users.list`."""

    def __init__(
        self,
        client: AsyncWebClient,
        ttl: float,
        metrics: Metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._metrics = metrics
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def groups_of(self, user_id: str, group_ids: frozenset[str]) -> frozenset[str]:
        """The groups among `group_ids` that `user_id` belongs to."""
        found = set()
        for group_id in sorted(group_ids):
            if user_id in await self.members(group_id):
                found.add(group_id)
        return frozenset(found)

    async def members(self, group_id: str) -> frozenset[str]:
        """The group's members; empty when Slack cannot say (never assume membership)."""
        cached = self._cache.get(group_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        # One lookup per group at a time: a burst of clicks costs Slack one call, not one each.
        async with self._locks.setdefault(group_id, asyncio.Lock()):
            cached = self._cache.get(group_id)
            if cached is not None and cached[0] > self._clock():
                return cached[1]
            try:
                response = await self._client.usergroups_users_list(usergroup=group_id)
                users = response.get("users")
            except SlackApiError as exc:
                error = exc.response.get("error") if exc.response is not None else None
                logs.warning("usergroups.lookup_failed", usergroup=group_id, error=error)
                self._metrics.slack_errors.labels("usergroups.users.list").inc()
                return frozenset()
            except Exception as exc:  # any doubt means "not a member", including a garbled answer
                logs.warning("usergroups.lookup_failed", usergroup=group_id, error=type(exc).__name__)
                self._metrics.slack_errors.labels("usergroups.users.list").inc()
                return frozenset()
            members = (
                frozenset(u for u in users if isinstance(u, str)) if isinstance(users, list) else frozenset()
            )
            self._cache[group_id] = (self._clock() + self._ttl, members)
            return members
