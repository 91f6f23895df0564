"""The bill kept between readings: each consumption row counts once, whatever order or how often pages
are read, purchases never, and only the hours of the period asked for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money.bill import (
    KEEP,
    MAX_KEPT,
    SKEW,
    STALE,
    Bill,
    Billed,
    Unbilled,
    billed_for,
    merged,
    order_of,
    whole_days,
)
from bot.domain.money.credits import CreditRow

NOW = 1_800_000_000.0
HOUR = 3600.0

rows = st.lists(
    st.builds(
        CreditRow,
        id=st.integers(1, 40).map(str),
        purchase=st.booleans(),
        amount=st.integers(0, 100_000).map(lambda cents: cents / 100),
        at=st.integers(-24, 24 * 50).map(lambda hours: NOW - hours * HOUR),
    ),
    max_size=60,
)


def by_id(found: list[CreditRow]) -> dict[str, CreditRow]:
    first: dict[str, CreditRow] = {}
    for row in found:
        first.setdefault(row.id, row)
    return first


@given(rows, rows)
def test_pages_read_twice_or_in_pieces_count_each_row_once(
    one: list[CreditRow], two: list[CreditRow]
) -> None:
    once = merged(Bill(), one + two, NOW, None)
    again = merged(merged(merged(Bill(), one, NOW, None), two, NOW, None), one + two, NOW, None)
    assert once.rows == again.rows
    kept = by_id([r for r in one + two if not r.purchase and NOW - KEEP < r.at <= NOW + SKEW])
    assert set(once.rows) == set(kept)  # purchases and rows older than KEEP are not spend
    start = NOW - 7 * 24 * HOUR
    expected = sum(r.amount for r in kept.values() if start < r.at <= NOW)
    assert abs(once.between(start, NOW) - expected) < 1e-6


def test_a_period_counts_the_hours_that_end_within_it() -> None:
    bill = merged(
        Bill(),
        [
            CreditRow("a", False, 1.0, NOW - 2 * HOUR),  # the hour before the period: not its own
            CreditRow("b", False, 2.0, NOW - HOUR),
            CreditRow("c", False, 4.0, NOW),
        ],
        NOW,
        3,
    )
    assert billed_for(bill, NOW - 2 * HOUR, NOW) == Billed(6.0, NOW)
    assert billed_for(bill, NOW - 2 * HOUR, NOW + STALE + 1) is Unbilled.STALE
    assert billed_for(Bill(), NOW - HOUR, NOW) is Unbilled.NOTHING_BILLED


def test_a_day_is_billed_when_the_bill_holds_every_hour_of_it() -> None:
    day = NOW - NOW % 86400 - 2 * 86400  # the day before yesterday's midnight, UTC
    hourly = [CreditRow(str(h), False, 1.0, day + h * HOUR) for h in range(3, 2 * 24 + 9)]  # to NOW
    bill = merged(Bill(), hourly, NOW, None)  # rows from 03:00 that day: its first hours were not read
    starts = {"before": day, "yesterday": day + 86400, "today": day + 2 * 86400}
    # The first day is unknown (the history was not read back to it), today is not billed whole yet,
    # and yesterday's 24 hours are.
    assert whole_days(bill, starts) == {"yesterday": 24.0}
    assert whole_days(Bill(), starts) == {}
    quiet = merged(Bill(), [CreditRow("x", False, 5.0, day + HOUR), *hourly[-1:]], NOW, None)
    assert hourly[-1].at == NOW
    assert whole_days(quiet, starts) == {"before": 5.0, "yesterday": 0.0}  # read back: nothing ran


def test_the_order_of_a_page_is_told_by_its_ends() -> None:
    newer, older = CreditRow("1", False, 1.0, NOW), CreditRow("2", False, 1.0, NOW - HOUR)
    assert order_of((newer, older)) is True
    assert order_of((older, newer)) is False
    assert order_of((newer,)) is None
    assert order_of((newer, CreditRow("3", False, 1.0, NOW))) is None


def test_a_history_that_floods_keeps_its_newest_rows_only() -> None:
    flood = [CreditRow(str(n), False, 1.0, NOW - n) for n in range(3 * MAX_KEPT)]
    bill = merged(Bill(), flood, NOW, None)
    assert len(bill.rows) == MAX_KEPT
    assert bill.until == NOW
    assert min(at for at, _ in bill.rows.values()) == NOW - (MAX_KEPT - 1)
