"""What the watcher does for the budget each cycle: accrue the spend it reads and keep the gauges
(`Accrual`), and post each alert once per period (50 %, 80 %, 100 %, the forecast over the budget) in
the watch channel, with the biggest spenders' menus (`Alerts`)."""

from __future__ import annotations

import dataclasses

from bot.core.money.standing import Standing
from bot.core.rails import Protections, Subject, Trail
from bot.domain.audit import SYSTEM_ACTOR, Step, Topic
from bot.domain.money.budgets import TEAM, Budget, Figures, Ledger, accrue, due_alerts, period_bounds
from bot.domain.money.costs import FleetCost
from bot.domain.money.split import owns
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.metrics import Metrics
from bot.nebula.fleet import Snapshot
from bot.slack.messages.notices import budgets as messages
from bot.slack.outbox import Outbox
from bot.store import Records


class Accrual:
    """Adds each cycle's running time to the ledger, and sets the gauges."""

    def __init__(
        self,
        *,
        records: Records,
        standing: Standing,
        metrics: Metrics,
        clock: Clock,
        team: str,
        own_instances: tuple[str, ...] = (),
    ) -> None:
        self._records = records
        self._standing = standing
        self._metrics = metrics
        self._clock = clock
        self._team = team
        self._own = own_instances  # where the key is shared: the team's own instances' names

    async def budgeted(self) -> bool:
        """Whether there is a budget (the fleet is then read for it, even with nowhere to alert)."""
        return await self._records.get(Budget, TEAM) is not None

    async def accrue(self, costs: FleetCost) -> tuple[Budget, Figures] | None:
        """Accrue what `costs` shows running, and set the gauges; the budget and its figures after it
        (None: no budget)."""
        now = self._clock()
        rows = [row for row in costs.rows if not self._own or owns(self._own, row.instance.host_name)]
        running = {row.instance.id: row.per_hour for row in rows if row.per_hour is not None}
        own = {row.instance.id: row.own_cost for row in rows if row.own_cost is not None}
        self._metrics.fleet_cost_per_hour.labels(self._team).set(sum(running.values()))
        budget = await self._records.get(Budget, TEAM)
        period = budget.record.period if budget is not None else "month"
        found = await self._records.get(Ledger, TEAM)
        accrued = accrue(found.record if found is not None else Ledger(), running, now, period, own)
        if await self._records.put(found, accrued) is None:  # another replica got in first: on theirs
            await self._records.update(Ledger, TEAM, lambda ledger: accrue(ledger, running, now, period, own))
        current = await self._standing.now()
        if current is not None:
            state = current[1]
            self._metrics.budget.labels(self._team).set(state.amount)
            self._metrics.budget_spent.labels(self._team).set(state.spent)
            self._metrics.budget_forecast.labels(self._team).set(state.forecast)
        return current


class Alerts:
    """Posts the alerts due, each once per period, whichever replica gets there first."""

    def __init__(
        self, *, records: Records, protections: Protections, outbox: Outbox, trail: Trail, clock: Clock
    ) -> None:
        self._records = records
        self._protections = protections
        self._outbox = outbox
        self._trail = trail
        self._clock = clock

    async def post_due(self, budget: Budget, state: Figures, snapshot: Snapshot, channel: str) -> None:
        """The alerts this period has not had yet, posted in `channel`."""
        start, _ = period_bounds(budget.period, self._clock())
        sent = budget.alerted if budget.alerted_period == start else ()
        due, had = due_alerts(state, sent)
        if not had:
            return
        current = await self._records.get(Budget, TEAM)
        if current is None or current.record != budget:
            return  # changed meanwhile: the next cycle decides
        marked = dataclasses.replace(budget, alerted_period=start, alerted=(*sent, *had))
        if await self._records.put(current, marked) is None:
            return  # another replica posts them
        spenders = {i: spent for i, spent in state.top}
        top = sorted(
            (i for i in snapshot.running if i.id in spenders), key=lambda i: -spenders[i.id]
        ) or list(snapshot.running[:5])
        protections = await self._protections.of(i.id for i in top)
        for kind in due:
            logs.event("budget.alert", outcome=kind, channel=channel, spent=round(state.spent, 2))
            shown = messages.alert(kind, state, top[:5], protections)
            await self._outbox.post(channel, shown, event="budget.alert_failed")
            await self._trail.note(
                Step.BUDGET_ALERT, kind, Subject(Topic.BUDGET, None, None, channel), SYSTEM_ACTOR
            )
