"""What the watcher does for money each cycle: read what Nebula billed since the last cycle (one page of
the credit history), accrue the budget's estimated spend, post the budget's alerts due, and read the
balance for the runway alert: two Nebula calls a cycle."""

from __future__ import annotations

from bot.core.money.billing import Billing
from bot.core.money.budgets import Accrual, Alerts
from bot.core.money.credits import RunwayWatch
from bot.domain.money.costs import FleetCost
from bot.nebula.fleet import Snapshot


class MoneyWatch:
    """The budget and the credits, each cycle."""

    def __init__(
        self, *, billing: Billing, accrual: Accrual, alerts: Alerts, runway_watch: RunwayWatch
    ) -> None:
        self._billing = billing
        self._accrual = accrual
        self._alerts = alerts
        self._runway = runway_watch

    async def budgeted(self) -> bool:
        """Whether there is a budget (the fleet is then read for it, even with nowhere to alert)."""
        return await self._accrual.budgeted()

    async def watch(self, costs: FleetCost, snapshot: Snapshot, channel: str | None) -> None:
        """Read the bill, accrue what `costs` shows; with a watch channel, the alerts due there."""
        await self._billing.refresh()
        current = await self._accrual.accrue(costs)
        if channel is None:
            return
        if current is not None:
            await self._alerts.post_due(*current, snapshot, channel)
        await self._runway.check(costs, channel)
