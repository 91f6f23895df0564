"""Block Kit messages the bot sends. Pure functions: data in, `Message` out, no I/O.

Everything that came from a user or from Nebula enters mrkdwn through `bot.slack.messages.mrkdwn` (cleaned,
bounded, never markup), every text is fitted to Slack's limits without cutting markup, and every
message carries a plain-text fallback for notifications and screen readers. Messages are built
with slack_sdk's block models, whose `to_dict()` validates lengths and required fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.core.protections import badge
from bot.domain.durations import format_duration
from bot.domain.model import Confirmation, Instance, InstanceOutcome, Protection, Status, summarize
from bot.domain.verbs import VERBS
from bot.nebula.client import InstancePage

# Message and notice are re-exported: most callers need nothing else of the primitives.
from bot.slack.messages.kit import (
    Message as Message,
)
from bot.slack.messages.kit import (
    context,
    fields,
    gpu,
    label,
    message,
    moment,
    price,
    section,
    value,
    when,
    who,
)
from bot.slack.messages.kit import (
    notice as notice,
)
from bot.slack.messages.mrkdwn import clean, code, fit, literal, shorten

CONFIRM_ACTION_ID: Final = "nebula_confirm"
CANCEL_ACTION_ID: Final = "nebula_cancel"
UNDO_ACTION_ID: Final = "nebula_undo"
INSTANCE_MENU_ACTION_ID: Final = "nebula_instance_menu"
LIST_MORE_ACTION_ID: Final = "nebula_list_more"
LIST_PAGE_SIZE: Final = 40  # instance rows per message: 40 + header, context and buttons stay under 50 blocks
# Slack refuses messages of roughly 13k characters of blocks even within every documented limit
# (slackapi/bolt-js#2509): 40 rows of at most this many characters stay well under it.
ROW_LIMIT: Final = 280

_ICONS: Final = {
    Status.SUCCESS: ":white_check_mark:",
    Status.UNKNOWN: ":grey_question:",
    Status.DRY_RUN: ":test_tube:",
}
# How a status reads in a message; the enum's values are for records and metrics.
_WORDS: Final = {Status.DRY_RUN: "dry run", Status.PARTLY_FAILED: "partly failed"}
INTERNAL_ERROR: Final = (
    "The bot hit an internal error and could not finish. "
    "Check this channel and the Nebula console before trying again."
)


def internal_error() -> Message:
    """For an unexpected failure: honest whether or not anything was already done."""
    return notice(INTERNAL_ERROR)


def _labels(confirmation: Confirmation) -> str:
    labels = [label(instance) for instance in confirmation.instances]
    return ", ".join(labels) if len(labels) <= 3 else f"{', '.join(labels[:2])} and {len(labels) - 2} more"


def _summary_fields(
    instance: Instance, owner: str | None = None, protected: str = ""
) -> list[MarkdownTextObject]:
    rows = [
        ("Instance", code(instance.id)),
        ("Host name", value(instance.host_name)),
        ("GPU", gpu(instance)),
        ("Region", value(instance.region)),
        ("Status", value(instance.status)),
        ("Running time", value(instance.running_time)),
        ("Cost so far", value(instance.total_cost)),
    ]
    if owner is not None:
        rows.append(("Owner", who(owner)))
    elif instance.owner_name:
        rows.append(("Owner", f"{value(instance.owner_name)} (Nebula user; not found in Slack)"))
    if protected:
        rows.append(("Protected", protected))
    return fields(rows)


def confirmation(
    confirmation: Confirmation, approvers: str | None = None, *, dry_run: bool = False
) -> Message:
    """The in-channel request: what would change, who asked, until when, and the two buttons.

    With `approvers` (Slack mentions), the two-person rule applies and the message says who may approve.
    """
    verb = confirmation.verb
    count = len(confirmation.instances)
    what = "this instance" if count == 1 else f"these {count} instances"
    header = section(f":warning: <@{confirmation.requester}> asked to *{verb.name}* {what}. {verb.warning}")
    owners = dict(confirmation.owners)
    details = [
        SectionBlock(fields=_summary_fields(instance, owners.get(instance.id)))
        for instance in confirmation.instances
    ]
    deciders = (
        f"Needs approval by {approvers} (not <@{confirmation.requester}>)."
        if approvers
        else "Only they can confirm."
    )
    if dry_run:
        deciders += " *Dry run*: nothing will change at Nebula."
    footer = context(
        f"Requested by <@{confirmation.requester}>. {deciders} Expires at {when(confirmation.expires_at)}."
    )
    # The dialog names the one instance, or counts them: a list cut to 300 characters would mislead.
    target = clean(confirmation.instances[0].id) if count == 1 else f"{count} instances"
    buttons = ActionsBlock(
        block_id="nebula_decision",
        elements=[
            ButtonElement(
                text=verb.label,
                action_id=CONFIRM_ACTION_ID,
                value=confirmation.id,
                style=verb.style,
                confirm=ConfirmObject(
                    title=verb.title(count),
                    text=shorten(f"This will {verb.name} {target}. {verb.warning}", 300),
                    confirm=verb.label,
                    deny="Keep it" if verb.name == "delete" else "Cancel",
                    style=verb.style,
                ),
            ),
            ButtonElement(text="Cancel", action_id=CANCEL_ACTION_ID, value=confirmation.id),
        ],
    )
    ids = ", ".join(confirmation.instance_ids)
    text = f"<@{confirmation.requester}> asked to {verb.name} {ids}: confirm or cancel in Slack."
    return message(text, [header, *details, footer, buttons])


def in_progress(confirmation: Confirmation, actor: str) -> Message:
    """Replaces the confirmation the moment it is claimed: no buttons left to click."""
    verb = confirmation.verb
    return notice(
        f":hourglass_flowing_sand: {verb.gerund} {_labels(confirmation)}… (confirmed by {who(actor)})"
    )


def scheduled(confirmation: Confirmation, actor: str, send_at: float, seconds: float) -> Message:
    """A confirmed change waiting out the undo window: when it goes, who confirmed, and Undo."""
    verb = confirmation.verb
    text = (
        f":hourglass_flowing_sand: {verb.gerund} {_labels(confirmation)} at {moment(send_at)} "
        f"(in {_span(seconds)}; confirmed by {who(actor)})."
    )
    undo = ActionsBlock(
        block_id="nebula_undo",
        elements=[
            ButtonElement(text="Undo", action_id=UNDO_ACTION_ID, value=confirmation.id, style="primary")
        ],
    )
    note = context(f"<@{confirmation.requester}>, {who(actor)} or an approver can undo it until then.")
    return message(text, [section(text), note, undo])


def _span(seconds: float) -> str:
    # "in 60 s" reads better than "in 1m" for the short windows an undo usually has.
    return f"{round(seconds)} s" if seconds < 120 else format_duration(seconds)


def undone(confirmation: Confirmation, actor: str) -> Message:
    """Replaces a scheduled change that someone undid."""
    verb = confirmation.verb
    return notice(
        f":leftwards_arrow_with_hook: Undone by {who(actor)}. "
        f"Nothing was {verb.past} ({_labels(confirmation)})."
    )


def refused(confirmation: Confirmation, reason: str) -> Message:
    """Replaces a confirmation that can no longer be carried out (its instance was protected since)."""
    return notice(f"{reason} This request is closed ({_labels(confirmation)}).")


def cancelled(confirmation: Confirmation, actor: str) -> Message:
    """Replaces a cancelled confirmation."""
    verb = confirmation.verb
    return notice(f"Cancelled by {who(actor)}. Nothing was {verb.past} ({_labels(confirmation)}).")


def expired(confirmation: Confirmation) -> Message:
    """Replaces a confirmation whose time ran out."""
    verb = confirmation.verb
    again = " ".join(confirmation.instance_ids)
    return notice(f"This request expired; run `/nebula {verb.name} {again}` again. Nothing was {verb.past}.")


def already_decided(state: str) -> Message:
    """For a click on a confirmation that someone already acted on."""
    return notice(f"This request was already {state}; nothing more was done.")


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
    verb = confirmation.verb
    by_id = {instance.id: instance for instance in confirmation.instances}
    sections = []
    for result in outcomes:
        instance = by_id.get(result.instance_id, Instance(id=result.instance_id))
        icon = _ICONS.get(result.status, ":x:")
        sections.append(
            section(f"{icon} {verb.label} {label(instance)}: *{_word(result.status)}*. {result.message}")
        )
    summary = summarize(outcomes)
    people = f"Requested by <@{confirmation.requester}>, confirmed by {who(actor)}."
    headline = {
        Status.SUCCESS: verb.past.capitalize(),
        Status.UNKNOWN: f"{verb.label} outcome unknown",
    }.get(summary, f"{verb.label} {_word(summary)}")
    text = f"{headline}: " + "; ".join(f"{o.instance_id}: {_word(o.status)}, {o.message}" for o in outcomes)
    return message(text, [*sections, context(people)])


def concluded(confirmation: Confirmation, actor: str, outcomes: Sequence[InstanceOutcome]) -> Message:
    """What the confirmation message shows once the outcome is in: no buttons, a pointer to the thread."""
    verb = confirmation.verb
    summary = summarize(outcomes)
    icon = _ICONS.get(summary, ":x:")
    result = verb.past if summary is Status.SUCCESS else _word(summary)
    return notice(
        f"{icon} {verb.label} {_labels(confirmation)}: *{result}* (confirmed by {who(actor)}). "
        "Details in the thread."
    )


def _menu(instance: Instance) -> OverflowMenuElement:
    return OverflowMenuElement(
        action_id=INSTANCE_MENU_ACTION_ID,
        options=[Option(text=verb.label, value=f"{verb.name}:{instance.id}") for verb in VERBS.values()],
    )


def instance_list(
    page: InstancePage, offset: int, protected: Mapping[str, Protection] | None = None
) -> Message:
    """One page of the team's instances, each with a menu of actions, and "More" when there are more.

    However many rows Nebula sends, at most `LIST_PAGE_SIZE` are shown, and only rows whose id is a
    valid instance id ever reach a menu (the client drops the others).
    """
    instances = page.instances[:LIST_PAGE_SIZE]
    locks = protected or {}
    if not instances:
        return notice("Your team has no instances." if offset == 0 else "No more instances.")
    shown_to = offset + len(instances)
    total = max(page.total, shown_to)
    header = section(f"*Your team's instances* ({offset + 1}–{shown_to} of {total})")
    rows: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=fit(
                    f"{value(instance.host_name, 'unnamed')} {code(instance.id)}\n"
                    f"{gpu(instance)} · {value(instance.region)} · "
                    f"{value(instance.status)} · {price(instance)}"
                    + (f" · {badge(locks[instance.id])}" if instance.id in locks else ""),
                    ROW_LIMIT,
                )
            ),
            accessory=_menu(instance),
        )
        for instance in instances
    ]
    footer: list[Block] = [context("Use ⋯ on a row to stop, start, reboot or delete it.")]
    if shown_to < total:
        footer.append(
            ActionsBlock(
                elements=[ButtonElement(text="More", action_id=LIST_MORE_ACTION_ID, value=str(shown_to))]
            )
        )
    text = f"Instances {offset + 1}-{shown_to} of {total}: " + ", ".join(
        f"{value(i.host_name, 'unnamed')} ({i.id}, {value(i.status)})" for i in instances
    )
    return message(text, [header, *rows, *footer])


def instance_details(
    instance: Instance, owner: str | None = None, protection: Protection | None = None
) -> Message:
    """`/nebula show`: everything useful about one instance, never a credential."""
    hardware = (
        f"{instance.cpu_cores or '?'} cores / {instance.ram or '?'} GB / {instance.disk_size or '?'} GB"
    )
    more = fields(
        [
            ("Price", price(instance)),
            ("Product", value(instance.product_type)),
            ("OS", value(instance.os)),
            ("Public IPv4", value(instance.public_ipv4, "none")),
            ("CPU / RAM / disk", literal(hardware)),
            ("Started", value(instance.start_time)),
        ]
    )
    name = value(instance.host_name, "unnamed")
    text = f"{name} ({instance.id}): {value(instance.status)}"
    return message(
        text,
        [
            section(f"*{name}*"),
            SectionBlock(fields=_summary_fields(instance, owner, badge(protection))),
            SectionBlock(fields=more),
        ],
    )
