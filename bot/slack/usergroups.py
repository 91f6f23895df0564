"""Slack user-group membership, cached briefly. Any doubt means "not a member"."""

from __future__ import annotations

from bot.infra import logs
from bot.slack.cache import SlackLookup, Uncertain
from bot.slack.errors import slack_error


class UserGroups(SlackLookup[frozenset[str]]):
    """Answers "which of these groups is this user in?" through `usergroups.users.list`."""

    async def groups_of(self, user_id: str, group_ids: frozenset[str]) -> frozenset[str]:
        """The groups among `group_ids` that `user_id` belongs to."""
        found = set()
        for group_id in sorted(group_ids):
            if user_id in await self.members(group_id):
                found.add(group_id)
        return frozenset(found)

    async def members(self, group_id: str) -> frozenset[str]:
        """The group's members; empty when Slack cannot say (never assume membership)."""
        return await self._cache.get(group_id, lambda: self._look_up(group_id))

    async def _look_up(self, group_id: str) -> frozenset[str]:
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
            users = response.get("users")
        except Exception as exc:  # any doubt means "not a member", including a garbled answer
            logs.warning("usergroups.lookup_failed", usergroup=group_id, error=slack_error(exc))
            self._metrics.slack_errors.labels("usergroups.users.list").inc()
            raise Uncertain(frozenset[str]()) from None
        return frozenset(u for u in users if isinstance(u, str)) if isinstance(users, list) else frozenset()
