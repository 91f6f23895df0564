"""Where the budget stands, read from the store: asked by the budget command, the watcher and every part
that spends more (over 100 %, a start or a longer lease needs an approver)."""

from __future__ import annotations

from bot.core.money.billing import Billing
from bot.domain.money.budgets import TEAM, Budget, Figures, Ledger, figures, period_bounds
from bot.domain.refusals import OverBudget
from bot.infra.clock import Clock
from bot.store import Records


class Standing:
    """The budget and its figures now."""

    def __init__(
        self, *, records: Records, billing: Billing, clock: Clock, approvers: frozenset[str]
    ) -> None:
        self._records = records
        self._billing = billing
        self._clock = clock
        self._approvers = approvers

    async def now(self) -> tuple[Budget, Figures] | None:
        """The budget and where it stands now, or None without one."""
        budget = await self._records.get(Budget, TEAM)
        if budget is None:
            return None
        ledger = await self._records.get(Ledger, TEAM)
        spent = ledger.record if ledger is not None else Ledger()
        amount, period, now = budget.record.amount, budget.record.period, self._clock()
        bill = await self._billing.counted(period_bounds(period, now)[0], now)
        return budget.record, figures(amount, period, spent, spent.per_hour, now, bill)

    async def over(self) -> OverBudget | None:
        """Why more spending needs an approver (the budget is spent), or None."""
        found = await self.now()
        if found is None or not found[1].over:
            return None
        budget, current = found
        return OverBudget(budget.amount, budget.period, current.spent, self._approvers)
