"""The core's one way to talk in Slack: replies, posts, edits, the Home tab and direct messages.

Every call fails the same way: logged, never raised, since what matters is already in the store when
the bot speaks. A post answers the message's ts, or None when Slack did not take it (the caller may
then give back what it claimed, so that the next cycle tries again).
"""

from __future__ import annotations

from typing import Any

from bot.infra import logs
from bot.slack.errors import ReplyError
from bot.slack.messages.kit import Message
from bot.slack.replier import Destination, Opened, Replier


class Outbox:
    """Talks through a `Replier`, logging whatever Slack refuses."""

    def __init__(self, replier: Replier) -> None:
        self._replier = replier

    async def reply(
        self, to: Destination, message: Message, *, public: bool = False, replace: bool = False
    ) -> bool:
        """Answer where a request came from (ephemeral unless `public`; `replace`: the clicked message)."""
        try:
            await self._replier.reply(to, message, in_channel=public, replace_original=replace)
        except ReplyError as exc:
            logs.warning("slack.reply_failed", channel=to.channel, error=str(exc))
            return False
        return True

    async def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
        event: str = "slack.post_failed",
    ) -> str | None:
        """Post in `channel` (or in a thread there): the ts, or None after logging `event`."""
        try:
            return await self._replier.post(channel, message, thread_ts=thread_ts, broadcast=broadcast)
        except ReplyError as exc:
            logs.warning(event, channel=channel, error=str(exc))
            return None

    async def edit(
        self, channel: str, ts: str | None, message: Message, *, click: Destination | None = None
    ) -> bool:
        """Make the bot's message `ts` show `message`; failing that, replace the clicked one (if any)."""
        if ts is not None:
            try:
                await self._replier.update(channel, ts, message)
                return True
            except ReplyError as exc:
                logs.warning("slack.update_failed", channel=channel, error=str(exc))
        if click is not None:
            return await self.reply(click, message, replace=True)
        return False

    async def publish_home(self, user: str, view: dict[str, Any]) -> bool:
        """Show `view` as `user`'s Home tab; a failure is logged, never retried."""
        try:
            await self._replier.publish_home(user, view)
        except ReplyError as exc:
            logs.warning("home.publish_failed", user=user, error=str(exc))
            return False
        return True

    async def open_dm(self, user: str) -> str | None:
        """The direct-message channel with `user`, or None when Slack would not open one."""
        try:
            return await self._replier.open_dm(user)
        except ReplyError as exc:
            logs.warning("slack.dm_failed", user=user, error=str(exc))
            return None

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> Opened | None:
        """Open a modal; None when Slack would not (an expired trigger, say, or the shell, which shows no
        modals). Logged as an event, not a warning: the caller answers in words instead (and
        `nebula_bot_slack_errors_total` counts it)."""
        try:
            return await self._replier.open_view(trigger_id, view)
        except ReplyError as exc:
            logs.event("slack.view_not_opened", error=str(exc))
            return None

    async def update_view(self, opened: Opened, view: dict[str, Any]) -> Opened | None:
        """Replace an open modal; None (logged) when Slack would not (closed, or changed meanwhile)."""
        try:
            return await self._replier.update_view(opened, view)
        except ReplyError as exc:
            logs.warning("slack.view_failed", error=str(exc))
            return None
