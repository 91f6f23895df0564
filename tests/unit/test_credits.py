"""Properties of the credits' figures (issue #31.5): Nebula's balance and history read leniently, nothing
implausible believed, and a runway that never formats as nonsense."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money.credits import MAX_AMOUNT, CreditRow, Runway, billed, level
from bot.nebula.credits import balance_of, history_of
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import credits as messages
from tests.unit.test_launch_plan import json_values


def test_the_balance_as_nebula_writes_it() -> None:
    assert balance_of({"data": {"available_balance": "1228.55600"}}) == 1228.556
    assert balance_of({"data": {"available_balance": 12}}) == 12.0
    assert balance_of({"data": {"available_balance": "$1,200.50"}}) == 1200.5
    odds: list[object] = ["-0.01", "NaN", "inf", "1e12", "", None, True, [], "12 dollars"]
    for odd in odds:
        assert balance_of({"data": {"available_balance": odd}}) is None, odd
    assert balance_of({"data": "1228"}) is None


def test_history_rows_read_leniently() -> None:
    page = history_of(
        {
            "data": {
                "credit_history": [
                    {
                        "id": 1,
                        "transaction_type": "purchase",
                        "credit_amount": "500",
                        "created_at": "2024-01-01 01:00:00",
                    },
                    {
                        "id": 2,
                        "transaction_type": "usage",
                        "credit_amount": -1.5,
                        "created_at": "2024-01-01 02:00:00",
                    },
                    {
                        "id": 3,
                        "transaction_type": "x",
                        "credit_amount": 1e9,
                        "created_at": "2024-01-01 03:00:00",
                    },
                    {"id": 4, "transaction_type": "x", "credit_amount": 1, "created_at": "yesterday"},
                    {
                        "id": True,
                        "transaction_type": "x",
                        "credit_amount": 1,
                        "created_at": "2024-01-01 03:00:00",
                    },
                ],
                "total_credit_histories": 5,
            }
        }
    )
    assert [(r.id, r.purchase, r.amount) for r in page.rows] == [("1", True, 500.0), ("2", False, 1.5)]
    assert page.rows[1].at == 1704074400.0  # 02:00 UTC: history timestamps carry no zone
    assert (page.sent, page.total) == (5, 5)


@given(json_values)
def test_any_answer_reads_as_plausible_figures(data: object) -> None:
    found = balance_of({"data": data})
    assert found is None or 0 <= found <= MAX_AMOUNT
    for row in history_of({"data": data}).rows:
        assert 0 <= row.amount <= MAX_AMOUNT
        assert math.isfinite(row.at)


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_a_runway_always_reads_as_words(balance: float, per_hour: float) -> None:
    runway = Runway(balance, per_hour)
    shown = messages.credits_shown(runway, 1_800_000_000.0, "billed", [], {})
    assert isinstance(shown, Message)
    assert "nan" not in shown.text.lower()
    assert "inf" not in shown.text.lower()


def test_levels_and_what_was_billed() -> None:
    assert level(None, 72) == 0
    assert level(100, 72) == 0
    assert level(60, 72) == 1
    assert level(17.9, 72) == 2
    rows = [CreditRow("1", True, 100, 0), CreditRow("2", False, 3, 10), CreditRow("3", False, 4, 20)]
    assert billed(rows, 0, 20) == 3
    assert Runway(120, 30).hours == 4
    assert Runway(120, 0).hours is None
    assert Runway(1e7, 1e-9).hours is None  # ten thousand years: no date
