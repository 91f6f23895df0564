"""Schedules as the store keeps them and the channel hears of them: each change to a schedule record at a
window's edge, and what is said there. What decides when these happen is `schedule_runs` (the watcher)
and `schedules` (people)."""

from __future__ import annotations

import dataclasses

from bot.core.config import CoreConfig
from bot.core.confirmations import AgreedChanges
from bot.core.rails import Subject, Trail
from bot.domain.audit import SCHEDULE_ACTOR, Step, Topic
from bot.domain.calendar.schedules import Window, parse_days
from bot.domain.confirmation import Confirmation, Entry, Transition
from bot.domain.fleet.instance import Instance
from bot.domain.records import Protection, Schedule, new_serial
from bot.domain.verbs import STOP, Verb
from bot.infra.clock import Clock
from bot.slack.messages.kit import Message
from bot.slack.messages.notices import schedules as messages
from bot.slack.messages.notices.protection import badge
from bot.slack.outbox import Outbox
from bot.store import Records, Versioned


def window_of(schedule: Schedule) -> Window:
    """The window a schedule record keeps."""
    return Window(parse_days(schedule.days) or frozenset(), schedule.start, schedule.end, schedule.zone)


def subject_of(schedule: Schedule) -> Subject:
    """What the schedule's audit lines are about."""
    return Subject(Topic.SCHEDULE, schedule.instance_id, schedule.workspace, schedule.channel_id)


class ScheduleBook:
    """Schedule records, their notices, and the changes they agree to at each edge."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        clock: Clock,
        records: Records,
        outbox: Outbox,
        trail: Trail,
        agreed: AgreedChanges,
    ) -> None:
        self.config = config
        self.clock = clock
        self.records = records
        self._outbox = outbox
        self._trail = trail
        self._agreed = agreed

    def change(self, schedule: Schedule, verb: Verb, edge: float) -> Confirmation:
        """The stop or start a schedule agreed to at the window edge `edge`: the same id on every replica."""
        now = self.clock()
        return Confirmation(
            id=f"schedule-{verb.name}-{schedule.serial}-{int(edge)}",
            verb=verb,
            instances=(Instance(id=schedule.instance_id, host_name=schedule.host_name),),
            requester=schedule.set_by,
            workspace=schedule.workspace,
            channel_id=schedule.channel_id,
            response_url="",
            created_at=now,
            expires_at=now + self.config.confirm_ttl,
        )

    async def withdraw(self, change: Confirmation, actor: str) -> Transition:
        """Make sure the change is never carried out, unless it already was."""
        return await self._agreed.withdraw(change, actor)

    async def agreed_entry(self, change_id: str) -> Entry | None:
        """A change the schedule agreed to, as the store keeps it."""
        return await self._agreed.entry(change_id)

    async def noticed(
        self,
        current: Versioned[Schedule],
        end: float,
        instance: Instance | None,
        protection: Protection | None,
    ) -> None:
        """Before a window's end: the notice (with Keep), once, by whichever replica gets there first."""
        noticed = dataclasses.replace(current.record, noticed_end=end, notice_ts=None, serial=new_serial())
        if await self.records.put(current, noticed) is None:
            return  # another replica posts it
        if instance is None or not instance.is_running:
            return  # nothing to stop, nothing to say; the end itself settles it
        lock = badge(protection) if protection else ""
        shown = messages.stop_notice(noticed, end, self.config.dry_run, lock)
        await self._trail.note(Step.SCHEDULE_NOTICE, "notified", subject_of(noticed), SCHEDULE_ACTOR)
        ts = await self._outbox.post(noticed.channel_id, shown, event="schedule.notice_failed")
        if ts is not None:
            await self.records.update(
                Schedule,
                noticed.instance_id,
                lambda r: dataclasses.replace(r, notice_ts=ts) if r.serial == noticed.serial else r,
            )

    async def noticed_at(self, current: Versioned[Schedule], end: float) -> Versioned[Schedule] | None:
        """The notice of `end` was missed (the bot was down): the stop is still due at it."""
        return await self.records.put(current, dataclasses.replace(current.record, noticed_end=end))

    async def handled(self, current: Versioned[Schedule], end: float, *, stopped: bool) -> None:
        """The end is handled; `stopped` when the schedule stopped the instance (so it starts it again)."""
        await self.records.update(
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

    async def started(self, current: Versioned[Schedule], start: float, *, restarted: bool) -> None:
        """The window's start is handled (`restarted`: the instance the schedule had stopped)."""
        after = dataclasses.replace(current.record, started_until=start)
        await self.records.put(current, dataclasses.replace(after, stopped_at=None) if restarted else after)

    async def skipped(self, current: Versioned[Schedule], end: float, said: Message, outcome: str) -> None:
        """Nothing is done at this end (protected, refused): say so in the notice's thread."""
        schedule = current.record
        if await self.records.put(current, dataclasses.replace(schedule, handled_until=end)) is None:
            return
        await self._trail.note(Step.SCHEDULE_SKIPPED, outcome, subject_of(schedule), SCHEDULE_ACTOR)
        await self._outbox.post(
            schedule.channel_id, said, thread_ts=schedule.notice_ts, event="schedule.notice_failed"
        )

    async def gone(self, current: Versioned[Schedule]) -> None:
        """The instance is gone: its schedule goes with it, said once."""
        schedule = current.record
        if not await self.records.remove(current):
            return
        await self._trail.note(Step.SCHEDULE_REMOVED, "gone", subject_of(schedule), SCHEDULE_ACTOR)
        await self._outbox.post(
            schedule.channel_id, messages.moot(schedule, None, STOP), event="schedule.notice_failed"
        )

    async def acted(self, schedule: Schedule, change: Confirmation, summary: str) -> None:
        """What came of a stop or start the schedule made, for the audit."""
        subject = Subject(change.verb.name, schedule.instance_id, schedule.workspace, schedule.channel_id)
        await self._trail.note(
            Step.SCHEDULE_ACTED,
            summary,
            dataclasses.replace(subject, confirmation=change.id),
            SCHEDULE_ACTOR,
            message=f"schedule set by {schedule.set_by}",
        )
