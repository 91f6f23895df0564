"""Schedule windows (bot.domain.schedules): days, times, zones and daylight saving."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar.schedules import NAMED_DAYS, Window, WindowError, days_text, parse_days, parse_window

BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int = 0) -> float:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC).timestamp()


def at(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%m-%d %H:%M")


def test_days_as_people_write_them() -> None:
    assert parse_days("weekdays") == parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("sat,sun") == parse_days("WEEKENDS") == frozenset({5, 6})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_days("tue") == frozenset({1})
    for bad in ("someday", "mon-", "mon,,fri", "1-5", ""):
        assert parse_days(bad) is None, bad
    assert days_text(frozenset({0, 2, 4})) == "mon,wed,fri"
    assert days_text(NAMED_DAYS["daily"]) == "daily"


def test_a_window_is_read_whole_or_refused_with_the_reason() -> None:
    assert parse_window(["weekdays", "08:00-19:00"], BERLIN) == Window(
        frozenset(range(5)), "08:00", "19:00", BERLIN
    )
    assert parse_window(["daily", "24:00-01:00"], "UTC") == WindowError("times", "24:00-01:00")
    assert parse_window(["daily", "08:00-08:00"], "UTC") == WindowError("same_times", "08:00-08:00")
    assert parse_window(["daily", "08:00-09:00", "../etc/passwd"], "UTC") == WindowError(
        "zone", "../etc/passwd"
    )
    assert parse_window(["daily"], "UTC") == WindowError("times", "daily")


def test_ends_and_starts_in_their_zone() -> None:
    window = Window(frozenset(range(5)), "08:00", "19:00", BERLIN)
    # Friday 4 to Tuesday 8 December 2026 (CET, UTC+1): Friday's and Monday's ends; no weekend.
    assert [at(e) for e in window.ends(utc(2026, 12, 4), utc(2026, 12, 8))] == ["12-04 18:00", "12-07 18:00"]
    assert [at(s) for s in window.starts(utc(2026, 12, 4), utc(2026, 12, 8))] == [
        "12-04 07:00",
        "12-07 07:00",
    ]


def test_a_window_across_midnight_ends_the_next_day() -> None:
    window = Window(frozenset({4}), "22:00", "06:00", "UTC")  # Friday night
    assert [at(e) for e in window.ends(utc(2026, 12, 4), utc(2026, 12, 7))] == ["12-05 06:00"]
    assert window.end_after(utc(2026, 12, 4, 22)) == utc(2026, 12, 5, 6)


def test_a_time_the_clocks_skip_has_no_edge_that_day_and_a_repeated_one_counts_once() -> None:
    window = Window(NAMED_DAYS["daily"], "02:30", "05:00", BERLIN)
    # 29 March 2026: Berlin's clocks jump from 02:00 to 03:00, so no 02:30 start that day.
    starts = [at(s) for s in window.starts(utc(2026, 3, 27), utc(2026, 3, 31))]
    assert starts == ["03-27 01:30", "03-28 01:30", "03-30 00:30"]
    # 25 October 2026: 02:30 happens twice in Berlin; the window starts once, the first time.
    starts = [at(s) for s in window.starts(utc(2026, 10, 24), utc(2026, 10, 27))]
    assert starts == ["10-24 00:30", "10-25 00:30", "10-26 01:30"]


@given(
    st.frozensets(st.integers(0, 6), min_size=1),
    st.integers(0, 23 * 60 + 59),
    st.integers(1, 23 * 60 + 59),
    st.sampled_from(["UTC", BERLIN, "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
    st.floats(1.6e9, 2.0e9),
)
def test_every_window_ends_after_it_starts_and_within_a_day(
    days: frozenset[int], start: int, length: int, zone: str, moment: float
) -> None:
    end = (start + length) % (24 * 60)
    window = Window(days, f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}", zone)
    for begun in window.starts(moment, moment + 8 * 86400):
        ends = window.end_after(begun)
        if ends is not None:
            assert begun < ends <= begun + 86400 + 3600  # a day at most (and a DST hour)
