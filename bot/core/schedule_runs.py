"""What happens at a schedule's window edges, each watcher cycle.

Before a window's end (NEBULA_BOT_SCHEDULE_NOTICE), a notice in the schedule's channel with *Keep
running tonight*; at the end, the stop. At the next window's start, the start, only if it was the
schedule that stopped the instance (never one a person stopped). Each stop and start is a change agreed
in advance (`bot.core.agreed`) whose id names the schedule's version and the edge, so it is sent at most
once across replicas and restarts; Keep withdraws the same change, so of Keep and the stop exactly one
wins. Each is decided on a fresh read of the instance; while Nebula cannot be read, the edge waits for
the next cycle. Protections win: a protected instance is not stopped, and the notice says so.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Final

from bot.core.agreed import AgreedChanges
from bot.core.config import CoreConfig
from bot.core.services import Part, Services
from bot.core.trail import Subject
from bot.domain.audit import SCHEDULE_ACTOR, Step
from bot.domain.confirmation import Confirmation, State, summarize
from bot.domain.instance import Instance
from bot.domain.policy import Actor, Ruling, may_schedule
from bot.domain.records import Schedule, new_serial
from bot.domain.schedules import LOOK_BACK, Window, parse_days
from bot.domain.verbs import VERBS
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet
from bot.slack.messages import schedules as messages
from bot.slack.messages.kit import Message
from bot.slack.messages.protection import badge
from bot.slack.messages.refusals import refusal_text
from bot.slack.replier import post_or_log
from bot.store.records import Versioned

VERB: Final = "schedule"


def window_of(schedule: Schedule) -> Window:
    """The window a schedule record keeps."""
    return Window(parse_days(schedule.days) or frozenset(), schedule.start, schedule.end, schedule.zone)


def _change(schedule: Schedule, verb: str, edge: float, now: float, config: CoreConfig) -> Confirmation:
    return Confirmation(
        id=f"schedule-{verb}-{schedule.serial}-{int(edge)}",
        verb=VERBS[verb],
        instances=(Instance(id=schedule.instance_id, host_name=schedule.host_name),),
        requester=schedule.set_by,
        team_id=schedule.team_id,
        channel_id=schedule.channel_id,
        response_url="",
        created_at=now,
        expires_at=now + config.confirm_ttl,
    )


def stop_change(schedule: Schedule, end: float, now: float, config: CoreConfig) -> Confirmation:
    """The stop a schedule agreed to at the window end `end`: the same id on every replica."""
    return _change(schedule, "stop", end, now, config)


async def schedule_ruling(services: Services, actor: Actor, instance: Instance) -> Ruling:
    """May `actor` schedule `instance`, by the owner rule with its owner as known now."""
    owned = await services.owners.of([instance])
    owner, unsure = owned.owners.get(instance.id), owned.unsure.get(instance.id)
    return may_schedule(services.access.rules, actor, instance.id, owner, unsure)


class ScheduleRuns(Part):
    """Notices, stops and starts at window edges."""

    def __init__(self, services: Services, *, agreed: AgreedChanges, fleet: Fleet) -> None:
        super().__init__(services)
        self._agreed = agreed
        self._fleet = fleet

    async def handle(self) -> None:
        """One pass over every schedule."""
        for current in await self.services.records.all(Schedule):
            try:
                await self._one(current)
            except Exception:  # one schedule's failure must not hold up the others
                logs.failure("schedule.failed", instance=current.record.instance_id)

    async def _one(self, current: Versioned[Schedule]) -> None:
        s = self.services
        schedule, now = current.record, s.clock()
        window = window_of(schedule)
        if not window.days:
            return
        starts = window.starts(now - LOOK_BACK, now)
        last_start = starts[-1] if starts else None
        if last_start is not None and last_start > schedule.started_until:
            await self._start(current, window, last_start)
            return
        after = max(schedule.handled_until, last_start or 0.0, now - LOOK_BACK)
        ends = window.ends(after, now + s.config.schedule_notice)
        if not ends:
            return
        end = ends[-1]
        if now < end:
            if schedule.noticed_end != end:
                await self._notice(current, end)
        elif schedule.kept_end == end:
            await self._done(current, end, stopped=False)
        else:
            await self._stop(current, end)

    async def _look(self, schedule: Schedule) -> tuple[bool, Instance | None]:
        """(readable, the instance or None when gone): a fresh read of that one instance."""
        try:
            return True, await self._fleet.look(schedule.instance_id)
        except NebulaError as exc:
            logs.warning("schedule.waiting", instance=schedule.instance_id, error=type(exc).__name__)
            return False, None

    async def _notice(self, current: Versioned[Schedule], end: float) -> None:
        s = self.services
        readable, instance = await self._look(current.record)
        if not readable:
            return
        noticed = dataclasses.replace(current.record, noticed_end=end, notice_ts=None, serial=new_serial())
        if await s.records.put(current, noticed) is None:
            return  # another replica posts it
        if instance is None or not instance.is_running:
            return  # nothing to stop, nothing to say; the end itself settles it
        protection = (await s.protections.of([instance.id])).get(instance.id)
        shown = messages.stop_notice(noticed, end, s.config.dry_run, badge(protection) if protection else "")
        subject = Subject(VERB, noticed.instance_id, noticed.team_id, noticed.channel_id)
        await s.trail.record(Step.SCHEDULE_NOTICE, "notified", subject, SCHEDULE_ACTOR)
        ts = await post_or_log(s.replier, noticed.channel_id, shown, "schedule.notice_failed")
        if ts is not None:
            await s.records.update(
                Schedule,
                noticed.instance_id,
                lambda r: dataclasses.replace(r, notice_ts=ts) if r.serial == noticed.serial else r,
            )

    async def _stop(self, current: Versioned[Schedule], end: float) -> None:
        s = self.services
        schedule = current.record
        readable, instance = await self._look(schedule)
        if not readable:
            return
        if instance is None:
            await self._gone(current)
            return
        if not instance.is_running:
            await self._done(current, end, stopped=False)
            return
        protection = (await s.protections.of([instance.id])).get(instance.id)
        if protection is not None:
            await self._skip(current, end, messages.moot(schedule, badge(protection), "stop"), "protected")
            return
        refused = await self._refusal(schedule, instance)
        if refused is not None:
            await self._skip(current, end, messages.not_carried_out(schedule, "stop", refused), "refused")
            return
        if schedule.noticed_end != end:  # the notice was missed (the bot was down): the stop is still due
            current = await self._renumbered(current, end) or current
        change = stop_change(current.record, end, s.clock(), s.config)
        done = await self._carry_out(change, current.record)
        if done is not None:
            await self._done(current, end, stopped=done)
            return
        entry = await s.store.get(change.id)
        if entry is not None and entry.state is State.CANCELLED:  # kept running: the Keep won
            await self._done(current, end, stopped=False)

    async def _start(self, current: Versioned[Schedule], window: Window, start: float) -> None:
        s = self.services
        schedule = current.record
        ends_at = window.end_after(start)
        stopped = schedule.stopped_at is not None and schedule.stopped_at < start
        if not stopped or (ends_at is not None and ends_at <= s.clock()):
            await s.records.put(current, dataclasses.replace(schedule, started_until=start))
            return
        readable, instance = await self._look(schedule)
        if not readable:
            return
        if instance is None:
            await self._gone(current)
            return
        if instance.status_word == "stopped" and await self._refusal(schedule, instance) is None:
            change = _change(schedule, "start", start, s.clock(), s.config)
            if await self._carry_out(change, schedule) is None:
                return
        after = dataclasses.replace(current.record, started_until=start, stopped_at=None)
        await s.records.put(current, after)

    async def _carry_out(self, change: Confirmation, schedule: Schedule) -> bool | None:
        """Send the agreed change (if this replica wins it): True when it succeeded, False when it did
        not, None when another replica (or a Keep) had it."""
        s = self.services
        actor = Actor(SCHEDULE_ACTOR, schedule.team_id or None, None, schedule.channel_id or None)
        # A task of its own: stopped mid-cycle, the change still finishes through the shutdown drain.
        task = asyncio.create_task(self._agreed.carry_out(change, schedule.notice_ts, actor))
        outcomes = await asyncio.shield(task)
        if outcomes is None:
            return None
        summary = summarize(outcomes)
        subject = Subject(
            change.verb.name, schedule.instance_id, schedule.team_id, schedule.channel_id, change.id
        )
        await s.trail.record(
            Step.SCHEDULE_ACTED,
            summary,
            subject,
            SCHEDULE_ACTOR,
            message=f"schedule set by {schedule.set_by}",
        )
        return summary.value == "success"

    async def _refusal(self, schedule: Schedule, instance: Instance) -> str | None:
        """Why the schedule may no longer act for its setter, or None: the rules as they are now."""
        s = self.services
        setter = await s.access.resolve(Actor(schedule.set_by, schedule.team_id or None, None, None))
        ruling = s.access.may_request(setter)
        if ruling.allowed:
            ruling = await schedule_ruling(s, setter, instance)
        return refusal_text(ruling.reason) if ruling.reason is not None else None

    async def _renumbered(self, current: Versioned[Schedule], end: float) -> Versioned[Schedule] | None:
        return await self.services.records.put(current, dataclasses.replace(current.record, noticed_end=end))

    async def _done(self, current: Versioned[Schedule], end: float, *, stopped: bool) -> None:
        """The end is handled; `stopped` when the schedule stopped the instance (so it starts it again)."""
        await self.services.records.update(
            Schedule,
            current.record.instance_id,
            lambda r: (
                dataclasses.replace(
                    r, handled_until=max(r.handled_until, end), stopped_at=end if stopped else r.stopped_at
                )
                if r.set_at == current.record.set_at  # still the same schedule, not one set anew meanwhile
                else r
            ),
        )

    async def _skip(self, current: Versioned[Schedule], end: float, said: Message, outcome: str) -> None:
        s = self.services
        schedule = current.record
        if await s.records.put(current, dataclasses.replace(schedule, handled_until=end)) is None:
            return
        subject = Subject(VERB, schedule.instance_id, schedule.team_id, schedule.channel_id)
        await s.trail.record(Step.SCHEDULE_SKIPPED, outcome, subject, SCHEDULE_ACTOR)
        await post_or_log(
            s.replier, schedule.channel_id, said, "schedule.notice_failed", thread_ts=schedule.notice_ts
        )

    async def _gone(self, current: Versioned[Schedule]) -> None:
        s = self.services
        schedule = current.record
        if not await s.records.remove(current):
            return
        subject = Subject(VERB, schedule.instance_id, schedule.team_id, schedule.channel_id)
        await s.trail.record(Step.SCHEDULE_REMOVED, "gone", subject, SCHEDULE_ACTOR)
        await post_or_log(
            s.replier, schedule.channel_id, messages.moot(schedule, None, "stop"), "schedule.notice_failed"
        )
