"""The confirmation's conversation in its channel: the request, its edits, the outcome in its thread,
and the answers to the people who click on it.

The confirmation is posted with `chat.postMessage` and its ts kept, so that it can be edited for its
whole life (Deleting…, the outcome, cancel, expiry) with `chat.update`; the outcome is a reply in its
thread, broadcast to the channel. Where the Web API cannot post (a private channel or DM without the
bot), the command's `response_url` carries the confirmation instead, and edits go through the click's
`response_url` (which can replace the message that carried the button) or arrive as new messages.
"""

from __future__ import annotations

from bot.core.confirmations.approvals import ApprovalDMs
from bot.domain.confirmation import Confirmation, InstanceOutcome
from bot.domain.policy import Actor
from bot.slack.messages import confirmations as messages
from bot.slack.messages.kit import Message
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


def origin(confirmation: Confirmation) -> Destination:
    """Where the confirmation was asked for: its command's response_url, then the channel."""
    return Destination(confirmation.response_url or None, confirmation.channel_id, confirmation.requester)


class Announcer:
    """Posts and edits the messages people read in the confirmation's channel."""

    def __init__(self, outbox: Outbox, audit_channel: str | None, approval_dms: ApprovalDMs) -> None:
        self._outbox = outbox
        self._audit_channel = audit_channel
        self._dms = approval_dms

    async def tell(self, to: Destination, message: Message) -> None:
        """Answer one person about a confirmation (it is unknown, already decided, not theirs…)."""
        await self._outbox.reply(to, message)

    async def ask(self, confirmation: Confirmation, message: Message, to: Destination) -> str | None:
        """Post the confirmation in its channel: its ts, or None when only the response_url could."""
        ts = await self._outbox.post(
            confirmation.channel_id, message, event="confirmation.posted_by_response_url"
        )
        if ts is None:
            await self._outbox.reply(to, message, public=True)
        return ts

    async def ask_approvers(self, confirmation: Confirmation, message: Message) -> None:
        """Copy the confirmation to its approvers' direct messages, when it needs one."""
        await self._dms.send(self._dms.asked(confirmation), message)

    async def copied_to(self, confirmation_id: str, actor: Actor) -> bool:
        """Whether `actor`'s click comes from the copy of the confirmation sent to them."""
        return await self._dms.copied_to(confirmation_id, actor)

    async def tell_requester(self, confirmation: Confirmation, message: Message) -> None:
        """The requester's direct message about a decision on a request that needed an approver."""
        await self._dms.tell_requester(self._dms.asked(confirmation), message)

    async def show(
        self, confirmation: Confirmation, message_ts: str | None, message: Message, click: Destination | None
    ) -> None:
        """Make the confirmation message, and its approvers' copies, show `message`: edited in place
        whenever the bot can."""
        if not await self._outbox.edit(confirmation.channel_id, message_ts, message):
            if click is not None and click.response_url and click.channel == confirmation.channel_id:
                await self._outbox.reply(click, message, replace=True)
            else:
                # A slash command's response_url cannot replace its earlier reply: this arrives as new.
                await self._outbox.reply(origin(confirmation), message, public=True)
        await self._dms.mirror(self._dms.asked(confirmation), message)  # the channel's first

    async def announce(
        self,
        confirmation: Confirmation,
        confirmer: str,
        outcomes: tuple[InstanceOutcome, ...],
        message_ts: str | None,
        click: Destination | None,
    ) -> None:
        """Post the outcome in the confirmation's thread (broadcast), show it on the confirmation
        message, and post it in the audit channel. (Keeping it is the caller's, and comes first.)"""
        message = messages.outcome(confirmation, confirmer, outcomes)
        posted = message_ts is not None and await self._outbox.post(
            confirmation.channel_id,
            message,
            thread_ts=message_ts,
            broadcast=True,
            event="outcome.thread_post_failed",
        )
        if not posted:
            await self._outbox.reply(click or origin(confirmation), message, public=True)
        await self.show(
            confirmation, message_ts, messages.concluded(confirmation, confirmer, outcomes), click
        )
        if self._audit_channel:
            await self._outbox.post(self._audit_channel, message, event="audit_channel.post_failed")
