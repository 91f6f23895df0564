"""The demo account's bill (`nebula-bot shell --demo`): a purchase at the month's start, the month's
consumption up to the demo's start (MONTH_BILLED in all), then, for each hour the demo's clock passes
(`:wait 2h` moves it on), what the fleet running then burns, taken from the balance. So a budget
counts what was billed, and the runway shortens, as the demo's time goes by."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from bot.domain.money.budgets import period_bounds

# The account's balance at the demo's start, as Nebula writes it (a string).
BALANCE: Final = "1228.55600"
# What the demo account was billed this month before the demo started: its budget's 83 %
# (bot/shell/demo_state.py).
MONTH_BILLED: Final = 4150.0
HOUR: Final = 3600.0


class DemoBill:
    """One account's credit history, billed hourly by the demo's clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._start = period_bounds("month", clock())[0]
        hours = int((clock() - self._start) // HOUR)
        hourly = round(MONTH_BILLED / hours, 4) if hours else 0.0
        self._rows: list[tuple[float, float]] = [(self._start + (n + 1) * HOUR, hourly) for n in range(hours)]
        # An hour is billed as long after its end as the demo started after the last billed one: so
        # nothing is billed in the demo's first hour of the machine's time, whenever it starts.
        self._late = clock() - (self._start + hours * HOUR)
        self._since_start = 0.0  # billed since the demo started

    def bill(self, burn: float) -> None:
        """Bill `burn` for each whole hour the clock has passed since the last bill."""
        end = self._rows[-1][0] if self._rows else self._start
        while end + HOUR + self._late <= self._clock():
            end += HOUR
            self._rows.append((end, burn))
            self._since_start += burn

    def balance(self) -> str:
        """The balance, as Nebula writes it."""
        return f"{max(0.0, float(BALANCE) - self._since_start):.5f}"

    def page(self, limit: int, offset: int) -> dict[str, Any]:
        """A page of the history, newest first, as Nebula's `data`."""
        rows: list[dict[str, Any]] = [
            {"id": n + 2, "transaction_type": "usage", "credit_amount": -amount, "created_at": _utc(at)}
            for n, (at, amount) in reversed(list(enumerate(self._rows)))
        ]
        rows.append(
            {"id": 1, "transaction_type": "purchase", "credit_amount": 5000, "created_at": _utc(self._start)}
        )
        return {
            "credit_balance": float(self.balance()),
            "credit_history": rows[offset : offset + limit],
            "total_credit_histories": len(rows),
        }


def _utc(moment: float) -> str:
    """A history timestamp as Nebula writes it: UTC, without a zone."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))
