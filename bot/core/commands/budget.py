"""The budget: `/nebula budget 5000/month` (or `/week`; with approvers, only an approver sets it),
`/nebula budget` (where it stands), `/nebula budget off`. What the watcher does for it each cycle is
`bot.core.money.budgets`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.core.commands import CommandSet, word
from bot.core.money import Standing
from bot.core.rails import Access, Subject, Trail
from bot.domain.audit import Step, Topic
from bot.domain.commands import Command, UsageError, is_off
from bot.domain.money.budgets import TEAM, Budget, Period, parse_budget
from bot.domain.policy import Actor
from bot.infra.clock import Clock
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet
from bot.slack.messages.notices import budgets as messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination
from bot.store import Records

HOSTS_MAX_AGE: Final = 7 * 86400.0  # a host name read this week names a spender better than its id alone


@dataclass(frozen=True)
class BudgetCommand(Command):
    """`/nebula budget` (show), `/nebula budget 5000/month` (set), `/nebula budget off` (remove)."""

    amount: float | None = None
    period: Period = "month"
    off: bool = False

    def text(self) -> str:
        how = "off" if self.off else f"{self.amount:g}/{self.period}" if self.amount is not None else ""
        return f"budget {how}".rstrip()


def parse_budget_command(verb: str, args: Sequence[str]) -> Command | UsageError:
    """Nothing (show), `off`, or an amount per period."""
    if not args:
        return BudgetCommand()
    if len(args) == 1 and is_off(args[0]):
        return BudgetCommand(off=True)
    parsed = parse_budget(args[0]) if len(args) == 1 else None
    if parsed is None:
        return UsageError("budget_form", verb=verb, word=" ".join(args))
    return BudgetCommand(amount=parsed[0], period=parsed[1])


class BudgetWords(CommandSet):
    """budget."""

    def __init__(
        self,
        *,
        standing: Standing,
        records: Records,
        access: Access,
        fleet: Fleet,
        trail: Trail,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._standing = standing
        self._records = records
        self._access = access
        self._fleet = fleet
        self._trail = trail
        self._outbox = outbox
        self._clock = clock

    @word(
        "budget",
        usage="budget [5000/month|5000/week|off]",
        example="budget",
        parse=parse_budget_command,
        rank=80,
    )
    async def budget(self, actor: Actor, to: Destination, command: BudgetCommand) -> None:
        """what the team may spend (alone: where it stands and the biggest spenders; `off`: remove it)"""
        if command.amount is None and not command.off:
            await self._show(to)
            return
        rules = self._access.rules
        subject = Subject(Topic.BUDGET, None, actor.workspace, actor.channel_id)
        if rules.approvers and not self._access.is_approver(actor):
            await self._trail.note(Step.REFUSED, "not_allowed", subject, actor.user_id)
            await self._outbox.reply(to, messages.setting_needs_an_approver(rules.approvers))
            return
        current = await self._records.get(Budget, TEAM)
        if command.off:
            removed = current is not None and await self._records.remove(current)
            if removed:
                await self._trail.note(Step.BUDGET_REMOVED, "removed", subject, actor.user_id)
            await self._outbox.reply(to, messages.budget_removed(removed, actor.user_id), public=removed)
            return
        assert command.amount is not None
        budget = Budget(
            amount=command.amount, period=command.period, set_by=actor.user_id, set_at=self._clock()
        )
        if await self._records.put(current, budget) is None:
            await self._outbox.reply(to, messages.changed_meanwhile())
            return
        await self._trail.note(
            Step.BUDGET_SET, "set", subject, actor.user_id, message=f"{budget.amount:.2f}/{budget.period}"
        )
        found = await self._standing.now()
        assert found is not None
        await self._outbox.reply(to, messages.budget_set(budget, found[1]), public=True)

    async def _show(self, to: Destination) -> None:
        found = await self._standing.now()
        if found is None:
            await self._outbox.reply(to, messages.no_budget())
            return
        try:
            recent = await self._fleet.read(details=False, max_age=HOSTS_MAX_AGE)
            hosts = {i.id: i.host_name for i in recent.instances}
        except NebulaError:
            hosts = {}
        await self._outbox.reply(to, messages.budget_shown(found[1], hosts))
