"""What happens at a schedule's window edges, each watcher cycle.

Before a window's end (NEBULA_BOT_SCHEDULE_NOTICE), a notice in the schedule's channel with *Keep
running tonight*; at the end, the stop. At the next window's start, the start, only if it was the
schedule that stopped the instance (never one a person stopped). Each stop and start is agreed in
advance with an id that names the schedule's version and the edge, so it is sent at most once across
replicas and restarts; Keep withdraws the same change, so of Keep and the stop exactly one wins. Each
is settled by `bot.core.watch.settle` (a fresh read, gone, protected, the setter still allowed);
`Edge` is what each step means for a schedule. Protections win: a protected instance is not stopped.
"""

from __future__ import annotations

from bot.core.rails import Protections
from bot.core.watch.schedule_book import ScheduleBook, window_of
from bot.core.watch.settle import Settlement
from bot.domain.audit import PROTECTED, SCHEDULE_ACTOR
from bot.domain.calendar.schedules import LOOK_BACK, Window
from bot.domain.confirmation import InstanceOutcome, State, Status, summarize
from bot.domain.fleet.instance import Instance
from bot.domain.policy import Actor, Rules, Ruling, may_schedule
from bot.domain.records import Protection, Schedule
from bot.domain.refusals import Reason
from bot.domain.verbs import START, STOP, Verb
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet
from bot.slack.messages.notices import schedules as messages
from bot.slack.messages.notices.protection import badge
from bot.slack.messages.refusals import refusal_text
from bot.store import Versioned


class ScheduleRuns:
    """Notices, stops and starts at window edges."""

    def __init__(
        self, *, book: ScheduleBook, fleet: Fleet, protections: Protections, settlement: Settlement
    ) -> None:
        self._book = book
        self._fleet = fleet
        self._protections = protections
        self._settlement = settlement

    async def handle(self) -> None:
        """One pass over every schedule."""
        for current in await self._book.records.all(Schedule):
            try:
                await self._one(current)
            except Exception:  # one schedule's failure must not hold up the others
                logs.failure("schedule.failed", instance=current.record.instance_id)

    async def _one(self, current: Versioned[Schedule]) -> None:
        schedule, now = current.record, self._book.clock()
        window = window_of(schedule)
        if not window.days:
            return
        starts = window.starts(now - LOOK_BACK, now)
        last_start = starts[-1] if starts else None
        if last_start is not None and last_start > schedule.started_until:
            await self._start(current, window, last_start)
            return
        after = max(schedule.handled_until, last_start or 0.0, now - LOOK_BACK)
        ends = window.ends(after, now + self._book.config.schedule_notice)
        if not ends:
            return
        end = ends[-1]
        if now < end:
            if schedule.noticed_end != end:
                await self._notice(current, end)
        elif schedule.kept_end == end:
            await self._book.handled(current, end, stopped=False)
        else:
            edge = Edge(self._book, current, STOP, end)
            await self._settlement.settle(edge.change, schedule.notice_ts, edge)

    async def _notice(self, current: Versioned[Schedule], end: float) -> None:
        try:
            instance = await self._fleet.look(current.record.instance_id)
        except NebulaError as exc:
            logs.warning("schedule.waiting", instance=current.record.instance_id, error=type(exc).__name__)
            return
        protection = (
            None if instance is None else (await self._protections.of([instance.id])).get(instance.id)
        )
        await self._book.noticed(current, end, instance, protection)

    async def _start(self, current: Versioned[Schedule], window: Window, start: float) -> None:
        schedule = current.record
        ends_at = window.end_after(start)
        stopped = schedule.stopped_at is not None and schedule.stopped_at < start
        if not stopped or (ends_at is not None and ends_at <= self._book.clock()):
            await self._book.started(current, start, restarted=False)
            return
        edge = Edge(self._book, current, START, start)
        await self._settlement.settle(edge.change, schedule.notice_ts, edge)


class Edge:
    """One window edge of one schedule: what each step of its settlement means (`settle.Policy`)."""

    def __init__(self, book: ScheduleBook, current: Versioned[Schedule], verb: Verb, at: float) -> None:
        self._book = book
        self._current = current
        self._at = at
        schedule = current.record
        self.change = book.change(schedule, verb, at)
        self.actor = Actor(SCHEDULE_ACTOR, schedule.workspace or None, None, schedule.channel_id or None)
        self.setter = Actor(schedule.set_by, schedule.workspace or None, None, None)

    @property
    def _stops(self) -> bool:
        return self.change.verb is STOP

    def applies(self, instance: Instance) -> bool:
        return instance.is_running if self._stops else instance.status_word in START.needs

    def permits(
        self, rules: Rules, setter: Actor, instance_id: str, owner: str | None, unsure: str | None
    ) -> Ruling | None:
        return may_schedule(rules, setter, instance_id, owner, unsure)

    async def unreadable(self, error: NebulaError) -> None:
        logs.warning(
            "schedule.waiting", instance=self._current.record.instance_id, error=type(error).__name__
        )

    async def gone(self) -> None:
        await self._book.gone(self._current)

    async def moot(self, instance: Instance) -> None:
        if self._stops:
            await self._book.handled(self._current, self._at, stopped=False)
        else:
            await self._book.started(self._current, self._at, restarted=True)

    async def protected(self, instance: Instance, protection: Protection) -> None:
        shown = messages.moot(self._current.record, badge(protection), self.change.verb)
        await self._book.skipped(self._current, self._at, shown, PROTECTED)

    async def refused(self, instance: Instance, reason: Reason) -> None:
        if not self._stops:  # a start its setter may no longer have: not made, and the window goes on
            await self._book.started(self._current, self._at, restarted=True)
            return
        shown = messages.not_carried_out(self._current.record, self.change.verb, refusal_text(reason))
        await self._book.skipped(self._current, self._at, shown, "refused")

    async def going_ahead(self) -> None:
        if self._stops and self._current.record.noticed_end != self._at:
            # The notice was missed (the bot was down): the stop is still due, and Keep can now find it.
            self._current = await self._book.noticed_at(self._current, self._at) or self._current

    async def carried_out(self, outcomes: tuple[InstanceOutcome, ...]) -> None:
        summary = summarize(outcomes)
        await self._book.acted(self._current.record, self.change, summary)
        if self._stops:
            await self._book.handled(self._current, self._at, stopped=summary is Status.SUCCESS)
        else:
            await self._book.started(self._current, self._at, restarted=True)

    async def missed(self) -> None:
        if not self._stops:
            return  # another replica started it, and marks the start
        entry = await self._book.agreed_entry(self.change.id)
        if entry is not None and entry.state is State.CANCELLED:  # kept running: the Keep won
            await self._book.handled(self._current, self._at, stopped=False)
