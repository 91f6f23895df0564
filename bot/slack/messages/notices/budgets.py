"""What budgets say: the budget and where it stands, its alerts (with the biggest spenders' menus), the
digest's budget line and its chart of the last days' spend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from slack_sdk.models.blocks import Block

from bot.domain.fleet.instance import Instance
from bot.domain.money.bill import Disagreement, Unbilled
from bot.domain.money.budgets import FORECAST_ALERT, Budget, DaySpend, Figures
from bot.domain.records import Protection
from bot.slack.messages.instances import row
from bot.slack.messages.kit import (
    Message,
    context,
    dollars,
    figure,
    message,
    moment,
    named,
    notice,
    people,
    per_hour,
    section,
    who,
)

MONEY: Final = ":moneybag:"
BAR_WIDTH: Final = 20
_EIGHTHS: Final = " ▏▎▍▌▋▊▉"


def _amount(budget: Budget | Figures) -> str:
    return f"{dollars(budget.amount)}/{budget.period}"


def budget_set(budget: Budget, current: Figures) -> Message:
    """The answer to `/nebula budget 5000/month`, in the channel."""
    return notice(
        f"{MONEY} Budget set to {_amount(budget)} by {who(budget.set_by)}. {_standing(current)} "
        "Alerts at 50 %, 80 % and 100 %, and when the forecast goes over; over 100 %, starting an "
        "instance or extending a lease needs an approver."
    )


def budget_removed(found: bool, by: str) -> Message:
    """The answer to `/nebula budget off`."""
    if not found:
        return notice("No budget is set; nothing to remove.")
    return notice(f"{MONEY} Budget removed by {who(by)}. Spend is still counted; nothing is limited.")


def setting_needs_an_approver(approvers: frozenset[str]) -> Message:
    """Only approvers set the budget, when there are approvers."""
    return notice(f"{MONEY} Only an approver ({people(approvers)}) may set or remove the budget.")


def changed_meanwhile() -> Message:
    """Two people set the budget at once; this one lost."""
    return notice(f"{MONEY} The budget changed meanwhile; nothing was set. `/nebula budget` shows it.")


def no_budget() -> Message:
    """`/nebula budget` without one."""
    return notice("No budget is set. Set one with `/nebula budget 5000/month` (or `/week`).")


def _standing(current: Figures) -> str:
    if current.over:
        runs_out = "It is spent."
    elif current.runs_out_at is not None:
        runs_out = f"At this burn it runs out {moment(current.runs_out_at)}."
    else:
        runs_out = f"At this burn it lasts the {current.period}."
    share = figure(current.share)
    of_it = "?" if share is None else f"{share:.0%}"
    billed = ""
    if current.billed_until is not None:
        billed = f", as Nebula billed it to {moment(current.billed_until)} (the time since estimated)"
    return (
        f"Spent this {current.period}: {dollars(current.spent)} ({of_it}){billed}; burning "
        f"{per_hour(current.per_hour)}; forecast {dollars(current.forecast)} by "
        f"{moment(current.period_end)}. {runs_out}"
    )


def _spenders(current: Figures, hosts: Mapping[str, str | None]) -> str:
    return "\n".join(
        f"• {named(instance_id, hosts.get(instance_id), 40)}: {dollars(spent)}"
        for instance_id, spent in current.top
    )


ESTIMATED: Final = (
    "Spend is estimated from the watcher's readings: what each running instance's own cost (Nebula's "
    "`total_cost`) grew by between them, or its price times that time where Nebula gives no cost."
)
BILLED: Final = (
    "Spend is what Nebula billed (its credit history, hourly), and for the time since its last bill "
    "each running instance's price times that time. The spenders below are each instance's own cost "
    "as Nebula gives it."
)
SPLIT: Final = (
    "Spend is this team's own instances' cost as Nebula gives it (`total_cost`, read each cycle): the "
    "key is another team's too, and the instances named in this team's table (`instances`) split the "
    "account's bill."
)
UNBILLED: Final = {
    Unbilled.NOT_READ: "The watcher has not read Nebula's credit history yet; it does each cycle.",
    Unbilled.NOTHING_BILLED: "Nebula's credit history has no consumption yet.",
    Unbilled.STALE: "Nebula's newest bill is more than six hours old.",
    Unbilled.UNREAD: "Nebula's credit history could not be read; it is read again each cycle.",
    Unbilled.SHARED: "This team's key is another team's too, and Nebula bills the account as one, so "
    "the whole fleet counts here. To count this team's own, name its instances in its table of the "
    'teams file (`instances = ["research-*"]`).',
}


def counted(current: Figures) -> str:
    """How the spend was counted: billed, split by the team's instances, or estimated and why."""
    if current.billed_until is not None:
        return BILLED
    if current.unbilled is Unbilled.SPLIT:
        return SPLIT
    why = UNBILLED.get(current.unbilled) if current.unbilled is not None else None
    return f"{ESTIMATED} {why}" if why else ESTIMATED


