"""Choosing an instance: "Which one?" when a name fits several, "No instance called …", and the menu a
verb without an instance offers (`/nebula stop` → the running instances)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ExternalDataSelectElement,
    Option,
    PlainTextObject,
    StaticSelectElement,
)

from bot.domain.controls import choice_value
from bot.domain.fleet.ids import MIN_PREFIX
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Ambiguous, Unknown
from bot.domain.money.costs import usage
from bot.domain.records import Protection
from bot.slack.messages import action_ids
from bot.slack.messages.instances import LIST_THEM, row
from bot.slack.messages.kit import (
    Message,
    context,
    dollars,
    gpu,
    message,
    notice,
    plural,
    section,
    value,
    when,
)
from bot.slack.messages.mrkdwn import clean, code

# Candidates shown for one name; more than this and the person types more of the id.
CANDIDATES: Final = 10
# Slack's limits: a static menu holds 100 options; an option's text 75 characters, its value 150.
MENU_OPTIONS: Final = 100
OPTION_TEXT: Final = 75
OPTION_VALUE: Final = 150
PICK_BLOCK: Final = "pick:"  # + the verb: which verb a menu's choice is for


def which_one(ambiguous: Ambiguous, token: str, now: float) -> Message:
    """One button per candidate; the `i`th runs the `i`th command of the choice `token`."""
    shown = ambiguous.candidates[:CANDIDATES]
    head = f"Which one? {code(ambiguous.reference)} fits {len(ambiguous.candidates)} instances."
    blocks: list[Block] = [section(head)]
    for index, instance in enumerate(shown):
        carried = choice_value(token, index)
        blocks.append(section(_candidate(instance, now)))
        blocks.append(
            ActionsBlock(
                elements=[ButtonElement(text="This one", action_id=action_ids.CHOOSE, value=carried)],
                block_id=f"choose:{index}",  # blocks with one action id each need ids of their own
            )
        )
    hidden = len(ambiguous.candidates) - len(shown)
    tail = "Nothing is done until you choose."
    if hidden > 0:
        tail = f"{hidden} more fit it: type more of the id."
    blocks.append(context(tail))
    return message(head, blocks)


def _candidate(instance: Instance, now: float) -> str:
    use = usage(instance, now)
    return (
        f"*{value(instance.host_name, 'no host name', 64)}* {code(instance.id)}\n"
        f"{gpu(instance)} · {value(instance.status)} · {dollars(use.cost)} since it started"
    )


def no_instance(unknown: Unknown) -> Message:
    """No instance goes by that name: the closest names, if any."""
    text = f"No instance called {code(unknown.reference)}."
    if unknown.closest:
        text += " Did you mean " + ", ".join(code(name) for name in unknown.closest) + "?"
    elif unknown.short:
        text += f" The start of an id names an instance from {MIN_PREFIX} characters on; or use its name."
    else:
        text += " " + LIST_THEM
    return notice(text)


def lookup_failed(reference: str, why: str) -> Message:
    """The fleet could not be read to find the instance a name means."""
    return notice(f"Could not look up {code(reference)}: {why}")


def option(instance: Instance, word: str) -> Option:
    """A menu's choice of one instance: host, id and status; its value is the command it runs."""
    name = clean(instance.host_name or "no host name")
    status = clean(instance.status or "status unknown")
    id_room = OPTION_TEXT - min(len(name), 30) - len(status) - 6
    ident = instance.id if len(instance.id) <= id_room else instance.id[: max(8, id_room - 1)] + "…"
    text = f"{name[:30]} · {ident} · {status}"[:OPTION_TEXT]
    return Option(text=PlainTextObject(text=text, emoji=False), value=f"{word} {instance.id}"[:OPTION_VALUE])


def picker(
    word: str,
    what: str,
    instances: Sequence[Instance],
    *,
    external: bool,
    confirms: bool,
    as_of: float | None,
) -> Message:
    """A menu of the instances `word` makes sense for (`what` it is for: "to stop"); from Slack's options
    request when `external`. `confirms`: a confirmation follows the choice; `as_of`: when the fleet it
    lists was read, if long enough ago to say so."""
    head = f"Choose the instance {what}."
    placeholder = PlainTextObject(text="Type a name or an id" if external else "Choose an instance")
    element: ExternalDataSelectElement | StaticSelectElement
    if external:
        element = ExternalDataSelectElement(
            action_id=action_ids.PICK, placeholder=placeholder, min_query_length=0
        )
    else:
        element = StaticSelectElement(
            action_id=action_ids.PICK,
            placeholder=placeholder,
            options=[option(i, word) for i in instances[:MENU_OPTIONS]],
        )
    blocks: list[Block] = [section(head), ActionsBlock(elements=[element], block_id=f"{PICK_BLOCK}{word}")]
    then = " The usual confirmation follows your choice." if confirms else ""
    read = f" As of {when(as_of)}." if as_of is not None else ""
    blocks.append(context(f"{plural(len(instances), 'instance')}.{read}{then}"))
    return message(head, blocks)


def in_message(instances: Sequence[Instance], protections: Mapping[str, Protection]) -> Message:
    """The instances a message names, each with its ⋯ menu (the message shortcut's answer)."""
    if not instances:
        return notice("That message names none of your team's instances (by id, host name or id prefix).")
    head = f"*Instances named in that message* ({len(instances)})"
    rows = [row(i, protections.get(i.id)) for i in instances]
    return message(head, [section(head), *rows, context("Use ⋯ to act: the usual confirmation follows.")])


def nothing_to_pick(word: str) -> Message:
    """No instance fits the verb (nothing running to stop, say)."""
    return notice(f"No instance to {word} right now. `/nebula list` shows them all.")


def not_offered() -> Message:
    """A control whose value the bot never wrote: a forged click."""
    return notice("That button is not one the bot offered; nothing was done.")


def choice_gone() -> Message:
    """A "Which one?" button pressed after its choice was made (or long after it was offered)."""
    return notice(
        "That choice was already made, or offered too long ago; nothing was done. Type the command again."
    )
