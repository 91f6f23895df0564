"""`/nebula credits`: the account's balance, how long it lasts at the burn rate now, what Nebula billed,
and what burns most. The runway alert itself is the watcher's (`bot.core.money.RunwayWatch`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.commands import CommandSet, word
from bot.core.config import CoreConfig
from bot.core.fleet import Reads
from bot.core.money import Credits
from bot.core.rails import Protections
from bot.domain.commands import Command, bare
from bot.domain.money.credits import DAY, Runway
from bot.domain.policy import Actor
from bot.infra.clock import Clock
from bot.nebula.errors import NebulaError
from bot.slack.messages.kit import notice
from bot.slack.messages.notices import credits as messages
from bot.slack.messages.texts import nebula_error
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination

BURNERS = 5


@dataclass(frozen=True)
class ShowCredits(Command):
    """`/nebula credits`."""

    def text(self) -> str:
        return "credits"


class CreditWords(CommandSet):
    """credits."""

    def __init__(
        self,
        *,
        credits: Credits,
        reads: Reads,
        protections: Protections,
        outbox: Outbox,
        clock: Clock,
        config: CoreConfig,
    ) -> None:
        self._credits = credits
        self._reads = reads
        self._protections = protections
        self._outbox = outbox
        self._clock = clock
        self._config = config

    @word("credits", usage="credits", example="credits", parse=bare(ShowCredits), rank=14, writes=False)
    async def credits(self, actor: Actor, to: Destination, command: ShowCredits) -> None:
        """the account's balance, how long it lasts at the burn rate now, and what Nebula billed"""
        costs = await self._reads.costs(actor, to, "credits.shown")
        if costs is None:
            return
        try:
            account = await self._credits.account()
        except NebulaError as exc:
            await self._outbox.reply(to, notice(f"The balance could not be read. {nebula_error(exc)}"))
            return
        if account.balance is None:
            await self._outbox.reply(to, notice("Nebula's balance makes no sense just now; try again later."))
            return
        summary = costs[0]
        top = [row.instance for row in sorted(summary.rows, key=lambda r: -(r.per_hour or 0.0))][:BURNERS]
        shown = messages.credits_shown(
            Runway(account.balance, summary.per_hour),
            self._clock(),
            messages.billed_line(account.billed(DAY), account.billed(7 * DAY)),
            top,
            await self._protections.of(i.id for i in top),
            self._config.shares_balance_with,
        )
        await self._outbox.reply(to, shown)
