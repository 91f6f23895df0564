"""What Nebula billed, kept in the store: the watcher reads one page of the account's credit history a
cycle (the first time, and after a long pause, as many as it takes to catch up, within a bound), and
budgets count its consumption rows instead of the bot's estimate wherever they can.

The history's order is not documented: the first read tells it (newest rows first, or last), and
later cycles read only the end where new rows appear. Rows are kept by id, so replicas reading the
same page, or a page read twice, count each row once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.domain.money.bill import Bill, Billed, Unbilled, billed_for, merged, order_of, whole_days
from bot.domain.money.credits import CreditRow
from bot.infra import logs
from bot.infra.clock import Clock
from bot.nebula.client import NebulaClient
from bot.nebula.errors import NebulaError
from bot.store import RecordBusy, Records

PAGE: Final = 100
CATCH_UP: Final = 10  # pages at most in one cycle: about six weeks of hourly rows


class Billing:
    """Keeps the bill up to date, and says what it counts for a period."""

    def __init__(
        self,
        *,
        nebula: NebulaClient,
        records: Records,
        clock: Clock,
        shares_balance_with: tuple[str, ...],
        own_instances: tuple[str, ...] = (),
    ) -> None:
        self._nebula = nebula
        self._records = records
        self._clock = clock
        self._shared = bool(shares_balance_with)
        self._split = bool(own_instances)
        self._unread: str | None = None  # why the last read failed (logged once per failure run)

    async def refresh(self) -> None:
        """Read what the history added since the last cycle into the stored bill."""
        if self._shared:
            return  # the account's bill is another team's too: budgets keep the estimate
        current = await self._records.get(Bill, Bill().key)
        bill = current.record if current is not None else Bill()
        try:
            rows, total, newest_first = await self._read(bill)
        except NebulaError as exc:
            if self._unread is None:
                logs.warning("billing.unread", error=type(exc).__name__, outcome="estimate kept")
            self._unread = type(exc).__name__
            return
        if self._unread is not None:
            logs.event("billing.read_again", outcome="bill counted")
            self._unread = None
        now = self._clock()

        def change(stored: Bill) -> Bill:
            known = stored.newest_first if newest_first is None else newest_first
            return merged(Bill(stored.rows, known, stored.total), rows, now, total)

        try:
            # Against the version read before the page; read again only if another replica wrote since.
            if await self._records.put(current, change(bill)) is None:
                await self._records.update(Bill, Bill().key, change)
        except RecordBusy:
            logs.warning("billing.busy", outcome="read again next cycle")

    async def counted(self, start: float, now: float) -> Billed | Unbilled:
        """What was billed from `start` to `now`, or why a budget must estimate instead."""
        if self._shared:
            return Unbilled.SPLIT if self._split else Unbilled.SHARED
        current = await self._records.get(Bill, Bill().key)
        found = billed_for(current.record, start, now) if current is not None else Unbilled.NOT_READ
        # A bill that cannot be counted, while the history cannot be read either: that is the reason.
        return Unbilled.UNREAD if isinstance(found, Unbilled) and self._unread is not None else found

    async def days(self, starts: Mapping[str, float]) -> dict[str, float]:
        """What Nebula billed for each of these days (`YYYY-MM-DD` -> its start) whose every hour it
        has billed and the bill holds; the others are left out."""
        if self._shared:
            return {}
        current = await self._records.get(Bill, Bill().key)
        return whole_days(current.record, starts) if current is not None else {}

    async def _read(self, bill: Bill) -> tuple[list[CreditRow], int | None, bool | None]:
        """The rows at the end of the history where new ones appear, the history's size, and its order
        when this read could tell it. Raises NebulaError."""
        order = bill.newest_first
        offset = max(0, bill.total - 1) if order is False else 0
        rows: list[CreditRow] = []
        total: int | None = None
        for _ in range(CATCH_UP):
            page = await self._nebula.credit_history(PAGE, offset)
            rows.extend(page.rows)
            total = page.total if page.total is not None else total
            if page.sent < PAGE:
                break  # the end of the history
            if order is True and any(row.id in bill.rows for row in page.rows):
                break  # newest first, and this page reaches rows read before: nothing is missed
            offset += page.sent
        if order is False and not rows and offset > 0:
            total = 0  # the history shrank under the offset: read it again from its start next time
        return rows, total, order if order is not None else order_of(tuple(rows))
