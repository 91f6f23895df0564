"""Reading Nebula's credits answers: the balance (a string: "1228.55600") and the credit history (rows of
purchases and of consumption, whose type names are not documented, with timestamps that carry no zone:
UTC). Every figure is checked; what is implausible is left out and logged."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Any, Final

from bot.domain.money.credits import CreditRow, plausible
from bot.infra import logs
from bot.nebula.answers import number_of

PURCHASE: Final = "purchase"
MAX_ROWS: Final = 1000


@dataclass(frozen=True)
class HistoryPage:
    """One page of the credit history: its readable rows, how many rows Nebula sent, and its total."""

    rows: tuple[CreditRow, ...]
    sent: int
    total: int | None


def balance_of(body: dict[str, Any]) -> float | None:
    """The available balance in `GET /users/credits`'s answer, or None when it is not plausible."""
    data = body.get("data")
    found = plausible(number_of(data.get("available_balance"))) if isinstance(data, dict) else None
    if found is None:
        logs.warning("nebula.balance_unreadable")
    return found


def history_of(body: dict[str, Any]) -> HistoryPage:
    """The rows of one page of `GET /users/credits/history`."""
    data = body.get("data")
    listed = data.get("credit_history") if isinstance(data, dict) else None
    items = listed[:MAX_ROWS] if isinstance(listed, list) else []
    rows, dropped = [], 0
    for item in items:
        row = _row(item)
        if row is None:
            dropped += 1
        else:
            rows.append(row)
    if dropped:
        logs.warning("nebula.history_rows_unreadable", rows=dropped)
    total = data.get("total_credit_histories") if isinstance(data, dict) else None
    count = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
    return HistoryPage(tuple(rows), len(items), count)


def _row(item: object) -> CreditRow | None:
    if not isinstance(item, dict):
        return None
    row_id, kind, at = item.get("id"), item.get("transaction_type"), _utc(item.get("created_at"))
    raw = number_of(item.get("credit_amount"))  # consumption may be written negative
    amount = plausible(abs(raw)) if raw is not None else None
    if isinstance(row_id, bool) or not isinstance(row_id, int | str) or amount is None or at is None:
        return None
    return CreditRow(str(row_id)[:64], str(kind).strip().lower() == PURCHASE, amount, at)


def _utc(value: object) -> float | None:
    """ "2024-01-01 01:00:00" (UTC, as Nebula writes it, without a zone) in seconds since the epoch."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = value.strip().removeprefix("UTC:").strip().replace("T", " ").removesuffix("Z")
    try:
        return float(calendar.timegm(time.strptime(text[:19], "%Y-%m-%d %H:%M:%S")))
    except ValueError:
        return None
