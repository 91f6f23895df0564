"""Instances as people read them: the summary every message shares, the list with its menus, `show`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
)

from bot.domain.controls import menu_value
from bot.domain.fleet.fit import Misfit, fitting_verbs
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import usage
from bot.domain.records import Changed, Protection
from bot.nebula.answers import InstancePage
from bot.nebula.errors import NebulaError
from bot.slack.messages import action_ids, texts
from bot.slack.messages.kit import (
    ROW_LIMIT,
    Message,
    context,
    dollars,
    fields,
    gpu,
    label,
    message,
    moment,
    named,
    notice,
    plural,
    price,
    running_for,
    section,
    value,
    who,
)
from bot.slack.messages.mrkdwn import code, literal, literal_within
from bot.slack.messages.notices.protection import badge
from bot.slack.messages.wording import wording

LIST_PAGE_SIZE: Final = 40  # instance rows per message: 40 + header, context and buttons stay under 50 blocks


def summary_fields(
    instance: Instance,
    now: float,
    owner: str | None = None,
    protected: str = "",
    owner_unsure: str | None = None,
) -> list[MarkdownTextObject]:
    """What every message about one instance shows: id, host, GPU, region, status, time and money.

    `owner_unsure` is what Slack answered when it could not say who the Nebula user Nebula names is.
    """
    use = usage(instance, now)
    rows = [
        ("Instance", code(instance.id)),
        ("Host name", value(instance.host_name)),
        ("GPU", gpu(instance)),
        ("Region", value(instance.region)),
        ("Status", value(instance.status)),
        ("Running for", running_for(use.running_seconds) if instance.is_running else "not running"),
        ("Cost since it started", dollars(use.cost)),
    ]
    if owner is not None:
        rows.append(("Owner", who(owner)))
    elif instance.owner_name:
        note = f"Slack could not say who it is: {owner_unsure}" if owner_unsure else "not found in Slack"
        rows.append(("Owner", f"{value(instance.owner_name)} (Nebula user; {note})"))
    if protected:
        rows.append(("Protected", protected))
    return fields(rows)


def _menu(instance: Instance, action_id: str) -> OverflowMenuElement | None:
    """The changes that fit the instance as listed; none while it is changing (nothing to race it)."""
    verbs = fitting_verbs(instance)
    if not verbs:
        return None
    options = [Option(text=wording(verb).label, value=menu_value(verb, instance.id)) for verb in verbs]
    return OverflowMenuElement(action_id=action_id, options=options)


def row(
    instance: Instance,
    protection: Protection | None,
    action_id: str = action_ids.INSTANCE_MENU,
    block_id: str | None = None,
) -> SectionBlock:
    """An instance in a list: name, id, GPU, region, status and price, with its ⋯ menu of changes."""
    # The id and the figures are never cut: the host name gives way, cut before it is escaped.
    status = f"{value(instance.region, limit=24)} · {value(instance.status, limit=24)}"
    facts = f"{code(instance.id)}\n{gpu(instance)} · {status} · {price(instance)}"
    lock = f" · {badge(protection)}" if protection is not None else ""
    room = max(8, ROW_LIMIT - len(facts) - len(lock) - 1)
    name = literal_within(instance.host_name, min(64, room)) if instance.host_name else "unnamed"
    return SectionBlock(
        text=MarkdownTextObject(text=f"{name} {facts}{lock}"),
        accessory=_menu(instance, action_id),
        block_id=block_id,
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
    more = (
        page.rows > len(instances)
        or (page.total is not None and page.total > shown_to)
        or (page.total is None and page.rows >= LIST_PAGE_SIZE)
    )
    total = (
        f"{max(page.total, shown_to)}"
        if page.total is not None
        else f"{shown_to}+"
        if more
        else f"{shown_to}"
    )
    header = section(f"*Your team's instances* ({offset + 1}–{shown_to} of {total})")
    rows: list[Block] = [row(instance, locks.get(instance.id)) for instance in instances]
    footer: list[Block] = [context("Use ⋯ on a row to stop, start, reboot or delete it.")]
    if more:
        footer.append(
            ActionsBlock(
                elements=[ButtonElement(text="More", action_id=action_ids.LIST_MORE, value=str(shown_to))]
            )
        )
    text = f"Instances {offset + 1}-{shown_to} of {total}: " + ", ".join(
        f"{value(i.host_name, 'unnamed')} ({i.id}, {value(i.status)})" for i in instances
    )
    return message(text, [header, *rows, *footer])


def instance_details(
    instance: Instance,
    now: float,
    owner: str | None = None,
    protection: Protection | None = None,
    owner_unsure: str | None = None,
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
    lock = badge(protection) if protection is not None else ""
    return message(
        text,
        [
            section(f"*{name}*"),
            SectionBlock(fields=summary_fields(instance, now, owner, lock, owner_unsure)),
            SectionBlock(fields=more),
        ],
    )


MISFITS_SHOWN: Final = 10
LIST_THEM: Final = "`/nebula list` shows them all."


def was_deleted(changed: Changed) -> Message:
    """An instance the bot itself deleted: when, and by whom, not "no instance"."""
    by = f"asked by {who(changed.requester)}"
    if changed.confirmer != changed.requester:
        by += f", confirmed by {who(changed.confirmer)}"
    name = named(changed.instance_id, changed.host_name)
    return notice(f"{name} was deleted at {moment(changed.at)} ({by}).")


def no_instance(instance_ids: Sequence[str]) -> Message:
    """Nebula does not know these instances: said as for a name nobody goes by."""
    return notice(f"No instance called {', '.join(code(i) for i in instance_ids)}. {LIST_THEM}")


def not_listed(error: NebulaError) -> Message:
    """The list could not be read."""
    return notice(f"Could not list instances: {texts.nebula_error(error)}")


def not_looked_up(instance_ids: Sequence[str], why: str) -> Message:
    """Nebula could not be asked about these instances; `why` is the bot's mrkdwn."""
    return notice(f"Could not look up {', '.join(code(i) for i in instance_ids)}: {why}")


def misfit_line(misfit: Misfit) -> str:
    """Why a change does not fit an instance, and what would: "`eval-harness` (3b9e1c7d…) is stopped:
    `/nebula start eval-harness`."."""
    name = label(misfit.instance)
    status = literal_within(misfit.instance.status_word, 40)  # Nebula's word: made inert
    match misfit.kind:
        case "gone":
            return f"{name} was deleted."
        case "changing":
            state = f"is {status}" if status else "has no status Nebula gives"
            return (
                f"{name} {state}: nothing can be done to it until it is running or stopped "
                f"(`/nebula show {misfit.reference}` says how it is)."
            )
        case _:
            already = "already " if misfit.kind == "already" else ""
            instead = " or ".join(f"`/nebula {verb.name} {misfit.reference}`" for verb in misfit.instead)
            return f"{name} is {already}{status}" + (f": {instead}." if instead else ".")


def does_not_fit(misfits: Sequence[Misfit]) -> Message:
    """A change that fits none of its instances: nothing is asked, nothing is sent."""
    lines = [misfit_line(m) for m in misfits[:MISFITS_SHOWN]]
    more = len(misfits) - len(lines)
    if more:
        lines.append(f"…and {plural(more, 'more instance')}.")
    return notice("\n".join(lines))
