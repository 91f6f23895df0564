"""What approvers and requesters read in their direct messages about a request that needs an approver:
the approver's copy of the confirmation, and the requester's word on its decision."""

from __future__ import annotations

from typing import Final

from bot.domain.confirmation import Confirmation
from bot.slack.messages.confirmations import labels
from bot.slack.messages.kit import Message, context, notice, plain, who

BLOCK_LIMIT: Final = 50  # blocks in a message, as Slack allows


def approval_copy(confirmation: Confirmation, shown: Message) -> Message:
    """An approver's direct-message copy of the confirmation message `shown`, saying where it was asked."""
    head = (
        f":raising_hand: {who(confirmation.requester)} asked in <#{confirmation.channel_id}>; "
        "an approver must confirm. This copy stays in step with the channel's."
    )
    text = f"{plain(head)} {shown.text}"[:3000]
    if len(shown.blocks) >= BLOCK_LIMIT:  # no room for the line: the buttons matter more
        return Message(text=text, blocks=shown.blocks)
    return Message(text=text, blocks=(context(head).to_dict(), *shown.blocks))


def approved(confirmation: Confirmation, approver: str) -> Message:
    """The requester's direct message: an approver confirmed their request."""
    return notice(
        f":white_check_mark: {who(approver)} approved your request in <#{confirmation.channel_id}>: "
        f"{labels(confirmation)}. The outcome follows there."
    )


def rejected(confirmation: Confirmation, approver: str) -> Message:
    """The requester's direct message: an approver cancelled their request."""
    return notice(
        f":no_entry: {who(approver)} rejected your request in <#{confirmation.channel_id}>: "
        f"{labels(confirmation)}. Nothing was done; ask them why, or ask again."
    )


def expired_unapproved(confirmation: Confirmation) -> Message:
    """The requester's direct message: no approver confirmed in time."""
    verb = confirmation.verb
    return notice(
        f":hourglass: Your request in <#{confirmation.channel_id}> expired before an approver confirmed "
        f"it: {labels(confirmation)}. Nothing was done; run `/nebula {verb.name} "
        f"{' '.join(confirmation.instance_ids)}` again when an approver is around."
    )
