"""Messages about the fleet: reminders, the cost view, and what notices share. Pure functions.

A notice's buttons carry `bot.domain.controls.notice_value` (kind, instance, the record's version), so
that a press on a superseded notice is recognised and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot.domain.calendar.durations import format_duration
from bot.domain.controls import NoticeKind, notice_value
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import FleetCost, Usage
from bot.domain.records import Reminder
from bot.domain.verbs import DELETE, STOP, Verb
from bot.nebula.errors import NebulaError
from bot.slack.messages import action_ids, texts
from bot.slack.messages.kit import (
    ROW_LIMIT,
    Message,
    context,
    dollars,
    fields,
    gpu,
    message,
    moment,
    named,
    notice,
    per_hour,
    plural,
    running_for,
    section,
    value,
    when,
    who,
)
from bot.slack.messages.mrkdwn import code

ROWS: Final = 40
NAME_LIMIT: Final = 64


def keep_label(seconds: float) -> str:
    """ "Keep 24h": whole hours up to three days, else the usual duration."""
    hours, rest = divmod(int(seconds), 3600)
    return f"Keep {hours}h" if not rest and 0 < hours <= 72 else f"Keep {format_duration(seconds)}"


def buttons(
    kind: NoticeKind, instance_id: str, serial: str, keep: float | None, acts: Sequence[Verb]
) -> ActionsBlock:
    """A notice's buttons: Keep (for `keep` seconds, if given), then Stop and Delete among `acts`."""
    carried = notice_value(kind, instance_id, serial)
    elements = []
    if keep is not None:
        elements.append(ButtonElement(text=keep_label(keep), action_id=action_ids.KEEP, value=carried))
    if STOP in acts:
        elements.append(ButtonElement(text="Stop", action_id=action_ids.FLEET_STOP, value=carried))
    if DELETE in acts:
        elements.append(
            ButtonElement(text="Delete", action_id=action_ids.FLEET_DELETE, value=carried, style="danger")
        )
    return ActionsBlock(elements=elements)


def _figures(reminder: Reminder) -> SectionBlock:
    owner = [("Owner", who(reminder.owner))] if reminder.owner else []
    shown = Instance(id=reminder.instance_id, gpu_type=reminder.gpu_type, gpu_count=reminder.gpu_count)
    return SectionBlock(
        fields=fields(
            [
                *owner,
                ("Instance", code(reminder.instance_id)),
                ("GPU", gpu(shown)),
                ("Running for", running_for(reminder.running_seconds)),
                ("Cost since it started", dollars(reminder.cost)),
                ("Price", per_hour(reminder.per_hour)),
            ]
        )
    )


def reminder(
    reminder: Reminder, snooze: float, protected: str = "", *, kept_until: float | None = None
) -> Message:
    """A long-running instance: what it has cost, and Keep / Stop / Delete.

    Once kept, it says by whom and until when, and offers only Stop and Delete.
    """
    called = named(reminder.instance_id, reminder.host_name)
    headline = f":alarm_clock: {called} has been running for {running_for(reminder.running_seconds)}."
    blocks: list[Block] = [section(headline), _figures(reminder)]
    if protected:
        blocks.append(context(f"{protected}: stop and delete are refused until it is unprotected."))
    kept = kept_until is not None and reminder.kept_by
    if kept and kept_until is not None:
        blocks.append(context(f"Kept by {who(reminder.kept_by or '')} until {moment(kept_until)}."))
    else:
        blocks.append(context("Stop and Delete ask for confirmation first, as `/nebula stop` would."))
    keep = None if kept else snooze
    blocks.append(buttons(NoticeKind.REMINDER, reminder.instance_id, reminder.serial, keep, (STOP, DELETE)))
    return message(f"{headline} {dollars(reminder.cost)} since it started.", blocks)


def reminder_closed(reminder: Reminder, status: str | None) -> Message:
    """The instance a reminder was about stopped or is gone: no buttons left."""
    now = f"is now {value(status, limit=24)}" if status else "is gone"
    called = named(reminder.instance_id, reminder.host_name)
    return notice(f":white_check_mark: {called} {now}; this reminder is closed.")


def out_of_date() -> Message:
    """For a press on a notice that a newer one (or a change) has superseded."""
    return notice(
        "This notice is out of date; nothing was changed. Use the newest one, or `/nebula lease <id>`."
    )


def not_read(error: NebulaError) -> Message:
    """The fleet could not be read."""
    return notice(f"Could not read the fleet: {texts.nebula_error(error)}")


def cost(summary: FleetCost, *, heading: str = "Running instances", as_of: float | None = None) -> Message:
    """Running instances, costliest first, then the burn rate and the total so far (`as_of`: when the
    fleet was read, when that is long enough ago to say so)."""
    totals = (
        f"Burn rate *{dollars(summary.per_hour)}/h* ({dollars(summary.per_day)}/day); "
        f"*{dollars(summary.so_far)}* since they started."
    )
    if summary.unpriced:
        are = "is" if summary.unpriced == 1 else "are"
        totals += f" {plural(summary.unpriced, 'instance')} without a price from Nebula {are} not counted."
    if not summary.rows:
        return notice(f"*{heading}*: none. Nothing is being billed by the hour.")
    rows = [section(_cost_row(row)) for row in summary.rows[:ROWS]]
    more = summary.rows[ROWS:]
    tail = (
        [
            context(
                f"and {len(more)} more, {dollars(sum(r.cost or 0 for r in more))} since they started: "
                "`/nebula show <id>` for any one."
            )
        ]
        if more
        else []
    )
    text = f"{heading}: {len(summary.rows)}. {totals}"
    read = [context(f"As of {when(as_of)}.")] if as_of is not None else []
    head = section(f"*{heading}* ({len(summary.rows)})")
    return message(text, [head, *rows, *tail, section(totals), *read])


def _cost_row(row: Usage) -> str:
    # The figures and the id are never cut: only the host name gives way.
    instance = row.instance
    figures = (
        f" · {gpu(instance)} · {per_hour(row.per_hour)} · running {running_for(row.running_seconds)} · "
        f"*{dollars(row.cost)}* since it started"
    )
    budget = max(8, min(NAME_LIMIT, ROW_LIMIT - len(figures) - len(code(instance.id)) - 6))
    return named(instance.id, instance.host_name, budget) + figures


def reminder_gone() -> Message:
    """Keep pressed on a reminder that was closed meanwhile."""
    return notice("This reminder is closed; nothing to keep.")


def watcher_silent(since: float, interval: float, apart: bool) -> Message:
    """No watcher cycle for two intervals: nothing reminds, no lease ends, no schedule acts."""
    where = (
        " The watcher runs apart (NEBULA_BOT_WATCHER=apart): is `nebula-bot watch` running?" if apart else ""
    )
    return notice(
        f":warning: The bot's watcher has run no cycle since {moment(since)} (it should every "
        f"{format_duration(interval)}): no reminders, lease ends, schedules or budget alerts until it "
        f"does.{where}"
    )


def watcher_back(since: float) -> Message:
    """The watcher's cycles resumed."""
    return notice(f":white_check_mark: The bot's watcher runs again (it had stopped at {moment(since)}).")
