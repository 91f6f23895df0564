"""What a launch looks like in Slack: its confirmation with the price, the lease and the budget; the one
message that follows it to Running; and the answer when a part of it is missing or matches nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ConfirmObject, SectionBlock

from bot.domain.calendar.durations import format_duration
from bot.domain.launch import (
    Catalogue,
    Failure,
    Launch,
    Part,
    Product,
    Stage,
    Unchosen,
    Why,
    gpu_word,
    image_word,
)
from bot.domain.verbs import DELETE, STOP
from bot.slack.messages import action_ids
from bot.slack.messages.kit import (
    Message,
    context,
    dollars,
    fields,
    message,
    moment,
    notice,
    per_hour,
    section,
    short_id,
    value,
    when,
)
from bot.slack.messages.mrkdwn import code, code_within, literal_within, shorten

CHOICES_SHOWN: Final = 8
# What a lease's end does, as a launch's confirmation says it.
LEASE_END: Final = {STOP.name: "it is stopped", DELETE.name: "it is deleted"}
REMINDED: Final = "its owner is reminded"


def _name(launch: Launch) -> str:
    if launch.instance_id:
        return f"{code(launch.name)} ({short_id(launch.instance_id)})"
    return code(launch.name)


def _what(launch: Launch) -> str:
    return f"{literal_within(launch.product_label, 80)} at {per_hour(launch.price_per_hour)}"


def lease_words(launch: Launch, lease_action: str) -> str:
    """ "8h (~$18.32), then it is stopped", or that it has none."""
    if launch.lease_seconds is None:
        return "none: it runs, and bills, until someone stops it"
    end = LEASE_END.get(lease_action, REMINDED)
    return f"{format_duration(launch.lease_seconds)} (~{dollars(launch.lease_cost)}), then {end}"


def confirmation(
    launch: Launch,
    *,
    lease_action: str,
    budget: str,
    approvers: str | None,
    why: str = "",
    dry_run: bool = False,
) -> Message:
    """The in-channel request: what would be created, what it costs, until when, and Launch/Cancel.

    `budget`: the budget's line (the bot's mrkdwn; "" without a budget); `approvers` (mentions): an
    approver other than the requester must press Launch, for `why`.
    """
    header = section(
        f":rocket: <@{launch.requester}> asked to *launch* {code(launch.name)}: {_what(launch)}. "
        "Nothing is created before Launch is pressed."
    )
    rows = [
        ("GPU", literal_within(launch.product_label, 80)),
        ("Price", per_hour(launch.price_per_hour)),
        ("Image", value(launch.image_name)),
        ("SSH key", value(launch.key_name)),
        ("Lease", lease_words(launch, lease_action)),
    ]
    if budget:
        rows.append(("Budget", budget))
    deciders = (
        f"Needs approval by {approvers} (not <@{launch.requester}>). {why}".rstrip()
        if approvers
        else "Only they can launch it."
    )
    if dry_run:
        deciders += " *Dry run*: nothing will be created at Nebula."
    footer = context(f"Requested by <@{launch.requester}>. {deciders} Expires at {when(launch.expires_at)}.")
    buttons = ActionsBlock(
        block_id="nebula_launch",
        elements=[
            ButtonElement(
                text="Launch",
                action_id=action_ids.LAUNCH,
                value=launch.id,
                style="primary",
                confirm=ConfirmObject(
                    title="Launch it?",
                    text=shorten(
                        f"This creates {launch.name} ({launch.product_label}), billed "
                        f"{dollars(launch.price_per_hour)} an hour until it is deleted.",
                        300,
                    ),
                    confirm="Launch",
                    deny="Cancel",
                ),
            ),
            ButtonElement(text="Cancel", action_id=action_ids.CANCEL_LAUNCH, value=launch.id),
        ],
    )
    text = f"<@{launch.requester}> asked to launch {launch.name} at {per_hour(launch.price_per_hour)}."
    return message(text, [header, SectionBlock(fields=fields(rows)), footer, buttons])


def progress(launch: Launch, *, lease_action: str = "remind", lease_ends: float | None = None) -> Message:
    """The launch's message, as it stands at its stage (it replaces the confirmation)."""
    name, by = _name(launch), f"<@{launch.decided_by or launch.requester}>"
    said = launch.nebula_message and f" Nebula said: {literal_within(launch.nebula_message, 300)}"
    stage = launch.stage_now
    if stage is Stage.CLAIMED:
        return notice(f":hourglass_flowing_sand: Launching {name} ({_what(launch)}), launched by {by}…")
    if stage is Stage.CREATED:
        return notice(f":hourglass_flowing_sand: Nebula created {name}; waiting for it to be listed…{said}")
    if stage is Stage.UNSURE:
        return notice(
            f":grey_question: Nebula did not answer the launch of {name}. The bot is looking for it in the "
            "fleet and will not send it again."
        )
    if stage is Stage.FOUND:
        status = value(launch.status, "Deploying", 40)
        return notice(f":hourglass_flowing_sand: {name} is {status} ({_what(launch)}), launched by {by}.")
    if stage is Stage.RUNNING:
        return _running(launch, by, lease_action, lease_ends)
    if stage is Stage.GAVE_UP:
        status = value(launch.status, "not running", 40)
        return notice(
            f":grey_question: {name} was created but is still {status} after the bot stopped following "
            f"it. `/nebula show {launch.name}` shows it now."
        )
    if stage is Stage.CANCELLED:
        return notice(f":no_entry_sign: {by} cancelled the launch of {name}. Nothing was created.")
    if stage is Stage.EXPIRED:
        return notice(
            f":hourglass: The launch of {name} expired; nothing was created. "
            f"`/nebula create {launch.name}` asks again."
        )
    return notice(f":x: {name} was not launched: {_failure(launch)}{said}")


