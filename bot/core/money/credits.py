"""The account's credits as Nebula reports them: the balance and the billed history (`Credits`), and the
runway alert the watcher posts once per crossing, and again when credits are added (`RunwayWatch`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bot.core.config import CoreConfig
from bot.core.rails import Protections, Subject, Trail
from bot.domain.audit import SYSTEM_ACTOR, Step, Topic
from bot.domain.money.costs import FleetCost
from bot.domain.money.credits import CreditRow, Runway, billed, level
from bot.domain.records import RunwayAlert
from bot.infra import logs
from bot.infra.clock import Clock
from bot.nebula.client import NebulaClient
from bot.nebula.errors import NebulaError
from bot.nebula.paging import read_all
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import credits as messages
from bot.slack.outbox import Outbox
from bot.store import Records

HISTORY_PAGE: Final = 100
HISTORY_PAGES: Final = 10  # about six weeks of hourly consumption: more than the 7 days shown
SPENDERS: Final = 5
# A balance that grew by more than this since the alert: credits were added.
ADDED: Final = 0.01


@dataclass(frozen=True)
class Account:
    """The balance (None: Nebula's was not plausible) and the billed history as read (`complete`: to
    its end, else what the bound allowed; `problem`: why it could not be read at all)."""

    balance: float | None
    rows: tuple[CreditRow, ...]
    read_at: float
    problem: str | None = None

    def billed(self, seconds: float) -> float | None:
        """What Nebula billed in the last `seconds` (None: its history could not be read)."""
        if self.problem is not None:
            return None
        return billed(self.rows, self.read_at - seconds, self.read_at + 1)


class Credits:
    """Reads the account's balance and history."""

    def __init__(self, *, nebula: NebulaClient, clock: Clock) -> None:
        self._nebula = nebula
        self._clock = clock
        self._kept: tuple[float, float | None] | None = None  # (read at, balance)

    async def balance(self, max_age: float = 0.0) -> float | None:
        """The balance, read at most `max_age` seconds ago. Raises `NebulaError`."""
        kept = self._kept
        if kept is not None and max_age > 0 and self._clock() - kept[0] <= max_age:
            return kept[1]
        found = await self._nebula.balance()
        self._kept = (self._clock(), found)
        return found

    async def account(self) -> Account:
        """The balance and the recent history. Raises `NebulaError` when the balance cannot be read."""
        balance = await self.balance()

        async def page(limit: int, offset: int) -> tuple[tuple[CreditRow, ...], int]:
            found = await self._nebula.credit_history(limit, offset)
            return found.rows, found.sent

        try:
            paged = await read_all(page, lambda row: row.id, size=HISTORY_PAGE, max_pages=HISTORY_PAGES)
        except NebulaError as exc:
            return Account(balance, (), self._clock(), problem=type(exc).__name__)
        if paged.repeated:
            logs.warning("nebula.history_repeats", pages=paged.pages)
        return Account(balance, paged.items, self._clock())


class RunwayWatch:
    """Posts the runway alert once per crossing, and says when credits were added."""

    def __init__(
        self,
        *,
        credits: Credits,
        records: Records,
        protections: Protections,
        outbox: Outbox,
        trail: Trail,
        clock: Clock,
        config: CoreConfig,
    ) -> None:
        # Teams on one key watch one balance: the first of them by name alerts for all, once.
        self._alerts_for_all = all(config.team < other for other in config.shares_balance_with)
        self._alert_hours = config.runway_alert / 3600
        self._credits = credits
        self._records = records
        self._protections = protections
        self._outbox = outbox
        self._trail = trail
        self._clock = clock

    async def check(self, costs: FleetCost, channel: str) -> None:
        """One reading of the balance (one Nebula call) against the burn rate `costs` shows now."""
        if not self._alerts_for_all:
            return
        try:
            balance = await self._credits.balance()
        except NebulaError as exc:
            logs.warning("runway.unread", error=type(exc).__name__)
            return
        if balance is None:
            return  # not plausible: logged where it was read
        now = self._clock()
        runway = Runway(balance, costs.per_hour)
        under = level(runway.hours, self._alert_hours)
        current = await self._records.get(RunwayAlert, "account")
        had = current.record if current is not None else None
        if had is None and under == 0:
            return  # nothing to say, nothing kept: no write a cycle
        if had is not None and balance > had.balance + ADDED and under < had.level:
            if await self._records.put(current, RunwayAlert(under, balance, now)) is not None:
                shown = messages.credits_added(balance - had.balance, runway, now)
                await self._say(channel, shown, "credits_added")
            return
        if under > (had.level if had else 0):
            if await self._records.put(current, RunwayAlert(under, balance, now)) is not None:
                top = [row.instance for row in sorted(costs.rows, key=lambda r: -(r.per_hour or 0.0))][
                    :SPENDERS
                ]
                protections = await self._protections.of(i.id for i in top)
                shown = messages.runway_alert(runway, now, self._alert_hours, top, protections)
                await self._say(channel, shown, f"runway_under_{under}")
            return
        if had is not None and under < had.level:  # the burn fell: a later crossing alerts again
            await self._records.put(current, RunwayAlert(under, balance, now))

    async def _say(self, channel: str, shown: Message, outcome: str) -> None:
        logs.event("runway.alert", outcome=outcome, channel=channel)
        await self._outbox.post(channel, shown, event="runway.alert_failed")
        subject = Subject(Topic.BUDGET, None, None, channel)
        await self._trail.note(Step.BUDGET_ALERT, outcome, subject, SYSTEM_ACTOR)
