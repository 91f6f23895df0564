"""The daily digest: once a day at NEBULA_BOT_DIGEST_AT (UTC), the cost summary in the watch channel,
with the budget line and the last days' spend, and yesterday's bill when the estimate was more than
10 % off it; posted by whichever replica gets the day first."""

from __future__ import annotations

import calendar
import time
from typing import Final

from bot.core.money import Billing, Credits, Standing
from bot.domain.money.bill import Disagreement, far_apart
from bot.domain.money.budgets import TEAM, DaySpend, Ledger, last_days
from bot.domain.money.costs import FleetCost
from bot.domain.money.credits import Runway
from bot.domain.records import Digest
from bot.infra.clock import Clock
from bot.nebula.errors import NebulaError
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import budgets as budget_messages
from bot.slack.messages.notices import fleet as fleet_messages
from bot.slack.messages.notices.credits import runway_line
from bot.slack.outbox import Outbox
from bot.store import Records

DAY: Final = 86400
# The digest's balance may be the watcher's reading of this cycle.
BALANCE_MAX_AGE: Final = 60.0


class Digests:
    """Posts the digest when its minute of the day has come and nobody has yet."""

    def __init__(
        self,
        *,
        minute: int | None,
        clock: Clock,
        records: Records,
        standing: Standing,
        credits: Credits,
        billing: Billing,
        outbox: Outbox,
    ) -> None:
        self._credits = credits
        self._billing = billing
        self._minute = minute
        self._clock = clock
        self._records = records
        self._standing = standing
        self._outbox = outbox

    async def digest(self, summary: FleetCost, heading: str) -> Message:
        """The digest of `summary`: the running fleet, the budget's line, the last days' spend (as
        Nebula billed each day where it has, else estimated), and yesterday's bill where the estimate
        was far from it."""
        digest = fleet_messages.cost(summary, heading=heading)
        budget = await self._standing.now()
        ledger = await self._records.get(Ledger, TEAM)
        estimated = last_days(ledger.record if ledger is not None else Ledger(), self._clock())
        billed = await self._billing.days({day: _start(day) for day, _ in estimated})
        days = [DaySpend(day, billed.get(day, amount), day in billed) for day, amount in estimated]
        return budget_messages.digest(
            digest,
            budget[1] if budget else None,
            days if ledger is not None or billed else [],
            await self._runway(summary),
            _yesterday(estimated, billed),
        )

    async def _runway(self, summary: FleetCost) -> str:
        """The credits' line, as `/nebula credits` has it ("" when the balance cannot be had)."""
        try:
            balance = await self._credits.balance(max_age=BALANCE_MAX_AGE)
        except NebulaError:
            return ""
        return "" if balance is None else runway_line(Runway(balance, summary.per_hour), self._clock())

    async def post_if_due(self, channel: str, summary: FleetCost) -> None:
        """Today's digest in `channel`, if it is time and no replica has posted it."""
        now = self._clock()
        if self._minute is None or int(now % DAY) // 60 < self._minute:
            return
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        current = await self._records.get(Digest, "daily")
        if current is not None and current.record.day >= day:
            return
        won = await self._records.put(current, Digest(day))
        if won is None:
            return  # another replica posts it
        shown = await self.digest(summary, f"Daily cost digest, {day}")
        if await self._outbox.post(channel, shown, event="digest.post_failed") is None:
            # Not posted: give the day back, so that the next cycle tries again.
            await (self._records.put(won, current.record) if current else self._records.remove(won))


def _start(day: str) -> float:
    """The start (UTC) of the day `YYYY-MM-DD`."""
    return float(calendar.timegm(time.strptime(day, "%Y-%m-%d")))


def _yesterday(estimated: list[tuple[str, float]], billed: dict[str, float]) -> Disagreement | None:
    """Yesterday's estimate and bill, when they were more than 10 % apart."""
    if len(estimated) < 2:
        return None
    day, amount = estimated[-2]
    found = billed.get(day)
    return Disagreement(day, found, amount) if found is not None and far_apart(found, amount) else None