def _failure(launch: Launch) -> str:
    """Why a launch was not, in words (`detail`: the bot's own sentence on Nebula's answer)."""
    name = code(launch.name)
    match launch.failure:
        case Failure.NAME_HELD:
            return f"another launch is creating an instance called {name}."
        case Failure.NAME_IN_FLEET:
            return f"an instance called {name} exists already. Choose another name."
        case Failure.FLEET_UNREAD:
            return f"the fleet could not be read first, so nothing was sent. {launch.detail}"
        case Failure.DRY_RUN:
            return "this is a dry run (NEBULA_BOT_DRY_RUN): nothing was sent to Nebula."
        case Failure.NOT_SENT:
            return f"nothing reached Nebula. {launch.detail}"
        case Failure.REFUSED:
            return f"Nebula refused it. {launch.detail}"
        case Failure.GONE:
            return f"it was listed, then no more. `/nebula show {launch.name}` says what Nebula knows."
        case Failure.BROKE:
            return f"Nebula shows it {value(launch.status, 'failed', 40)}."
        case _:
            return "it did not appear in the fleet within 15 minutes, so nothing was created."


def _running(launch: Launch, by: str, lease_action: str, lease_ends: float | None) -> Message:
    address = f" at {code(launch.address, 45)}" if launch.address else ""
    lease = (
        f"Lease: ends {moment(lease_ends)}, then {LEASE_END.get(lease_action, REMINDED)}."
        if lease_ends is not None
        else "No lease."
    )
    return message(
        f"{launch.name} is running{address}.",
        [
            section(
                f":white_check_mark: {_name(launch)} is running{address} ({_what(launch)}), launched by {by}."
            ),
            context(f"Owner: <@{launch.requester}>. {lease} `/nebula show {launch.name}` for its details."),
        ],
    )


def unchosen(found: Unchosen, catalogue: Catalogue, choosing: Callable[[str], str]) -> Message:
    """What part of `/nebula create …` is missing or matches nothing, and what to type instead
    (`choosing`: the command, after `/nebula`, that chooses a word for that part)."""
    said = code_within(found.typed, 40) if found.typed else ""
    if found.part is Part.NAME:
        if found.why is Why.TAKEN:
            return notice(
                f"{said} is already the name of an instance of this team. Choose another: `name=…`."
            )
        return notice(
            f"{said} cannot name an instance: lower-case letters, digits and dashes, at most 63, "
            "starting and ending with a letter or digit."
        )
    if found.part is Part.KEY and found.why is Why.NONE:
        return notice(
            "This team's Nebula account has no SSH key. Add one in Nebula's console, then ask again."
        )
    if found.part is Part.IMAGE and found.why is Why.NONE:
        return notice("Nebula offers no image right now. Try again in a minute.")
    if found.part is Part.GPU and not catalogue.offered:
        return notice("Nebula has no GPU in stock right now. Try again later.")
    head = {
        Why.MISSING: f"Which {_part(found.part)}?",
        Why.UNKNOWN: f"No {_part(found.part)} is called {said}.",
        Why.SOLD_OUT: f"{said} is out of stock everywhere.",
        Why.AMBIGUOUS: f"{said} matches several {_part(found.part)}s.",
    }.get(found.why, f"Which {_part(found.part)}?")
    return notice(f"{head} Choose one:{_choices(found.part, catalogue, choosing)}")


def _part(part: Part) -> str:
    return {Part.GPU: "GPU", Part.IMAGE: "image", Part.KEY: "SSH key", Part.NAME: "name"}[part]


def _choices(part: Part, catalogue: Catalogue, choosing: Callable[[str], str]) -> str:
    """The choices for `part`, each as the command to type."""
    if part is Part.GPU:
        cheapest: dict[str, Product] = {}
        for product in catalogue.offered:  # cheapest first: the first of each word is what it gets
            cheapest.setdefault(gpu_word(product), product)
        lines = [_gpu_choice(choosing(w), p) for w, p in list(cheapest.items())[:CHOICES_SHOWN]]
    elif part is Part.IMAGE:
        lines = [_command(choosing(image_word(i))) for i in catalogue.images[:CHOICES_SHOWN]]
    else:
        lines = [_command(choosing(k.name)) for k in catalogue.keys[:CHOICES_SHOWN]]
    return "\n" + "\n".join(f"• {line}" for line in lines) if lines else " none is offered now."


def _command(typed: str) -> str:
    return code_within(f"/nebula {typed}", 120)


def _gpu_choice(typed: str, product: Product) -> str:
    return f"{_command(typed)} ({literal_within(product.label, 60)}, {per_hour(product.price_per_hour)})"


def budget_line(spent: float, amount: float, period: str, adds: float | None) -> str:
    """ "$1,230.00 of $5,000.00 this month; this lease adds ~$21.00"."""
    line = f"{dollars(spent)} of {dollars(amount)} this {period}"
    return f"{line}; this lease adds ~{dollars(adds)}" if adds is not None else f"{line}; no lease: no end"


def unread(why: str) -> Message:
    """Nebula's catalogue could not be read: `why`, in the bot's words for Nebula's error."""
    return notice(f"The bot could not read what Nebula offers. {why}")
