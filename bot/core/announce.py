"""The confirmation's conversation in its channel: the request, its edits, the outcome in its thread.

The confirmation is posted with `chat.postMessage` and its ts kept, so that it can be edited for its
whole life (Deleting…, the outcome, cancel, expiry) with `chat.update`; the outcome is a reply in its
thread, broadcast to the channel. Where the Web API cannot post (a private channel or DM without the
bot), the command's `response_url` carries the confirmation instead, and edits go through the click's
`response_url` (which can replace the message that carried the button) or arrive as new messages.
"""

from __future__ import annotations

from bot.domain.confirmation import Confirmation, InstanceOutcome
from bot.infra import logs
from bot.slack.errors import ReplyError
from bot.slack.messages import confirmations as messages
from bot.slack.messages.kit import Message
from bot.slack.replier import Destination, Replier, say


def origin(confirmation: Confirmation) -> Destination:
    """Where the confirmation was asked for: its command's response_url, then the channel."""
    return Destination(confirmation.response_url or None, confirmation.channel_id, confirmation.requester)


class Announcer:
    """Posts and edits the messages people read in the confirmation's channel."""

    def __init__(self, replier: Replier, audit_channel: str | None) -> None:
        self._replier = replier
        self._audit_channel = audit_channel

    async def ask(self, confirmation: Confirmation, message: Message, to: Destination) -> str | None:
        """Post the confirmation in its channel: its ts, or None when only the response_url could."""
        try:
            return await self._replier.post(confirmation.channel_id, message)
        except ReplyError as exc:
            logs.warning(
                "confirmation.posted_by_response_url", channel=confirmation.channel_id, error=str(exc)
            )
            await say(self._replier, to, message, in_channel=True)
            return None

    async def show(
        self, confirmation: Confirmation, message_ts: str | None, message: Message, click: Destination | None
    ) -> None:
        """Make the confirmation message show `message`: edited in place whenever the bot can."""
        if message_ts is not None:
            try:
                await self._replier.update(confirmation.channel_id, message_ts, message)
                return
            except ReplyError as exc:
                logs.warning("confirmation.update_failed", channel=confirmation.channel_id, error=str(exc))
        if click is not None and click.response_url:
            await say(self._replier, click, message, replace_original=True)
            return
        # A slash command's response_url cannot replace its earlier reply: this arrives as a new message.
        await say(self._replier, origin(confirmation), message, in_channel=True)

    async def announce(
        self,
        confirmation: Confirmation,
        confirmer: str,
        outcomes: tuple[InstanceOutcome, ...],
        message_ts: str | None,
        click: Destination | None,
    ) -> None:
        """Post the outcome in the confirmation's thread (broadcast), show it on the confirmation
        message, and post it in the audit channel. (Recording it is the caller's, and comes first.)"""
        message = messages.outcome(confirmation, confirmer, outcomes)
        posted = False
        if message_ts is not None:
            try:
                await self._replier.post(
                    confirmation.channel_id, message, thread_ts=message_ts, broadcast=True
                )
                posted = True
            except ReplyError as exc:
                logs.warning("outcome.thread_post_failed", channel=confirmation.channel_id, error=str(exc))
        if not posted:
            await say(self._replier, click or origin(confirmation), message, in_channel=True)
        await self.show(
            confirmation, message_ts, messages.concluded(confirmation, confirmer, outcomes), click
        )
        if self._audit_channel:
            try:
                await self._replier.post(self._audit_channel, message)
            except ReplyError as exc:
                logs.warning("audit_channel.post_failed", channel=self._audit_channel, error=str(exc))
