"""Budgets: what the team may spend in a month or a week, what it has spent, and where it is heading. Pure.

Spend is accrued from what the watcher reads: for each running instance, what its own cost (Nebula's
`total_cost`) grew by since it was last seen running (its mark), or, where Nebula gives no believable
cost, its price per hour times that time. The ledger keeps the marks, this period's spend by instance
and the last days' spend, in one record written by compare-and-set, so replicas and restarts neither
count an interval twice nor lose one. An instance first seen running (or running again after a stop)
starts a mark without spend: at most one watcher interval of it goes uncounted.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from bot.domain.money.bill import Billed, Unbilled
from bot.domain.records import Record

Period = Literal["month", "week"]
_AMOUNT: Final = re.compile(r"\$?([0-9][0-9,]{0,11}(?:\.[0-9]{1,2})?)/(month|week)", re.ASCII)
THRESHOLDS: Final = (50, 80, 100)
FORECAST_ALERT: Final = "forecast"
DAYS_KEPT: Final = 60  # daily spend kept for the digest's chart
# An instance seen running at both ends of a gap longer than this (the bot down a day or more) is not
# believed to have run all along: the reading restarts its mark without spend.
MAX_GAP: Final = 24 * 3600.0
TEAM: Final = "team"  # the key of the one budget and ledger
# An instance's own cost may grow faster than its listed price says (its detail, read every few hours,
# corrects the figure carried forward between reads), but not by more than this many hours of its price
# beyond twice the interval's estimate: more is a bug or a reset, and the estimate counts instead.
CORRECTION_HOURS: Final = 12.0


@dataclass(frozen=True)
class Budget(Record, kind="budget"):
    """What may be spent per period, who said so, and the alerts this period has had."""

    amount: float
    period: Period
    set_by: str
    set_at: float
    alerted_period: float = 0.0  # the start of the period `alerted` belongs to
    alerted: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """There is one budget."""
        return TEAM


@dataclass(frozen=True)
class Ledger(Record, kind="ledger"):
    """What has been spent: marks (instance id -> when last accrued), each instance's own cost at its
    mark (where Nebula gave one), this period's spend by instance, and the spend of each day (UTC,
    `YYYY-MM-DD`)."""

    period_start: float = 0.0
    per_hour: float = 0.0  # the fleet's burn rate at the last reading
    marks: dict[str, float] = field(default_factory=dict)
    by_instance: dict[str, float] = field(default_factory=dict)
    by_day: dict[str, float] = field(default_factory=dict)
    # Instance id -> [Nebula's figure for its cost when it last changed, what was counted since].
    costs: dict[str, list[float]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """There is one ledger."""
        return TEAM

    @property
    def spent(self) -> float:
        """This period's spend so far."""
        return sum(self.by_instance.values())


@dataclass(frozen=True)
class Figures:
    """A budget's state now: spent, burn rate, the period's forecast, and when the money runs out."""

    amount: float
    period: Period
    spent: float
    per_hour: float
    forecast: float
    period_end: float
    runs_out_at: float | None  # None: not within this period at today's burn
    top: tuple[tuple[str, float], ...]  # the biggest spenders this period: (instance id, spent)
    # Spent is what Nebula billed up to `billed_until`, and the estimate after it; without a bill,
    # all of it is the estimate, for the reason `unbilled` says.
    billed_until: float | None = None
    unbilled: Unbilled | None = None

    @property
    def share(self) -> float:
        """Spent, as a fraction of the budget."""
        return self.spent / self.amount if self.amount > 0 else 0.0

    @property
    def over(self) -> bool:
        """The budget is spent."""
        return self.spent >= self.amount


@dataclass(frozen=True)
class DaySpend:
    """One day's spend (UTC, `YYYY-MM-DD`): as Nebula billed it, or the bot's estimate."""

    day: str
    amount: float
    billed: bool


def parse_budget(word: str) -> tuple[float, Period] | None:
    """`5000/month`, `$1,200/week`: the amount and the period, or None."""
    found = _AMOUNT.fullmatch(word.strip().lower())
    if found is None:
        return None
    amount = float(found[1].replace(",", ""))
    return (amount, "month" if found[2] == "month" else "week") if amount > 0 else None


def period_bounds(period: Period, now: float) -> tuple[float, float]:
    """The start and end (epoch seconds, UTC) of the period holding `now`."""
    day = dt.datetime.fromtimestamp(now, dt.UTC).date()
    if period == "month":
        first = day.replace(day=1)
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1]) + dt.timedelta(days=1)
    else:
        first = day - dt.timedelta(days=day.weekday())
        last = first + dt.timedelta(days=7)
    return _midnight(first), _midnight(last)


