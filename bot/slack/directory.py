"""Slack users by email (`users.lookupByEmail`), for finding an instance's owner from Nebula's user."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.fleet.ids import is_slack_id
from bot.infra import logs
from bot.slack.cache import SlackLookup, Uncertain
from bot.slack.errors import slack_error


@dataclass(frozen=True)
class Unsure:
    """Slack could not say who has the email (rate limited, a missing scope, an error page)."""

    error: str


class EmailDirectory(SlackLookup[str | None | Unsure]):
    """Slack users by email, through `users.lookupByEmail` (users:read and users:read.email), cached."""

    async def user_for(self, email: str) -> str | Unsure | None:
        """The Slack user id with this email; None when nobody in the workspace has it; Unsure when
        Slack could not say (which is never kept, and never taken for "nobody")."""
        key = email.strip().lower()
        return await self._cache.get(key, lambda: self._look_up(key))

    async def _look_up(self, email: str) -> str | Unsure | None:
        try:
            response = await self._client.users_lookupByEmail(email=email)
        except Exception as exc:  # missing_scope, ratelimited, a garbled answer: all "Slack could not say"
            error = slack_error(exc)
            if error == "users_not_found":
                return None  # an answer: nobody in this workspace has that email
            logs.warning("owners.lookup_failed", error=error)  # never the email itself
            self._metrics.slack_errors.labels("users.lookupByEmail").inc()
            raise Uncertain(Unsure(error)) from None
        user = response.get("user")
        found = user.get("id") if isinstance(user, dict) else None
        return found if is_slack_id(found, "UW") else None
