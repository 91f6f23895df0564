"""Messages about the fleet: reminders, lease notices, leases, and the cost view. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock

from bot.domain.costs import FleetCost, Usage
from bot.domain.durations import format_duration
from bot.domain.model import Instance, Lease, Reminder
from bot.slack.messages.kit import Message, context, fields, gpu, message, moment, notice, section, value, who
from bot.slack.messages.mrkdwn import code, fit, literal

KEEP_ACTION_ID: Final = "nebula_keep"
FLEET_STOP_ACTION_ID: Final = "nebula_fleet_stop"
FLEET_DELETE_ACTION_ID: Final = "nebula_fleet_delete"
COST_ROWS: Final = 40
_ROW_LIMIT: Final = 280


def dollars(amount: float | None) -> str:
    """ "$1,234.56", or "unknown"."""
    return "unknown" if amount is None else f"${amount:,.2f}"


def keep_label(seconds: float) -> str:
    """ "Keep 24h": whole hours up to three days, else the usual duration."""
    hours, rest = divmod(int(seconds), 3600)
    return f"Keep {hours}h" if not rest and 0 < hours <= 72 else f"Keep {format_duration(seconds)}"


def _name(instance_id: str, host_name: str | None) -> str:
    return f"*{literal(host_name, 64)}* ({code(instance_id)})" if host_name else code(instance_id)


def _running_for(seconds: float | None) -> str:
    return "unknown" if seconds is None else format_duration(seconds)


def _per_hour(per_hour: float | None) -> str:
    return f"${per_hour:,.3f}/h" if per_hour is not None and math.isfinite(per_hour) else "unknown"


def _buttons(instance_id: str, keep: str | None, keep_seconds: float, acts: Sequence[str]) -> ActionsBlock:
    elements = []
    if keep is not None:
        elements.append(ButtonElement(text=keep_label(keep_seconds), action_id=KEEP_ACTION_ID, value=keep))
    if "stop" in acts:
        elements.append(ButtonElement(text="Stop", action_id=FLEET_STOP_ACTION_ID, value=instance_id))
    if "delete" in acts:
        elements.append(
            ButtonElement(text="Delete", action_id=FLEET_DELETE_ACTION_ID, value=instance_id, style="danger")
        )
    return ActionsBlock(elements=elements)


def _figures(reminder: Reminder) -> SectionBlock:
    owner = [("Owner", who(reminder.owner))] if reminder.owner else []
    return SectionBlock(
        fields=fields(
            [
                *owner,
                ("Instance", code(reminder.instance_id)),
                (
                    "GPU",
                    gpu(
                        Instance(
                            id=reminder.instance_id, gpu_type=reminder.gpu_type, gpu_count=reminder.gpu_count
                        )
                    ),
                ),
                ("Running for", _running_for(reminder.running_seconds)),
                ("Cost so far", dollars(reminder.cost)),
                ("Price", _per_hour(reminder.per_hour)),
            ]
        )
    )


def reminder(
    reminder: Reminder, snooze: float, protected: str = "", *, kept_until: float | None = None
) -> Message:
    """A long-running instance: what it has cost, and Keep / Stop / Delete.

    Once kept, it says by whom and until when, and offers only Stop and Delete.
    """
    name = _name(reminder.instance_id, reminder.host_name)
    headline = f":alarm_clock: {name} has been running for {_running_for(reminder.running_seconds)}."
    blocks: list[Block] = [section(headline), _figures(reminder)]
    if protected:
        blocks.append(context(f"{protected}: stop and delete are refused until it is unprotected."))
    if kept_until is not None and reminder.kept_by:
        blocks.append(context(f"Kept by {who(reminder.kept_by)} until {moment(kept_until)}."))
        blocks.append(_buttons(reminder.instance_id, None, snooze, ("stop", "delete")))
    else:
        blocks.append(context("Stop and Delete ask for confirmation first, as `/nebula stop` would."))
        blocks.append(
            _buttons(reminder.instance_id, f"reminder:{reminder.instance_id}", snooze, ("stop", "delete"))
        )
    text = f"{headline} {dollars(reminder.cost)} so far."
    return message(text, blocks)


def reminder_closed(reminder: Reminder, status: str | None) -> Message:
    """The instance a reminder was about stopped or is gone: no buttons left."""
    name = _name(reminder.instance_id, reminder.host_name)
    now = f"is now {value(status)}" if status else "is gone"
    return notice(f":white_check_mark: {name} {now}; this reminder is closed.")


def lease_set(lease: Lease, dry_run: bool, note: str = "") -> Message:
    """The answer to `/nebula lease <id> <duration>`, in the channel; `note` is the bot's own mrkdwn."""
    return notice(f":stopwatch: {_lease_line(lease, dry_run)} {note}".rstrip())


def _then(lease: Lease, dry_run: bool) -> str:
    if lease.action == "remind":
        return "Then the bot posts a reminder here."
    dry = " (dry run: nothing will change at Nebula)" if dry_run else ""
    return f"Then the bot will {lease.action} it, unless someone clicks Keep{dry}."


def _lease_line(lease: Lease, dry_run: bool) -> str:
    name = _name(lease.instance_id, lease.host_name)
    return (
        f"Lease on {name} ends {moment(lease.ends_at)}, set by {who(lease.set_by)}. {_then(lease, dry_run)}"
    )


