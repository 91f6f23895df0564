"""The account's prepaid credits: the balance, what Nebula billed (its history, hourly), and the runway
at the running fleet's burn rate. Pure: figures in, figures out; nothing implausible is believed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

# A balance, or one history row, beyond this is not an account's: left out (and logged) rather than
# shown. A runway longer than ten years is shown as "no end in sight", not as a date.
MAX_AMOUNT: Final = 10_000_000.0
MAX_RUNWAY_HOURS: Final = 10 * 366 * 24.0
DAY: Final = 86400.0


@dataclass(frozen=True)
class CreditRow:
    """One row of the credit history: a purchase (credits added) or a consumption (billed), at `at`
    (seconds since the epoch, UTC), of `amount` dollars (always positive)."""

    id: str
    purchase: bool
    amount: float
    at: float


@dataclass(frozen=True)
class Runway:
    """How long the balance lasts at `per_hour` (None: nothing is burning)."""

    balance: float
    per_hour: float

    @property
    def hours(self) -> float | None:
        """Hours left, or None when nothing burns (or the end is beyond MAX_RUNWAY_HOURS)."""
        if self.per_hour <= 0:
            return None
        hours = max(0.0, self.balance) / self.per_hour
        return hours if hours <= MAX_RUNWAY_HOURS else None

    def until(self, now: float) -> float | None:
        """When the balance runs out at this burn, or None."""
        hours = self.hours
        return None if hours is None else now + hours * 3600


def plausible(amount: float | None) -> float | None:
    """`amount` if it can be an account's figure: finite, not negative, not absurd."""
    if amount is None or not math.isfinite(amount) or not 0 <= amount <= MAX_AMOUNT:
        return None
    return amount


def billed(rows: Iterable[CreditRow], since: float, until: float) -> float:
    """What Nebula billed between `since` and `until` (its consumption rows in that span)."""
    return sum(row.amount for row in rows if not row.purchase and since <= row.at < until)


def added(rows: Iterable[CreditRow], since: float) -> float:
    """Credits purchased since `since`."""
    return sum(row.amount for row in rows if row.purchase and row.at >= since)


def level(hours: float | None, alert_hours: float) -> int:
    """Which of the runway's thresholds it is under: 0 (none), 1 (`alert_hours`), 2 (a quarter of it)."""
    if hours is None or hours >= alert_hours:
        return 0
    return 2 if hours < alert_hours / 4 else 1
