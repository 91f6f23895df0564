"""What the bot says about the account's prepaid credits: `/nebula credits`, the runway alert (once per
crossing), and credits added."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import Block

from bot.domain.calendar.durations import format_duration
from bot.domain.fleet.instance import Instance
from bot.domain.money.credits import Runway
from bot.domain.records import Protection
from bot.slack.messages.instances import row
from bot.slack.messages.kit import Message, context, dollars, message, moment, notice, per_hour, section


def runway_line(runway: Runway, now: float) -> str:
    """ "$1,228.56 left; at $31.76/h that is 1d 14h: until <date>"."""
    left = f"*{dollars(runway.balance)}* left"
    if runway.per_hour <= 0:
        return f"{left}; nothing is running, so nothing is billed by the hour."
    until = runway.until(now)
    if until is None:
        return f"{left}; at {per_hour(runway.per_hour)} it lasts more than ten years."
    lasts = format_duration(until - now)
    return f"{left}; at {per_hour(runway.per_hour)} that is *{lasts}*: until {moment(until)}."


def billed_line(day: float | None, week: float | None) -> str:
    """What Nebula's history says was billed, or why it is not known."""
    if day is None or week is None:
        return "Nebula's billing history could not be read just now."
    return f"Billed by Nebula: {dollars(day)} in the last 24 h, {dollars(week)} in the last 7 days (hourly)."


def credits_shown(
    runway: Runway,
    now: float,
    billed: str,
    top: Sequence[Instance],
    protections: Mapping[str, Protection],
    shared_with: Sequence[str] = (),
) -> Message:
    """`/nebula credits`: the balance and its runway, what was billed, the biggest burners with menus."""
    head = f":moneybag: {runway_line(runway, now)}"
    blocks: list[Block] = [section(head), context(billed)]
    if shared_with:
        blocks.append(context(f"This balance is the Nebula account's, shared with {', '.join(shared_with)}."))
    if top:
        blocks.append(context("Burning most now:"))
        blocks.extend(row(instance, protections.get(instance.id)) for instance in top)
    return message(f"{head} {billed}", blocks)


def runway_alert(
    runway: Runway,
    now: float,
    alert_hours: float,
    top: Sequence[Instance],
    protections: Mapping[str, Protection],
) -> Message:
    """The watch channel's alert: the credits run out within the threshold (or a quarter of it)."""
    hours = runway.hours
    under = alert_hours / 4 if hours is not None and hours < alert_hours / 4 else alert_hours
    head = (
        f":rotating_light: Nebula credits run out within {format_duration(under * 3600)}: "
        f"{runway_line(runway, now)} "
        "When they do, Nebula stops every instance. Add credits in Nebula's console, or stop what can wait."
    )
    blocks: list[Block] = [section(head)]
    if top:
        blocks.append(context("Burning most now (⋯: stop, or `/nebula lease <name> 2h`):"))
        blocks.extend(row(instance, protections.get(instance.id)) for instance in top)
    return message(head, blocks)


def credits_added(amount: float, runway: Runway, now: float) -> Message:
    """Credits were added since the alert: it is over."""
    return notice(f":white_check_mark: Credits added ({dollars(amount)}): {runway_line(runway, now)}")
