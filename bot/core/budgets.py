"""`/nebula budget`, and what the watcher does for it each cycle: accrue the spend it reads, keep the
gauges, and post each alert once per period (50 %, 80 %, 100 %, the forecast over the budget) in the
watch channel, with the biggest spenders' menus. Over 100 %, starting an instance or extending a lease
needs an approver (`over_budget`, asked by the requests and the leases)."""

from __future__ import annotations

import dataclasses

from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.domain.audit import SYSTEM_ACTOR, Step
from bot.domain.budgets import TEAM, Budget, Figures, Ledger, accrue, due_alerts, figures, period_bounds
from bot.domain.commands import BudgetCommand
from bot.domain.costs import FleetCost
from bot.domain.policy import Actor, is_approver
from bot.domain.refusals import OverBudget
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet, Snapshot
from bot.slack.messages import budgets as messages
from bot.slack.replier import Destination, post_or_log, say

VERB = "budget"
HOSTS_MAX_AGE = 7 * 86400.0  # a host name read this week names a spender better than its id alone


async def standing(services: Services) -> tuple[Budget, Figures] | None:
    """The budget and where it stands now, or None without one."""
    budget = await services.records.get(Budget, TEAM)
    if budget is None:
        return None
    ledger = await services.records.get(Ledger, TEAM)
    spent = ledger.record if ledger is not None else Ledger()
    amount, period = budget.record.amount, budget.record.period
    return budget.record, figures(amount, period, spent, spent.per_hour, services.clock())


async def over_budget(services: Services) -> OverBudget | None:
    """Why more spending needs an approver (the budget is spent), or None."""
    found = await standing(services)
    if found is None or not found[1].over:
        return None
    budget, current = found
    return OverBudget(budget.amount, budget.period, current.spent, services.access.rules.approvers)


class Budgets(Part):
    """The budget command, and the watcher's accrual and alerts."""

    def __init__(self, services: Services, *, fleet: Fleet) -> None:
        super().__init__(services)
        self._fleet = fleet

    @handler(admit=True)
    async def command(self, actor: Actor, to: Destination, command: BudgetCommand) -> None:
        """Show, set or remove the budget."""
        s = self.services
        if command.amount is None and not command.off:
            found = await standing(s)
            if found is None:
                await say(s.replier, to, messages.no_budget())
                return
            await say(s.replier, to, messages.budget_shown(found[1], await self._hosts()))
            return
        rules = s.access.rules
        subject = Subject(VERB, None, actor.team_id, actor.channel_id)
        if rules.approvers and not is_approver(rules, actor):
            await s.trail.record(Step.REFUSED, "not_allowed", subject, actor.user_id)
            await say(s.replier, to, messages.setting_needs_an_approver(rules.approvers))
            return
        current = await s.records.get(Budget, TEAM)
        if command.off:
            removed = current is not None and await s.records.remove(current)
            if removed:
                await s.trail.record(Step.BUDGET_REMOVED, "removed", subject, actor.user_id)
            await say(s.replier, to, messages.budget_removed(removed, actor.user_id), in_channel=removed)
            return
        assert command.amount is not None
        budget = Budget(amount=command.amount, period=command.period, set_by=actor.user_id, set_at=s.clock())
        if await s.records.put(current, budget) is None:
            await say(s.replier, to, messages.changed_meanwhile())
            return
        await s.trail.record(
            Step.BUDGET_SET, "set", subject, actor.user_id, message=f"{budget.amount:.2f}/{budget.period}"
        )
        found = await standing(s)
        assert found is not None
        await say(s.replier, to, messages.budget_set(budget, found[1]), in_channel=True)

    async def watch(self, snapshot: Snapshot, costs: FleetCost, channel: str | None) -> None:
        """One cycle: accrue what `costs` shows running, set the gauges, and post the alerts due."""
        s = self.services
        now = s.clock()
        budget = await s.records.get(Budget, TEAM)
        period = budget.record.period if budget is not None else "month"
        running = {row.instance.id: row.per_hour for row in costs.rows if row.per_hour is not None}
        found = await s.records.get(Ledger, TEAM)
        accrued = accrue(found.record if found is not None else Ledger(), running, now, period)
        if await s.records.put(found, accrued) is None:  # another replica got in first: on theirs
            await s.records.update(Ledger, TEAM, lambda ledger: accrue(ledger, running, now, period))
        current = await standing(s)
        if current is None:
            return
        budget_record, state = current
        team = s.config.team
        s.metrics.budget.labels(team).set(state.amount)
        s.metrics.budget_spent.labels(team).set(state.spent)
        s.metrics.budget_forecast.labels(team).set(state.forecast)
        if channel is not None:
            await self._alert(budget_record, state, snapshot, channel)

    async def _alert(self, budget: Budget, state: Figures, snapshot: Snapshot, channel: str) -> None:
        s = self.services
        start, _ = period_bounds(budget.period, s.clock())
        sent = budget.alerted if budget.alerted_period == start else ()
        due = due_alerts(state, sent)
        if not due:
            return
        current = await s.records.get(Budget, TEAM)
        if current is None or current.record != budget:
            return  # changed meanwhile: the next cycle decides
        marked = dataclasses.replace(budget, alerted_period=start, alerted=(*sent, *due))
        if await s.records.put(current, marked) is None:
            return  # another replica posts them
        spenders = {i: spent for i, spent in state.top}
        top = sorted(
            (i for i in snapshot.running if i.id in spenders), key=lambda i: -spenders[i.id]
        ) or list(snapshot.running[:5])
        protections = await s.protections.of(i.id for i in top)
        for kind in due:
            logs.event("budget.alert", outcome=kind, channel=channel, spent=round(state.spent, 2))
            await post_or_log(
                s.replier, channel, messages.alert(kind, state, top[:5], protections), "budget.alert_failed"
            )
            subject = Subject(VERB, None, None, channel)
            await s.trail.record(Step.BUDGET_ALERT, kind, subject, SYSTEM_ACTOR)

    async def _hosts(self) -> dict[str, str | None]:
        """Host names from a recent read of the fleet (the biggest spenders are kept by id)."""
        try:
            recent = await self._fleet.read(details=False, max_age=HOSTS_MAX_AGE)
        except NebulaError:
            return {}
        return {i.id: i.host_name for i in recent.instances}
