"""Block Kit messages the bot sends. Pure functions: data in, `Message` out, no I/O.

Everything that came from a user or from Nebula is escaped before it enters mrkdwn, and every
message carries a plain-text fallback for notifications and screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.confirmations import InstanceOutcome, PendingAction
from bot.mrkdwn import code, escape
from bot.nebula import Instance

CONFIRM_ACTION_ID: Final = "nebula_confirm"
CANCEL_ACTION_ID: Final = "nebula_cancel"


_ICONS: Final = {"success": ":white_check_mark:", "unknown": ":grey_question:"}
_SUMMARIES: Final = {frozenset({"success"}): "deleted", frozenset({"unknown"}): "outcome unknown"}


@dataclass(frozen=True)
class Message:
    """A Slack message: Block Kit blocks plus the plain-text fallback."""

    text: str
    blocks: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        """The JSON body fields shared by `chat.postMessage` and `response_url`."""
        body: dict[str, Any] = {"text": self.text}
        if self.blocks:
            body["blocks"] = list(self.blocks)
        return body


def _message(text: str, blocks: Sequence[Block]) -> Message:
    # to_dict() validates lengths and required fields, so a bad block fails here, not in Slack.
    return Message(text=text, blocks=tuple(block.to_dict() for block in blocks))


def notice(text: str) -> Message:
    """A short mrkdwn message: usage, refusals, errors."""
    return _message(_plain(text), [SectionBlock(text=MarkdownTextObject(text=text))])


def _plain(mrkdwn: str) -> str:
    # The fallback is shown raw in notifications: drop the code markers, keep the words.
    return mrkdwn.replace("`", "").replace("*", "")


def _label(instance: Instance) -> str:
    name = f" ({escape(instance.host_name)})" if instance.host_name else ""
    return f"{code(instance.id)}{name}"


def _labels(action: PendingAction) -> str:
    return ", ".join(_label(instance) for instance in action.instances)


def _gpu(instance: Instance) -> str:
    if instance.gpu_type and instance.gpu_count:
        return f"{escape(instance.gpu_type)} × {escape(instance.gpu_count)}"
    return escape(instance.gpu_type or instance.gpu_count or "unknown")


def _instance_fields(instance: Instance) -> list[MarkdownTextObject]:
    rows = [
        ("Instance", code(instance.id)),
        ("Host name", escape(instance.host_name or "unknown")),
        ("GPU", _gpu(instance)),
        ("Region", escape(instance.region or "unknown")),
        ("Status", escape(instance.status or "unknown")),
        ("Running time", escape(instance.running_time or "unknown")),
        ("Cost so far", escape(instance.total_cost or "unknown")),
    ]
    return [MarkdownTextObject(text=f"*{label}*\n{value}") for label, value in rows]


def _when(timestamp: float) -> str:
    # Slack renders this in each reader's own time zone; the text after | is the fallback.
    ts = int(timestamp)
    return f"<!date^{ts}^{{time}}|in a few minutes>"


def confirmation(action: PendingAction, approvers: str | None = None) -> Message:
    """The in-channel request: what would be deleted, who asked, until when, and the two buttons.

    With `approvers` (Slack mentions), the two-person rule applies and the message says who may approve.
    """
    count = len(action.instances)
    what = "this instance" if count == 1 else f"these {count} instances"
    header = SectionBlock(
        text=MarkdownTextObject(
            text=f":warning: <@{action.requester}> asked to *delete* {what}. This cannot be undone."
        )
    )
    details = [SectionBlock(fields=_instance_fields(instance)) for instance in action.instances]
    who = (
        f"Needs approval by {approvers} (not <@{action.requester}>)."
        if approvers
        else "Only they can confirm."
    )
    context = ContextBlock(
        elements=[
            MarkdownTextObject(
                text=f"Requested by <@{action.requester}>. {who} Expires at {_when(action.expires_at)}."
            )
        ]
    )
    ids = ", ".join(action.instance_ids)
    buttons = ActionsBlock(
        block_id="nebula_decision",
        elements=[
            ButtonElement(
                text="Delete",
                action_id=CONFIRM_ACTION_ID,
                value=action.id,
                style="danger",
                confirm=ConfirmObject(
                    title="Delete instance?" if count == 1 else f"Delete {count} instances?",
                    text=_bounded(f"This permanently deletes {ids}. It cannot be undone.", 300),
                    confirm="Delete",
                    deny="Keep it",
                    style="danger",
                ),
            ),
            ButtonElement(text="Cancel", action_id=CANCEL_ACTION_ID, value=action.id),
        ],
    )
    text = f"{action.requester} asked to delete {ids}: confirm or cancel in Slack."
    return _message(text, [header, *details, context, buttons])


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def in_progress(action: PendingAction, actor: str) -> Message:
    """Replaces the confirmation the moment it is claimed: no buttons left to click."""
    text = f":hourglass_flowing_sand: Deleting {_labels(action)}… (confirmed by <@{actor}>)"
    return notice(text)


def cancelled(action: PendingAction, actor: str) -> Message:
    """Replaces a cancelled confirmation."""
    return notice(f"Cancelled by <@{actor}>. Nothing was deleted ({_labels(action)}).")


def expired(action: PendingAction) -> Message:
    """Replaces a confirmation whose time ran out."""
    again = " ".join(action.instance_ids)
    return notice(f"This request expired; run `/nebula delete {again}` again. Nothing was deleted.")


def already_decided(state: str) -> Message:
    """For a click on a confirmation that someone already acted on."""
    return notice(f"This request was already {state}; nothing more was done.")


INTERNAL_ERROR: Final = (
    "The bot hit an internal error and could not finish. "
    "Check this channel and the Nebula console before trying again."
)


def internal_error() -> Message:
    """For an unexpected failure: honest whether or not anything was already done."""
    return notice(INTERNAL_ERROR)


def unknown_confirmation() -> Message:
    """For a click whose confirmation the store does not know."""
    return notice("This request is unknown to the bot; nothing was done. Run `/nebula delete <id>` again.")


def outcome(action: PendingAction, actor: str, outcomes: Sequence[InstanceOutcome]) -> Message:
    """The result in the channel: Nebula's own status and message per instance, and who was involved."""
    by_id = {instance.id: instance for instance in action.instances}
    lines = []
    for result in outcomes:
        instance = by_id.get(result.instance_id, Instance(id=result.instance_id))
        icon = _ICONS.get(result.status, ":x:")
        lines.append(f"{icon} Delete {_label(instance)}: *{escape(result.status)}*. {escape(result.message)}")
    people = f"Requested by <@{action.requester}>, confirmed by <@{actor}>."
    summary = _SUMMARIES.get(frozenset(result.status for result in outcomes), "failed")
    ids = ", ".join(action.instance_ids)
    text = f"Delete {summary}: {ids}. " + " ".join(
        f"{o.instance_id}: {o.status}, {o.message}" for o in outcomes
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=_bounded("\n".join(lines), 3000)))]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=people)]))
    return _message(_bounded(text, 3000), blocks)