def budget_shown(current: Figures, hosts: Mapping[str, str | None]) -> Message:
    """`/nebula budget`: the standing (and how it was counted), and the five biggest spenders."""
    head = f"{MONEY} *Budget* {_amount(current)}"
    blocks: list[Block] = [section(head), section(_standing(current)), context(counted(current))]
    if current.top:
        blocks.append(
            section(
                f"*Biggest spenders this {current.period}* (what each cost since the {current.period} "
                f"began, not since it started)\n{_spenders(current, hosts)}"
            )
        )
    return message(f"{head} {_standing(current)}", blocks)


def alert(
    kind: str, current: Figures, top: Sequence[Instance], protections: Mapping[str, Protection]
) -> Message:
    """An alert in the watch channel: a threshold passed, or the forecast over the budget; with the
    biggest spenders running now, each with its ⋯ menu (stop is there)."""
    what = (
        f"The forecast for this {current.period} is {dollars(current.forecast)}, over the budget"
        if kind == FORECAST_ALERT
        else f"The budget is past {kind} %"
    )
    head = f"{MONEY} {what} ({_amount(current)})."
    blocks: list[Block] = [section(head), section(_standing(current))]
    if top:
        blocks.append(context("The biggest spenders running now:"))
        blocks.extend(row(instance, protections.get(instance.id)) for instance in top)
    return message(f"{head} {_standing(current)}", blocks)


def digest_line(current: Figures) -> str:
    """The daily digest's budget line."""
    return f"{MONEY} Budget {_amount(current)}: {_standing(current)}"


def chart(days: Sequence[DaySpend]) -> str:
    """The last days' spend as a bar chart in text, one line a day (a person would rather look); a
    day Nebula has not billed whole is the estimate, marked `~`."""
    shown = [(day, figure(day.amount) or 0.0) for day in days]
    most = max((spent for _, spent in shown), default=0.0)
    lines = []
    for day, spent in shown:
        eighths = round(max(0.0, spent) / most * BAR_WIDTH * 8) if most > 0 else 0
        bar = "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
        lines.append(f"{day.day[5:]} {bar:<{BAR_WIDTH}} {'' if day.billed else '~'}{dollars(spent)}")
    return "```\n" + "\n".join(lines) + "\n```"


def chart_legend(days: Sequence[DaySpend]) -> str:
    """What the chart's figures are."""
    if all(day.billed for day in days):
        return "As Nebula billed each day."
    if not any(day.billed for day in days):
        return "Estimated: Nebula's bill for these days is not known."
    return "As Nebula billed each day; ~ estimated, where Nebula has not billed the whole day."


def disagreement(found: Disagreement) -> str:
    """Yesterday's estimate was far from what Nebula billed."""
    share = abs(found.estimated - found.billed) / found.billed if found.billed > 0 else None
    how_far = f" ({share:.0%} apart)" if share is not None and share < 100 else ""
    return (
        f":mag: On {found.day} Nebula billed {dollars(found.billed)}; the bot's estimate was "
        f"{dollars(found.estimated)}{how_far}. The chart and budgets count the bill."
    )


def digest(
    cost: Message,
    current: Figures | None,
    days: Sequence[DaySpend],
    credits: str = "",
    off: Disagreement | None = None,
) -> Message:
    """The daily digest: the cost summary, then the credits' line (the bot's mrkdwn), the budget line,
    the last days' spend as a chart, and yesterday's bill when the estimate was far from it."""
    extra: list[dict[str, object]] = []
    if credits:
        extra.append(section(f":moneybag: Credits: {credits}").to_dict())
    if current is not None:
        extra.append(section(digest_line(current)).to_dict())
    if days:
        extra.append(section(f"*Spend, the last {len(days)} days*\n{chart(days)}").to_dict())
        extra.append(context(chart_legend(days)).to_dict())
    if off is not None:
        extra.append(context(disagreement(off)).to_dict())
    text = cost.text + (f" {digest_line(current)}" if current is not None else "")
    return Message(text=text[:3000], blocks=(*cost.blocks[: 50 - len(extra)], *extra))
