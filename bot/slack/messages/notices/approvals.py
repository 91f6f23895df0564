"""What approvers and requesters read in their direct messages about a request that needs an approver:
the approver's copy of the confirmation, and the requester's word on its decision."""

from __future__ import annotations

from typing import Final

from bot.domain.confirmation import Confirmation
from bot.domain.launch.records import Launch
from bot.domain.records import Asked
from bot.slack.messages.confirmations import labels
from bot.slack.messages.kit import Message, context, notice, plain, who

BLOCK_LIMIT: Final = 50  # blocks in a message, as Slack allows


def approval_copy(asked: Asked, shown: Message) -> Message:
    """An approver's direct-message copy of the request's message `shown`, saying where it was asked."""
    # Said the same before and after the decision: the copy below shows which it is.
    head = (
        f":raising_hand: {who(asked.requester)} asked in <#{asked.channel_id}> for an approver. "
        "This copy follows the message there."
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


def launch_approved(launch: Launch, approver: str) -> Message:
    """The requester's direct message: an approver pressed Launch on their launch."""
    return notice(
        f":white_check_mark: {who(approver)} approved your launch of `{launch.name}` in "
        f"<#{launch.channel_id}>. Its message there follows the instance."
    )


def launch_rejected(launch: Launch, approver: str) -> Message:
    """The requester's direct message: an approver cancelled their launch."""
    return notice(
        f":no_entry: {who(approver)} rejected your launch of `{launch.name}` in <#{launch.channel_id}>. "
        "Nothing was created; ask them why, or ask again."
    )


def launch_expired(launch: Launch) -> Message:
    """The requester's direct message: no approver pressed Launch in time."""
    return notice(
        f":hourglass: Your launch of `{launch.name}` in <#{launch.channel_id}> expired before an approver "
        "pressed Launch. Nothing was created; ask again when an approver is around."
    )
