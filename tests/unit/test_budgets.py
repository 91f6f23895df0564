"""Budget arithmetic (bot.domain.budgets) and its chart."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money.budgets import (
    DaySpend,
    Ledger,
    accrue,
    due_alerts,
    figures,
    last_days,
    parse_budget,
    period_bounds,
)
from bot.slack.messages.notices.budgets import chart

HOUR = 3600.0


def utc(year: int, month: int, day: int, hour: int = 0) -> float:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC).timestamp()


def test_amounts_as_people_write_them() -> None:
    assert parse_budget("5000/month") == (5000.0, "month")
    assert parse_budget("$1,200.50/WEEK") == (1200.5, "week")
    for bad in ("5000", "0/month", "-5/month", "5000/year", "1e9/month", "\uff15/month"):  # a full-width 5
        assert parse_budget(bad) is None, bad


def test_periods_are_calendar_months_and_iso_weeks_in_utc() -> None:
    assert period_bounds("month", utc(2026, 12, 6, 21)) == (utc(2026, 12, 1), utc(2027, 1, 1))
    assert period_bounds("week", utc(2026, 12, 6, 21)) == (utc(2026, 11, 30), utc(2026, 12, 7))


def test_an_interval_across_midnight_and_a_new_month_is_split() -> None:
    ledger = accrue(Ledger(), {"a": 2.0}, utc(2026, 11, 30, 22), "month")
    assert ledger.spent == 0  # the first reading only starts the count
    ledger = accrue(ledger, {"a": 2.0}, utc(2026, 12, 1, 2), "month")
    assert ledger.by_day == {"2026-11-30": 4.0, "2026-12-01": 4.0}
    assert ledger.spent == 4.0  # December's share only
    ledger = accrue(ledger, {}, utc(2026, 12, 1, 3), "month")
    assert ledger.marks == {}  # stopped: the next start counts from its own first reading
    ledger = accrue(ledger, {"a": 2.0}, utc(2026, 12, 1, 9), "month")
    assert ledger.spent == 4.0


@given(st.dictionaries(st.sampled_from("abcdef"), st.floats(0, 100)), st.floats(0, 5 * HOUR))
def test_a_reading_applied_twice_counts_once(running: dict[str, float], later: float) -> None:
    start = utc(2026, 12, 2)
    ledger = accrue(Ledger(), running, start, "month")
    once = accrue(ledger, running, start + later, "month")
    twice = accrue(once, running, start + later, "month")
    assert twice.spent == once.spent
    assert abs(once.spent - sum(running.values()) * later / HOUR) < 1e-6 * (1 + once.spent)


def test_an_instance_counts_what_nebula_says_it_cost_when_that_is_believable() -> None:
    start = utc(2026, 12, 2)
    ledger = accrue(Ledger(), {"a": 2.0, "b": 2.0}, start, "month", {"a": 10.0, "b": 10.0})
    # An hour later `a` cost $3.50 more by Nebula's own figure (its price was not the whole story), and
    # `b` gave no figure: its price counts.
    ledger = accrue(ledger, {"a": 2.0, "b": 2.0}, start + HOUR, "month", {"a": 13.5})
    assert ledger.by_instance == {"a": 3.5, "b": 2.0}
    assert ledger.costs == {"a": [13.5, 0.0]}
    # A figure that went down (one Nebula does not keep up to date), or one beyond belief (a reset, a
    # bug), gives way to the price for the interval.
    ledger = accrue(ledger, {"a": 2.0}, start + 2 * HOUR, "month", {"a": 12.0})
    assert ledger.by_instance["a"] == 5.5
    ledger = accrue(ledger, {"a": 2.0}, start + 3 * HOUR, "month", {"a": 1e6})
    assert ledger.by_instance["a"] == 7.5
    # A figure Nebula updates once an hour (or never): the price counts until it changes, and then
    # what it grew by, less what was counted meanwhile.
    step = accrue(Ledger(), {"d": 1.0}, start, "month", {"d": 5.0})
    for third in (1, 2, 3):
        step = accrue(step, {"d": 1.0}, start + third * HOUR / 3, "month", {"d": 5.0})
    assert abs(step.by_instance["d"] - 1.0) < 1e-9
    step = accrue(step, {"d": 1.0}, start + 80 * 60, "month", {"d": 6.2})
    assert abs(step.by_instance["d"] - 1.2) < 1e-9  # Nebula's figure, counted once
    # An anchor the store should not hold (written by another version, or damaged) starts a new one.
    odd = Ledger(marks={"e": start}, costs={"e": 3.0, "f": ["x", None]}, by_instance={})  # type: ignore[dict-item,list-item]
    odd = accrue(odd, {"e": 1.0}, start + HOUR, "month", {"e": 9.0})
    assert odd.by_instance == {"e": 1.0}
    assert odd.costs == {"e": [9.0, 0.0]}
    # A correction across midnight is shared between the days as the time is.
    late = accrue(Ledger(), {"c": 1.0}, utc(2026, 12, 2, 23), "month", {"c": 0.0})
    late = accrue(late, {"c": 1.0}, utc(2026, 12, 3, 1), "month", {"c": 4.0})
    assert late.by_day == {"2026-12-02": 2.0, "2026-12-03": 2.0}


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.tuples(st.floats(0, 100), st.floats(0, 1e5))),
    st.floats(1, 5 * HOUR),
    st.floats(0, 200),
)
def test_own_costs_never_count_less_than_nothing_nor_more_than_believable(
    running: dict[str, tuple[float, float]], later: float, grew: float
) -> None:
    start = utc(2026, 12, 2)
    prices = {i: price for i, (price, _) in running.items()}
    ledger = accrue(Ledger(), prices, start, "month", {i: cost for i, (_, cost) in running.items()})
    after = {i: cost + grew - 100 for i, (_, cost) in running.items()}
    ledger = accrue(ledger, prices, start + later, "month", after)
    for i, price in prices.items():
        spent = ledger.by_instance.get(i, 0.0)
        assert 0.0 <= spent <= 2 * price * later / HOUR + price * 12 + 1e-6


def test_figures_forecast_and_alerts() -> None:
    now = utc(2026, 12, 10)
    days = {"2026-11-30": 5000.0, "2026-12-02": 400.0, "2026-12-09": 500.0}
    ledger = Ledger(period_start=utc(2026, 12, 1), by_instance={"a": 600.0, "b": 300.0}, by_day=days)
    current = figures(1000.0, "month", ledger, 1.0, now)
    assert current.spent == 900.0  # the days of this month, as the digest charts them
    assert current.forecast == 900.0 + 22 * 24  # 22 days left at $1/h
    assert current.runs_out_at == now + 100 * HOUR
    assert current.top == (("a", 600.0), ("b", 300.0))
    # Passed 50 and 80 at once: one alert, for 80, and both are had.
    assert due_alerts(current, []) == (["80", "forecast"], ["50", "80", "forecast"])
    assert due_alerts(current, ["50", "80", "forecast"]) == ([], [])
    week = figures(1000.0, "week", ledger, 0.0, now)  # a week's budget on a ledger of the month
    assert week.spent == 500.0  # this week's days (Monday 7 December on), not 0
    assert week.top == ()


def test_the_chart_has_a_line_a_day_and_bars_to_scale() -> None:
    ledger = Ledger(by_day={"2026-12-05": 10.0, "2026-12-06": 5.0})
    days = last_days(ledger, utc(2026, 12, 6, 12))
    assert len(days) == 14
    assert days[-2:] == [("2026-12-05", 10.0), ("2026-12-06", 5.0)]
    lines = chart([DaySpend(day, amount, day != "2026-12-06") for day, amount in days]).splitlines()
    assert lines[0] == lines[-1] == "```"
    assert lines[-3].startswith("12-05 " + "█" * 20)
    assert lines[-3].endswith(" $10.00")  # billed
    assert lines[-2].startswith("12-06 " + "█" * 10 + " ")
    assert lines[-2].endswith(" ~$5.00")  # today: estimated
