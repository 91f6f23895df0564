"""Durations people type, and what Nebula's untrusted figures say an instance has run and cost."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from bot.domain.calendar.durations import format_duration, parse_duration
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import money, running_hours, start_time, usage
from tests.helpers import costs_of
from tests.strategies import figures


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90m", 5400), ("24h", 86400), ("2d", 172800), ("30s", 30), ("300", 300), (" 1.5h ", 5400), ("5M", 300),
     ("1h30m", 5400), ("1h 30m", 5400), ("8 hours", 28800), ("2 days", 172800), ("90 min", 5400),
     ("1 hour", 3600), ("45 secs", 45)],
)  # fmt: skip
def test_durations_people_type(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "h", "0", "0h", "-1h", "1w", "1e9", "400d", "nan", "1h1h", "1h30", "8 8", "8 fortnights", "1" * 50],
)
def test_durations_refused_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|zero|year"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (59, "59s"), (5400, "1h 30m"), (86400, "1d"), (183_600, "2d 3h")]
)
def test_durations_written_with_two_units(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_nebula_figures_as_documented() -> None:
    assert running_hours("12.5000 hours") == 12.5
    assert running_hours("90 minutes") == 1.5
    assert money("$8.4875") == 8.4875
    assert money("0.679") == 0.679
    assert start_time("EST 2024-11-04 10:11:50") == 1730733110.0  # 15:11:50 UTC
    assert start_time("2024-11-04T15:11:50+00:00") == 1730733110.0


@pytest.mark.parametrize("text", ["", "NaN hours", "-3 hours", "inf", "1e400 hours", "12,5 hours", "soon"])
def test_unreadable_running_times_are_unknown(text: str) -> None:
    assert running_hours(text) is None


@pytest.mark.parametrize("text", ["XYZ 2024-11-04 10:11:50", "2024-13-40 99:99:99", "yesterday"])
def test_unreadable_start_times_are_unknown(text: str) -> None:
    assert start_time(text) is None


def test_running_time_falls_back_to_start_time_then_first_seen() -> None:
    now = 1730733110.0 + 7200
    nebula = usage(Instance(id="a", running_time="3.0000 hours", price_per_hour="2"), now)
    assert (nebula.running_seconds, nebula.since, nebula.cost) == (10800, "nebula", 6.0)
    started = usage(Instance(id="a", start_time="EST 2024-11-04 10:11:50", price_per_hour="2"), now)
    assert (started.running_seconds, started.since, started.cost) == (7200, "start_time", 4.0)
    seen = usage(Instance(id="a", price_per_hour="2"), now, first_seen=now - 1800)
    assert (seen.running_seconds, seen.since, seen.cost) == (1800, "first_seen", 1.0)
    assert usage(Instance(id="a"), now).running_seconds is None
    billed = usage(Instance(id="a", running_time="3 hours", total_cost="$9.0000", price_per_hour="2"), now)
    assert billed.cost == 9.0  # Nebula's own total wins over price × hours


@given(figures)
def test_fleet_cost_never_fails_and_is_never_negative_or_nan(figures: list[tuple[str, str, str]]) -> None:
    fleet = [
        Instance(id=f"i{n}", status="Running", running_time=r, total_cost=c, price_per_hour=p)
        for n, (r, c, p) in enumerate(figures)
    ]
    summary = costs_of(fleet, 1_800_000_000.0)
    for value in (summary.per_hour, summary.so_far, summary.per_day):
        assert math.isfinite(value)
        assert value >= 0


@pytest.mark.parametrize("text", ["٣h", "²", "①h", "３h", "1²s"])  # noqa: RUF001 - on purpose
def test_durations_are_ascii_digits(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("start", "running"),
    [
        ("UTC 0001-01-01 00:00:00", None),
        ("EST 1900-01-01 00:00:00", None),
        ("UTC 2099-01-01 00:00:00", None),  # in the future
        (None, "80000.0000 hours"),  # longer than Nebula has existed
    ],
)
def test_implausible_figures_fall_back_to_first_seen(start: str | None, running: str | None) -> None:
    now = 1_800_000_000.0
    instance = Instance(
        id="a", start_time=start, running_time=running, price_per_hour="23.55", status="Running"
    )
    use = usage(instance, now, first_seen=now - 3600)
    assert (use.running_seconds, use.since) == (3600, "first_seen")
    assert use.cost == pytest.approx(23.55)
    assert use.discarded is not None


def test_a_total_cost_beyond_what_the_price_could_add_up_to_is_not_believed() -> None:
    now = 1_800_000_000.0
    instance = Instance(id="a", running_time="2 hours", total_cost="$35517871.42", price_per_hour="2")
    use = usage(instance, now)
    assert use.cost == pytest.approx(4.0)
    assert use.discarded == "total_cost"
