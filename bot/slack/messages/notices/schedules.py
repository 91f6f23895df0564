"""What schedules say: set, shown, removed, listed; the notice before a stop with "Keep running tonight",
and what became of each stop and start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.domain.calendar.schedules import Outlook, zoned
from bot.domain.controls import NoticeKind, notice_value
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Called
from bot.domain.records import Schedule
from bot.domain.verbs import Verb
from bot.slack.messages import action_ids
from bot.slack.messages.kit import (
    Message,
    context,
    label,
    message,
    moment,
    named,
    notice,
    section,
    value,
    who,
)
from bot.slack.messages.wording import wording

ROWS: Final = 40
CLOCK: Final = ":clock7:"


def window_text(schedule: Schedule) -> str:
    """`weekdays 08:00-19:00 Europe/Berlin`."""
    return f"`{schedule.days} {schedule.start}-{schedule.end} {schedule.zone}`"


def schedule_set(schedule: Schedule, ahead: Outlook, running: bool, dry_run: bool) -> Message:
    """The answer to `/nebula schedule <id> <window>`, in the channel: what the schedule does, and what
    it means for the instance now (outside its hours and running: a stop is offered below)."""
    dry = " (dry run: nothing will change at Nebula)" if dry_run else ""
    return notice(
        f"{CLOCK} {named(schedule.instance_id, schedule.host_name)} runs {window_text(schedule)}, "
        f"set by {who(schedule.set_by)}. Outside those hours the bot stops it (with a notice before, "
        f"and *Keep running tonight*); when the next window starts it starts it again, if it was the "
        f"schedule that stopped it{dry}.{_now(schedule, ahead, running)}"
    )


def _now(schedule: Schedule, ahead: Outlook, running: bool) -> str:
    """What the schedule means for the instance now, in the schedule's own zone."""
    zone = schedule.zone
    if not running:
        if schedule.stopped_at is not None and ahead.next_start is not None:
            return f" Stopped by the schedule; next start: {zoned(ahead.next_start, zone)}."
        return " It is not running: the schedule starts only what it stopped."
    if ahead.inside:
        return f" Next stop: {zoned(ahead.next_stop, zone)}." if ahead.next_stop is not None else ""
    until = f", until {zoned(ahead.next_stop, zone)}" if ahead.next_stop is not None else ""
    return f" It is outside its hours now: left alone, it runs through the next window{until}."


def schedule_shown(
    schedule: Schedule | None, called: Called, ahead: Outlook | None, running: bool
) -> Message:
    """The answer to `/nebula schedule <id>`."""
    if schedule is None:
        return notice(
            f"No schedule on {named(called.instance_id, called.host_name)}. Set one with "
            f"`/nebula schedule {called.reference} weekdays 08:00-19:00`."
        )
    now = _now(schedule, ahead, running) if ahead is not None else ""
    return notice(
        f"{CLOCK} {named(schedule.instance_id, schedule.host_name)} runs {window_text(schedule)}, "
        f"set by {who(schedule.set_by)}.{now}"
    )


def schedule_removed(called: Called, found: bool, by: str) -> Message:
    """The answer to `/nebula schedule <id> off`."""
    name = named(called.instance_id, called.host_name)
    if not found:
        return notice(f"No schedule on {name}; nothing to remove.")
    return notice(f"{CLOCK} Schedule on {name} removed by {who(by)}. The bot no longer stops or starts it.")


def schedules(found: Sequence[Schedule]) -> Message:
    """`/nebula schedules`: every schedule, the total stated."""
    if not found:
        return notice("No schedules. Set one with `/nebula schedule <instance> weekdays 08:00-19:00`.")
    ordered = sorted(found, key=lambda s: (s.host_name or "", s.instance_id))
    rows = [
        section(f"• {named(s.instance_id, s.host_name, 40)}: {window_text(s)}, set by {who(s.set_by)}")
        for s in ordered[:ROWS]
    ]
    more = [context(f"and {len(ordered) - ROWS} more: `/nebula schedule <id>` shows any one.")]
    return message(
        f"Schedules: {len(ordered)}",
        [section(f"*Schedules* ({len(ordered)})"), *rows, *(more if len(ordered) > ROWS else [])],
    )


def stop_notice(schedule: Schedule, at: float, dry_run: bool, protected: str = "") -> Message:
    """Before a window's end: the stop to come, and *Keep running tonight*."""
    called = named(schedule.instance_id, schedule.host_name)
    if protected:
        text = f"{CLOCK} {called}'s schedule ends at {moment(at)}, but it is {protected}: not stopped."
        return notice(text)
    dry = " (dry run: nothing will change at Nebula)" if dry_run else ""
    text = (
        f"{CLOCK} {called} runs {window_text(schedule)}: the bot stops it at {moment(at)}{dry}, "
        "unless someone keeps it running tonight."
    )
    keep = ButtonElement(
        text="Keep running tonight",
        action_id=action_ids.KEEP,
        value=notice_value(NoticeKind.SCHEDULE, schedule.instance_id, schedule.serial),
    )
    return message(text, [section(text), ActionsBlock(elements=[keep])])


def kept(schedule: Schedule, at: float, by: str) -> Message:
    """The notice after Keep: this stop skipped, the schedule goes on."""
    called = named(schedule.instance_id, schedule.host_name)
    return notice(
        f"{CLOCK} {who(by)} kept {called} running tonight: the stop at {moment(at)} is skipped. "
        f"The schedule ({window_text(schedule)}) goes on."
    )


def too_late(schedule: Schedule) -> Message:
    """Keep pressed after the stop was sent."""
    return notice(
        f"Too late: the schedule's stop of {named(schedule.instance_id, schedule.host_name)} was already "
        "sent; its outcome is in the thread. `/nebula start` starts it again."
    )


def moot(schedule: Schedule, status: str | None, verb: Verb) -> Message:
    """A window edge with nothing to do: the instance is gone (the schedule with it), or protected."""
    called = named(schedule.instance_id, schedule.host_name)
    if status is None:
        return notice(f"{CLOCK} {called} is gone; its schedule ({window_text(schedule)}) is removed.")
    what = wording(verb).label.lower()
    return notice(f"{CLOCK} {called} is {value(status, limit=40)}: the schedule did not {what} it.")


def not_carried_out(schedule: Schedule, verb: Verb, reason: str) -> Message:
    """The schedule's stop or start was refused at its time (its setter may no longer act, say)."""
    called = named(schedule.instance_id, schedule.host_name)
    return notice(f"{CLOCK} The schedule did not {wording(verb).label.lower()} {called}: {reason}")


def changed_meanwhile(instance: Instance) -> Message:
    """Two people set the schedule at once; this one lost."""
    return notice(f"The schedule on {label(instance)} changed meanwhile; nothing was set. Try again.")


def refused_setting(reason: str) -> Message:
    """Setting the schedule is not for this person."""
    return notice(f"{CLOCK} Not set: {reason}")
