"""A confirmation's messages, from the request with its buttons to the outcome in its thread.

Everything that came from a user or from Nebula enters mrkdwn through `bot.slack.messages.mrkdwn`
(cleaned, bounded, never markup), every text is fitted to Slack's limits without cutting markup, and
every message carries a plain-text fallback. Messages are built with slack_sdk's block models, whose
`to_dict()` validates lengths and required fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject, DividerBlock, SectionBlock

from bot.domain.calendar.durations import format_duration
from bot.domain.confirmation import Confirmation, Entry, InstanceOutcome, State, Status, summarize
from bot.domain.fleet.instance import Instance
from bot.domain.verbs import DELETE
from bot.slack.messages import action_ids
from bot.slack.messages.instances import summary_fields
from bot.slack.messages.kit import (
    Message,
    context,
    label,
    message,
    moment,
    notice,
    section,
    when,
    who,
)
from bot.slack.messages.mrkdwn import shorten
from bot.slack.messages.wording import wording

_ICONS: Final = {
    Status.SUCCESS: ":white_check_mark:",
    Status.UNKNOWN: ":grey_question:",
    Status.DRY_RUN: ":test_tube:",
}
# How a status reads in a message; the enum's values are for records and metrics.
_WORDS: Final = {Status.DRY_RUN: "dry run", Status.PARTLY_FAILED: "partly failed"}
DIALOG_NAMES: Final = 160  # of the dialog's 300 characters, what the names may take
INTERNAL_ERROR: Final = (
    "The bot hit an internal error and could not finish. "
    "Check this channel and the Nebula console before trying again."
)


def internal_error() -> Message:
    """For an unexpected failure: honest whether or not anything was already done."""
    return notice(INTERNAL_ERROR)


def labels(confirmation: Confirmation) -> str:
    labels = [label(instance) for instance in confirmation.instances]
    return ", ".join(labels) if len(labels) <= 3 else f"{', '.join(labels[:2])} and {len(labels) - 2} more"


def confirmation(
    confirmation: Confirmation,
    approvers: str | None = None,
    *,
    dry_run: bool = False,
    why: str = "",
    left_out: str = "",
) -> Message:
    """The in-channel request: what would change, who asked, until when, and the two buttons.

    With `approvers` (Slack mentions), the two-person rule applies and the message says who may approve;
    `why` (the bot's mrkdwn) says why, when a rule other than the two-person rule asks for an approver;
    `left_out` (the bot's mrkdwn), which of the instances asked for the change does not fit, and why.
    """
    verb, said = confirmation.verb, wording(confirmation.verb)
    count = len(confirmation.instances)
    what = "this instance" if count == 1 else f"these {count} instances"
    header = section(f":warning: <@{confirmation.requester}> asked to *{verb.name}* {what}. {said.warning}")
    owners = dict(confirmation.owners)
    details: list[SectionBlock | DividerBlock] = []
    for instance in confirmation.instances:
        if details:  # several instances: a line between them, so that no field seems to belong to both
            details.append(DividerBlock())
        details.append(
            SectionBlock(fields=summary_fields(instance, confirmation.created_at, owners.get(instance.id)))
        )
    deciders = (
        f"Needs approval by {approvers} (not <@{confirmation.requester}>)."
        if approvers
        else "Only they can confirm."
    )
    if why:
        deciders += f" {why}"
    if dry_run:
        deciders += " *Dry run*: nothing will change at Nebula."
    footer = context(
        f"Requested by <@{confirmation.requester}>. {deciders} Expires at {when(confirmation.expires_at)}."
    )
    omitted = [context(f"Left out: {left_out}")] if left_out else []
    target = _dialog_target(confirmation)
    buttons = ActionsBlock(
        block_id="nebula_decision",
        elements=[
            ButtonElement(
                text=said.label,
                action_id=action_ids.CONFIRM,
                value=confirmation.id,
                style=said.style,
                confirm=ConfirmObject(
                    title=said.title(count),
                    text=shorten(f"This will {verb.name} {target}. {said.warning}", 300),
                    confirm=said.label,
                    deny="Keep it" if verb is DELETE else "Cancel",
                    style=said.style,
                ),
            ),
            ButtonElement(text="Cancel", action_id=action_ids.CANCEL, value=confirmation.id),
        ],
    )
    ids = ", ".join(confirmation.instance_ids)
    text = f"<@{confirmation.requester}> asked to {verb.name} {ids}: confirm or cancel in Slack."
    return message(text, [header, *details, *omitted, footer, buttons])


def _dialog_target(confirmation: Confirmation) -> str:
    """The instances, by name, as the confirm dialog names them; counted when their names would not
    fit (a list cut short would mislead)."""
    names = [label(instance) for instance in confirmation.instances]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return listed if len(listed) <= DIALOG_NAMES else f"{len(names)} instances ({names[0]}, …)"


def in_progress(confirmation: Confirmation, actor: str) -> Message:
    """Replaces the confirmation the moment it is claimed: no buttons left to click."""
    return notice(
        f":hourglass_flowing_sand: {wording(confirmation.verb).gerund} {labels(confirmation)}… "
        f"(confirmed by {who(actor)})"
    )


def scheduled(confirmation: Confirmation, actor: str, send_at: float, seconds: float) -> Message:
    """A confirmed change waiting out the undo window: when it goes, who confirmed, and Undo."""
    text = (
        f":hourglass_flowing_sand: {wording(confirmation.verb).gerund} {labels(confirmation)} "
        f"at {moment(send_at)} "
        f"(in {_span(seconds)}; confirmed by {who(actor)})."
    )
    undo = ActionsBlock(
        block_id="nebula_undo",
        elements=[
            ButtonElement(text="Undo", action_id=action_ids.UNDO, value=confirmation.id, style="primary")
        ],
    )
    deciders = who(actor) if actor == confirmation.requester else f"<@{confirmation.requester}>, {who(actor)}"
    note = context(f"{deciders} or an approver can undo it until then.")
    return message(text, [section(text), note, undo])


def _span(seconds: float) -> str:
    # "in 60 s" reads better than "in 1m" for the short windows an undo usually has.
    return f"{round(seconds)} s" if seconds < 120 else format_duration(seconds)


def undone(confirmation: Confirmation, actor: str) -> Message:
    """Replaces a scheduled change that someone undid."""
    return notice(
        f":leftwards_arrow_with_hook: Undone by {who(actor)}. "
        f"Nothing was {wording(confirmation.verb).past}: {labels(confirmation)}."
    )


def refused(confirmation: Confirmation, reason: str) -> Message:
    """Replaces a confirmation that can no longer be carried out (its instance was protected since)."""
    return notice(f"{reason} This request is closed: {labels(confirmation)}.")


def cancelled(confirmation: Confirmation, actor: str) -> Message:
    """Replaces a cancelled confirmation."""
    past = wording(confirmation.verb).past
    return notice(f"Cancelled by {who(actor)}. Nothing was {past}: {labels(confirmation)}.")


def expired(confirmation: Confirmation) -> Message:
    """Replaces a confirmation whose time ran out."""
    verb = confirmation.verb
    again = " ".join(confirmation.instance_ids)
    past = wording(verb).past
    return notice(f"This request expired; run `/nebula {verb.name} {again}` again. Nothing was {past}.")


_DECIDED_WORDS: Final = {
    State.SCHEDULED: "confirmed and is waiting to be sent (Undo is on the message until then)",
    State.CLAIMED: "confirmed and is being carried out (its outcome is posted here when Nebula answers; "
    "if nothing appears, check the Nebula console)",
    State.DONE: "carried out",
    State.CANCELLED: "cancelled",
    State.EXPIRED: "expired",
}


def already_decided(entry: Entry) -> Message:
    """For a click on a confirmation that someone already acted on (or that expired)."""
    words = _DECIDED_WORDS.get(entry.state, entry.state.value)
    return notice(f"This request was already {words}; nothing more was done.")


def unknown_confirmation() -> Message:
    """For a click whose confirmation the store does not know."""
    return notice("This request is unknown to the bot; nothing was done. Run the `/nebula` command again.")


def _word(status: Status) -> str:
    return _WORDS.get(status, status.value)


def outcome(confirmation: Confirmation, actor: str, outcomes: Sequence[InstanceOutcome]) -> Message:
    """The result: Nebula's own status and message for every instance, one section each, and who acted.

    `InstanceOutcome.message` is mrkdwn the bot wrote (Nebula's words quoted through
    `bot.slack.messages.mrkdwn`).
    """
    said = wording(confirmation.verb)
    by_id = {instance.id: instance for instance in confirmation.instances}
    sections = []
    for result in outcomes:
        instance = by_id.get(result.instance_id, Instance(id=result.instance_id))
        icon = _ICONS.get(result.status, ":x:")
        sections.append(
            section(f"{icon} {said.label} {label(instance)}: *{_word(result.status)}*. {result.message}")
        )
    summary = summarize(outcomes)
    people = f"Requested by <@{confirmation.requester}>, confirmed by {who(actor)}."
    headline = {
        Status.SUCCESS: said.past.capitalize(),
        Status.UNKNOWN: f"{said.label} outcome unknown",
    }.get(summary, f"{said.label} {_word(summary)}")
    text = f"{headline}: " + "; ".join(f"{o.instance_id}: {_word(o.status)}, {o.message}" for o in outcomes)
    return message(text, [*sections, context(people)])


def concluded(confirmation: Confirmation, actor: str, outcomes: Sequence[InstanceOutcome]) -> Message:
    """What the confirmation message shows once the outcome is in: no buttons, a pointer to the thread."""
    said = wording(confirmation.verb)
    summary = summarize(outcomes)
    icon = _ICONS.get(summary, ":x:")
    result = said.past if summary is Status.SUCCESS else _word(summary)
    return notice(
        f"{icon} {said.label} {labels(confirmation)}: *{result}* (confirmed by {who(actor)}). "
        "Details in the thread."
    )


def nothing_to_undo(window: float) -> Message:
    """`/nebula undo` with nothing of the person's waiting to be sent here."""
    if not window:
        return notice(
            "Nothing of yours waits to be sent here: this team sends a change the moment it is confirmed, "
            "so there is no undo window."
        )
    return notice(
        f"Nothing of yours waits to be sent here. A confirmed stop or delete waits {_span(window)} with an "
        "Undo button; once sent, it cannot be undone."
    )


def undo_not_yours(confirmation: Confirmation) -> Message:
    """Undo pressed by someone who may not undo it."""
    return notice(
        f"Only <@{confirmation.requester}>, the person who confirmed it, or an approver can undo this, "
        "in its channel."
    )


def undo_too_late(sent: bool) -> Message:
    """Undo pressed after the change was sent (`sent`), or after it was undone or closed otherwise."""
    if sent:
        return notice("Too late: it was already sent; its outcome is in the thread. Nothing more was done.")
    return notice("This was already undone or closed.")