def lease_shown(lease: Lease | None, instance_id: str, dry_run: bool) -> Message:
    """The answer to `/nebula lease <id>`."""
    if lease is None:
        return notice(f"No lease on {code(instance_id)}. Set one with `/nebula lease {instance_id} 8h`.")
    if lease.ended_at is not None:
        return notice(
            f"The lease on {_name(lease.instance_id, lease.host_name)} ended {moment(lease.ends_at)}."
        )
    return notice(_lease_line(lease, dry_run))


def lease_removed(instance_id: str, found: bool) -> Message:
    """The answer to `/nebula lease <id> off`."""
    if not found:
        return notice(f"No lease on {code(instance_id)}; nothing to remove.")
    return notice(
        f"Lease on {code(instance_id)} removed. Nothing will happen to it when it would have ended."
    )


def leases(all_leases: Sequence[Lease]) -> Message:
    """`/nebula leases`: every lease, soonest end first."""
    if not all_leases:
        return notice("No leases. Set one with `/nebula lease <id> 8h`.")
    ordered = sorted(all_leases, key=lambda lease: lease.ends_at)
    lines = [
        f"• {_name(lease.instance_id, lease.host_name)}: "
        f"{'ended' if lease.ended_at is not None else 'ends'} {moment(lease.ends_at)}, "
        f"set by {who(lease.set_by)}, then {lease.action}"
        for lease in ordered[:COST_ROWS]
    ]
    more = [context(f"and {len(ordered) - COST_ROWS} more")] if len(ordered) > COST_ROWS else []
    return message(
        f"{len(ordered)} leases",
        [section(f"*Leases* ({len(ordered)})"), *[section(line) for line in lines], *more],
    )


def lease_ended(
    lease: Lease, act_at: float | None, snooze: float, dry_run: bool, owner: str | None = None
) -> Message:
    """A lease's end, in the channel where it was set: what happens next, and Keep."""
    name = _name(lease.instance_id, lease.host_name)
    owned = f" (owner: {who(owner)})" if owner else ""
    lines = [f":stopwatch: Lease on {name}{owned} set by {who(lease.set_by)} ended."]
    if act_at is not None:
        dry = " (dry run: nothing will change at Nebula)" if dry_run else ""
        lines.append(f"The bot will {lease.action} it at {moment(act_at)} unless someone clicks Keep{dry}.")
        acts: tuple[str, ...] = (lease.action,)
    else:
        lines.append("Keep it, or stop or delete it (after confirmation).")
        acts = ("stop", "delete")
    buttons = _buttons(lease.instance_id, f"lease:{lease.instance_id}", snooze, acts)
    return message(" ".join(lines), [section(" ".join(lines)), buttons])


def lease_kept(lease: Lease, by: str) -> Message:
    """A lease notice after Keep: the new end, nothing pending."""
    name = _name(lease.instance_id, lease.host_name)
    return notice(f":stopwatch: Kept by {who(by)}: the lease on {name} now ends {moment(lease.ends_at)}.")


def lease_moot(lease: Lease, status: str | None, protected: str = "") -> Message:
    """A lease that ended on an instance already stopped or gone, or protected: nothing to do."""
    name = _name(lease.instance_id, lease.host_name)
    now = f"is {protected}" if protected else f"is already {value(status)}" if status else "is already gone"
    return notice(
        f":stopwatch: Lease on {name} set by {who(lease.set_by)} ended; the instance {now}. Nothing to do."
    )


def lease_not_carried_out(lease: Lease, reason: str) -> Message:
    """The lease's action was refused at its time (the setter may no longer act, say)."""
    name = _name(lease.instance_id, lease.host_name)
    return notice(f":stopwatch: Lease on {name} ended, but the bot did not {lease.action} it: {reason}")


def cost(summary: FleetCost, *, heading: str = "Running instances") -> Message:
    """Running instances, costliest first, then the burn rate and the total so far."""
    totals = (
        f"Burn rate *{dollars(summary.per_hour)}/h* ({dollars(summary.per_day)}/day); "
        f"*{dollars(summary.so_far)}* so far."
    )
    if summary.unpriced:
        totals += f" {summary.unpriced} without a price from Nebula are not counted."
    if not summary.rows:
        return notice(f"*{heading}*: none. Nothing is being billed by the hour.")
    rows = [section(fit(_cost_row(row), _ROW_LIMIT)) for row in summary.rows[:COST_ROWS]]
    more = summary.rows[COST_ROWS:]
    tail = (
        [context(f"and {len(more)} more, {dollars(sum(r.cost or 0 for r in more))} so far")] if more else []
    )
    text = f"{heading}: {len(summary.rows)}. {totals}"
    return message(text, [section(f"*{heading}* ({len(summary.rows)})"), *rows, *tail, section(totals)])


def _cost_row(row: Usage) -> str:
    instance = row.instance
    return (
        f"{_name(instance.id, instance.host_name)} · {gpu(instance)} · {_per_hour(row.per_hour)} · "
        f"running {_running_for(row.running_seconds)} · *{dollars(row.cost)}* so far"
    )
