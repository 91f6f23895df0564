"""Schedules people set: `/nebula schedule` (set, show, `off`), `/nebula schedules`, and the notice's
*Keep running tonight*. What happens at each window's edge is `bot.core.watch.schedule_runs`."""

from __future__ import annotations

import dataclasses
import math

from bot.core.confirmations import Lookup, Requests
from bot.core.rails import Access, Owners, Subject, Trail
from bot.core.watch.schedule_book import ScheduleBook, window_of
from bot.domain.audit import Step, Topic
from bot.domain.calendar.schedules import Window, days_text, outlook
from bot.domain.confirmation import State
from bot.domain.controls import NoticeRef
from bot.domain.fleet.instance import Instance
from bot.domain.fleet.names import Called
from bot.domain.policy import Actor, Ruling, may_schedule
from bot.domain.records import Schedule, new_serial
from bot.domain.verbs import STOP
from bot.slack.messages.notices import fleet as fleet_messages
from bot.slack.messages.notices import schedules as messages
from bot.slack.messages.refusals import refusal_text
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination


class Schedules:
    """The schedule commands and Keep."""

    def __init__(
        self,
        *,
        book: ScheduleBook,
        access: Access,
        owners: Owners,
        lookup: Lookup,
        requests: Requests,
        outbox: Outbox,
        trail: Trail,
    ) -> None:
        self._requests = requests
        self._book = book
        self._access = access
        self._owners = owners
        self._lookup = lookup
        self._outbox = outbox
        self._trail = trail

    async def ruling(self, actor: Actor, instance: Instance) -> Ruling:
        """May `actor` schedule `instance`, by the owner rule with its owner as known now."""
        owned = await self._owners.of([instance])
        owner, unsure = owned.owners.get(instance.id), owned.unsure.get(instance.id)
        return may_schedule(self._access.rules, actor, instance.id, owner, unsure)

    async def show(self, to: Destination, instance_id: str) -> None:
        """`/nebula schedule <id>`."""
        current = await self._book.records.get(Schedule, instance_id)
        found = current.record if current else None
        called = self._lookup.called(instance_id)
        if found is None:
            await self._outbox.reply(to, messages.schedule_shown(None, called, None, running=False))
            return
        instance = await self._lookup.one(instance_id, to)
        if instance is None:
            return
        ahead = outlook(window_of(found), self._book.clock())
        await self._outbox.reply(to, messages.schedule_shown(found, called, ahead, instance.is_running))

    async def change(self, actor: Actor, to: Destination, instance_id: str, window: Window | None) -> None:
        """Set (`window`) or remove (None) one instance's schedule."""
        book = self._book
        current = await book.records.get(Schedule, instance_id)
        instance = await self._lookup.one(instance_id, to)
        if instance is None:
            return
        ruling = await self.ruling(actor, instance)
        subject = Subject(Topic.SCHEDULE, instance.id, actor.workspace, actor.channel_id)
        if ruling.reason is not None:
            await self._trail.note(Step.REFUSED, "not_allowed", subject, actor.user_id)
            await self._outbox.reply(to, messages.refused_setting(refusal_text(ruling.reason)))
            return
        if window is None:
            await self._remove(actor, to, instance, subject)
            return
        now = book.clock()
        schedule = Schedule(
            instance_id=instance.id,
            host_name=instance.host_name,
            days=days_text(window.days),
            start=window.start,
            end=window.end,
            zone=window.zone,
            set_by=actor.user_id,
            set_at=now,
            channel_id=book.config.watch_channel or actor.channel_id or "",
            workspace=actor.workspace or "",
            handled_until=now,
            started_until=now,
            serial=new_serial(),
        )
        if current is not None:
            await self._withdraw_pending(current.record, actor.user_id)
        if await book.records.put(current, schedule) is None:
            await self._outbox.reply(to, messages.changed_meanwhile(instance))
            return
        await self._trail.note(Step.SCHEDULE_SET, "set", subject, actor.user_id, message=window.text)
        ahead = outlook(window, now)
        shown = messages.schedule_set(schedule, ahead, instance.is_running, book.config.dry_run)
        await self._outbox.reply(to, shown, public=True)
        if instance.is_running and not ahead.inside:
            # Outside its hours now: the stop it would have had is offered, as a normal confirmation.
            await self._requests.request(actor, to, STOP, (instance.id,))

    async def _remove(self, actor: Actor, to: Destination, instance: Instance, subject: Subject) -> None:
        records = self._book.records
        found = await records.get(Schedule, instance.id)
        removed = found is not None and await records.remove(found)
        if found is not None and removed:
            await self._withdraw_pending(found.record, actor.user_id)
            await self._trail.note(Step.SCHEDULE_REMOVED, "removed", subject, actor.user_id)
        called = Called(instance.id, instance.host_name, instance.id)
        shown = messages.schedule_removed(called, removed, actor.user_id)
        await self._outbox.reply(to, shown, public=removed)

    async def _withdraw_pending(self, schedule: Schedule, actor: str) -> None:
        """A noticed stop that has not been sent is never sent once its schedule changes."""
        if schedule.noticed_end is not None and schedule.noticed_end > schedule.handled_until:
            await self._book.withdraw(self._book.change(schedule, STOP, schedule.noticed_end), actor)

    async def show_all(self, to: Destination) -> None:
        """`/nebula schedules`, ephemeral."""
        found = [v.record for v in await self._book.records.all(Schedule)]
        await self._outbox.reply(to, messages.schedules(found))

    async def keep(self, actor: Actor, to: Destination, ref: NoticeRef) -> None:
        """*Keep running tonight*: the noticed stop is withdrawn, unless it was already sent."""
        book = self._book
        current = await book.records.get(Schedule, ref.instance_id)
        schedule = current.record if current else None
        end = schedule.noticed_end if schedule else None
        if schedule is None or end is None or schedule.serial != ref.serial or schedule.kept_end == end:
            await self._outbox.reply(to, fleet_messages.out_of_date())
            return
        withdrawn = await book.withdraw(book.change(schedule, STOP, end), actor.user_id)
        if not withdrawn.won:
            if withdrawn.entry is not None and withdrawn.entry.state is State.CANCELLED:
                await self._outbox.reply(to, fleet_messages.out_of_date())
            else:
                await self._outbox.reply(to, messages.too_late(schedule))
            return
        await book.records.update(
            Schedule,
            schedule.instance_id,
            lambda r: (
                dataclasses.replace(r, kept_end=end, kept_by=actor.user_id) if r.serial == ref.serial else r
            ),
        )
        subject = Subject(Topic.SCHEDULE, schedule.instance_id, schedule.workspace, schedule.channel_id)
        await self._trail.note(
            Step.KEPT, "kept", subject, actor.user_id, message=f"stop at {math.floor(end)} skipped"
        )
        shown = messages.kept(schedule, end, actor.user_id)
        await self._outbox.edit(schedule.channel_id, schedule.notice_ts, shown, click=to)