def accrue(
    ledger: Ledger,
    running: Mapping[str, float],
    now: float,
    period: Period,
    costs: Mapping[str, float] | None = None,
) -> Ledger:
    """`ledger` after a reading at `now` of the running instances (id -> price per hour), with what
    each has cost so far where Nebula said (`costs`: id -> its `total_cost`)."""
    start, _ = period_bounds(period, now)
    costs = costs or {}
    by_instance = dict(ledger.by_instance) if ledger.period_start == start else {}
    by_day = dict(ledger.by_day)
    marks: dict[str, float] = {}
    anchors: dict[str, list[float]] = {}
    spans: dict[float, list[tuple[str, float, float]]] = {}  # most marks are the last reading's time
    for instance_id, per_hour in running.items():
        mark = ledger.marks.get(instance_id)
        marks[instance_id] = now
        figure = costs.get(instance_id)
        if mark is None or not 0 < now - mark <= MAX_GAP or not math.isfinite(per_hour) or per_hour < 0:
            if figure is not None and math.isfinite(figure) and figure >= 0:
                anchors[instance_id] = [figure, 0.0]
            continue
        if mark not in spans:
            spans[mark] = _days(mark, now)
        grown, anchor = _grown(ledger.costs.get(instance_id), figure, per_hour, now - mark)
        if anchor is not None:
            anchors[instance_id] = anchor
        for day, began, seconds in spans[mark]:
            amount = grown * seconds / (now - mark)
            by_day[day] = by_day.get(day, 0.0) + amount
            if began >= start:  # a day before this period counts for its day, not for the period
                by_instance[instance_id] = by_instance.get(instance_id, 0.0) + amount
    kept = sorted(by_day)[-DAYS_KEPT:]
    burn = sum(p for p in running.values() if math.isfinite(p) and p >= 0)
    return Ledger(
        period_start=start,
        per_hour=burn,
        marks=marks,
        by_instance=by_instance,
        by_day={day: by_day[day] for day in kept},
        costs=anchors,
    )


def _grown(
    anchor: list[float] | None, figure: float | None, per_hour: float, seconds: float
) -> tuple[float, list[float] | None]:
    """What an instance cost over `seconds`, and its anchor after: Nebula's figure when it last
    changed, and what was counted since.

    Until the figure changes (Nebula may update it hourly, or never), the price counts for the time.
    When it grows, what it grew by counts, less what was counted meanwhile (never less than nothing:
    what was counted stays counted). A figure that went down (under the one carried forward since
    the instance's last detail) or grew beyond belief (a reset, a bug) is not believed: the price
    counts, and the figure is the new anchor."""
    estimate = per_hour * seconds / 3600
    if figure is None or not math.isfinite(figure) or figure < 0:
        return estimate, None
    if not isinstance(anchor, list) or len(anchor) != 2 or not all(_finite(value) for value in anchor):
        return estimate, [figure, 0.0]  # none yet, or one the store should not hold
    before, counted = anchor
    growth = figure - before
    if growth == 0:
        return estimate, [before, counted + estimate]
    if 0 < growth <= counted + 2 * estimate + per_hour * CORRECTION_HOURS:
        return max(0.0, growth - counted), [figure, 0.0]
    return estimate, [figure, 0.0]


def figures(
    amount: float,
    period: Period,
    ledger: Ledger,
    per_hour: float,
    now: float,
    bill: Billed | Unbilled | None = None,
) -> Figures:
    """Where the budget stands at `now`, burning `per_hour`: what Nebula billed for the period (with
    the hours since its last bill estimated at `per_hour`), or without a bill the ledger's estimate."""
    start, end = period_bounds(period, now)
    billed_until, unbilled = None, bill if isinstance(bill, Unbilled) else None
    if isinstance(bill, Billed):
        billed_until = bill.until
        spent = bill.amount + per_hour * max(0.0, now - max(bill.until, start)) / 3600
    else:
        spent = spent_since(ledger, start, now)
    hours_left = max(0.0, end - now) / 3600
    forecast = spent + per_hour * hours_left
    runs_out: float | None = None
    if spent >= amount:
        runs_out = now
    elif per_hour > 0:
        at = now + (amount - spent) / per_hour * 3600
        runs_out = at if at < end else None
    by_instance = ledger.by_instance if ledger.period_start == start else {}
    top = tuple(sorted(by_instance.items(), key=lambda item: (-item[1], item[0]))[:5])
    return Figures(amount, period, spent, per_hour, forecast, end, runs_out, top, billed_until, unbilled)


def spent_since(ledger: Ledger, start: float, now: float) -> float:
    """What was spent from `start` to `now`: the sum of those days' spend, as the digest charts them
    (one definition, whichever period the ledger was last accrued for)."""
    first, last = day_of(start), day_of(now)
    return sum(amount for day, amount in ledger.by_day.items() if first <= day <= last)


def due_alerts(current: Figures, sent: Iterable[str]) -> tuple[list[str], list[str]]:
    """The alerts this period has not had yet: those to post, and those to mark as had. Of several
    thresholds passed at once (a budget set already 83 % spent) only the highest is said: the lower
    ones are had with it. The forecast over budget is its own alert."""
    done = set(sent)
    passed = [str(t) for t in THRESHOLDS if current.share * 100 >= t and str(t) not in done]
    said = passed[-1:]
    if current.forecast > current.amount and not current.over and FORECAST_ALERT not in done:
        said.append(FORECAST_ALERT)
        passed.append(FORECAST_ALERT)
    return said, passed


def day_of(epoch: float) -> str:
    """The UTC day `YYYY-MM-DD` of `epoch`."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d")


def last_days(ledger: Ledger, now: float, days: int = 14) -> list[tuple[str, float]]:
    """The spend of each of the last `days` days, oldest first (0 for a day with none)."""
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    wanted = [(today - dt.timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days - 1, -1, -1)]
    return [(day, ledger.by_day.get(day, 0.0)) for day in wanted]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _midnight(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def _days(since: float, until: float) -> list[tuple[str, float, float]]:
    """(day, its part's start, seconds) of the interval (since, until], split at UTC midnights."""
    parts: list[tuple[str, float, float]] = []
    while since < until:
        day = dt.datetime.fromtimestamp(since, dt.UTC).date()
        upto = min(until, _midnight(day + dt.timedelta(days=1)))
        parts.append((day.strftime("%Y-%m-%d"), since, upto - since))
        since = upto
    return parts
