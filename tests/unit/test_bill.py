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
