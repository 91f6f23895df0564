"""What leases say: set, shown, removed, listed; the notice at a lease's end, and what came of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.domain.controls import NoticeKind
from bot.domain.fleet.names import Called
from bot.domain.records import Lease
from bot.domain.verbs import DELETE, STOP, VERBS, Verb
from bot.nebula.errors import NebulaError
from bot.slack.messages import texts
from bot.slack.messages.kit import (
    Message,
    context,
    message,
    moment,
    named,
    notice,
    section,
    value,
    who,
)
from bot.slack.messages.notices.fleet import ROWS, buttons

TWO_PERSON_NOTE: Final = (
    "With the two-person rule (NEBULA_BOT_APPROVERS), a lease only reminds: stopping or deleting "
    "still needs an approver's confirmation."
)


def lease_set(lease: Lease, dry_run: bool, note: str = "") -> Message:
    """The answer to `/nebula lease <id> <duration>`, in the channel; `note` is the bot's own mrkdwn."""
    return notice(f":stopwatch: {_lease_line(lease, dry_run)} {note}".rstrip())


def _then(lease: Lease, dry_run: bool) -> str:
    if lease.action == "remind":
        return "Then the bot posts a reminder here."
    dry = " (dry run: nothing will change at Nebula)" if dry_run else ""
    return f"Then the bot will {lease.action} it, unless someone clicks Keep{dry}."


def _lease_line(lease: Lease, dry_run: bool) -> str:
    called = named(lease.instance_id, lease.host_name)
    return (
        f"Lease on {called} ends {moment(lease.ends_at)}, set by {who(lease.set_by)}. {_then(lease, dry_run)}"
    )


def lease_shown(lease: Lease | None, called: Called, dry_run: bool) -> Message:
    """The answer to `/nebula lease <id>`."""
    if lease is None:
        return notice(
            f"No lease on {named(called.instance_id, called.host_name)}. "
            f"Set one with `/nebula lease {called.reference} 8h`."
        )
    if lease.ended_at is not None:
        return notice(
            f"The lease on {named(lease.instance_id, lease.host_name)} ended {moment(lease.ends_at)}."
        )
    return notice(_lease_line(lease, dry_run))


def lease_removed(called: Called, found: bool) -> Message:
    """The answer to `/nebula lease <id> off`."""
    name = named(called.instance_id, called.host_name)
    if not found:
        return notice(f"No lease on {name}; nothing to remove.")
    return notice(f"Lease on {name} removed. Nothing will happen to it when it would have ended.")


def leases(all_leases: Sequence[Lease]) -> Message:
    """`/nebula leases`: the leases ending soonest, the total stated, and how to see any other."""
    if not all_leases:
        return notice("No leases. Set one with `/nebula lease <id> 8h`.")
    ordered = sorted(all_leases, key=lambda lease: lease.ends_at)
    lines = [
        section(
            f"• {named(lease.instance_id, lease.host_name, 40)}: "
            f"{'ended' if lease.ended_at is not None else 'ends'} {moment(lease.ends_at)}, "
            f"set by {who(lease.set_by)}, then {lease.action}"
        )
        for lease in ordered[:ROWS]
    ]
    more = (
        [context(f"and {len(ordered) - ROWS} more, ending later: `/nebula lease <id>` shows any one.")]
        if len(ordered) > ROWS
        else []
    )
    return message(f"Leases: {len(ordered)}", [section(f"*Leases* ({len(ordered)})"), *lines, *more])


def lease_ended(
    lease: Lease, act_at: float | None, snooze: float, dry_run: bool, owner: str | None = None
) -> Message:
    """A lease's end, in the channel where it was set: what happens next, and Keep."""
    owned = f" (owner: {who(owner)})" if owner else ""
    lines = [
        f":stopwatch: Lease on {named(lease.instance_id, lease.host_name)}{owned} "
        f"set by {who(lease.set_by)} ended."
    ]
    if act_at is not None:
        dry = " (dry run: nothing will change at Nebula)" if dry_run else ""
        lines.append(f"The bot will {lease.action} it at {moment(act_at)} unless someone clicks Keep{dry}.")
        acts: tuple[Verb, ...] = (VERBS.get(lease.action, STOP),)
    else:
        lines.append("Keep it, or stop or delete it (after confirmation).")
        acts = (STOP, DELETE)
    shown = buttons(NoticeKind.LEASE, lease.instance_id, lease.serial, snooze, acts)
    return message(" ".join(lines), [section(" ".join(lines)), shown])


def lease_kept(lease: Lease, by: str) -> Message:
    """A lease notice after Keep: the new end, nothing pending."""
    called = named(lease.instance_id, lease.host_name)
    return notice(f":stopwatch: Kept by {who(by)}: the lease on {called} now ends {moment(lease.ends_at)}.")


def lease_moot(lease: Lease, status: str | None, protected: str = "") -> Message:
    """A lease that ended on an instance already stopped or gone, or protected: nothing to do."""
    now = (
        f"is {protected}"
        if protected
        else f"is already {value(status, limit=24)}"
        if status
        else "is already gone"
    )
    called = named(lease.instance_id, lease.host_name)
    return notice(
        f":stopwatch: Lease on {called} set by {who(lease.set_by)} ended; the instance {now}. Nothing to do."
    )


def lease_waiting(lease: Lease, error: NebulaError) -> Message:
    """A lease is due and Nebula cannot be read: nothing is decided on old data."""
    return notice(
        f":stopwatch: The lease on {named(lease.instance_id, lease.host_name)} is due, but Nebula cannot be "
        f"read right now ({texts.nebula_error(error)}). The bot decides as soon as Nebula answers."
    )


def lease_not_carried_out(lease: Lease, reason: str) -> Message:
    """The lease's action was refused at its time (the setter may no longer act, say)."""
    called = named(lease.instance_id, lease.host_name)
    return notice(f":stopwatch: Lease on {called} ended, but the bot did not {lease.action} it: {reason}")


def changed_meanwhile() -> Message:
    """Two people changed the lease at once; this one lost."""
    return notice("Someone else changed this lease just now: try again.")


def keep_too_late(action: str, outcome: str, ends_at: float) -> Message:
    """Keep pressed after the lease's change was sent: the lease is extended, the change stands."""
    said = f": {outcome}" if outcome else ""
    return notice(
        f"Too late: the bot has already sent the {action}{said} (see the thread). "
        f"The lease now ends {moment(ends_at)}."
    )


def already_sent(verb: str, outcome: str) -> Message:
    """A button of a lease notice whose change was sent when the lease ended."""
    said = f" Its outcome: {outcome}." if outcome else ""
    return notice(f"Too late: the bot already sent the {verb} when the lease ended (see the thread).{said}")
