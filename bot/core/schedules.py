"""`/nebula schedule`: setting, showing and removing when an instance runs, `/nebula schedules`, and the
notice's *Keep running tonight*. What happens at each window's edge is `bot.core.schedule_runs`."""

from __future__ import annotations

import dataclasses
import math

from bot.core.agreed import AgreedChanges
from bot.core.lookup import instance_or_say
from bot.core.schedule_runs import schedule_ruling, stop_change, window_of
from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.domain.audit import Step
from bot.domain.commands import ScheduleCommand
from bot.domain.confirmation import State
from bot.domain.controls import NoticeRef
from bot.domain.policy import Actor
from bot.domain.records import Schedule, new_serial
from bot.domain.schedules import Window, days_text, parse_window
from bot.slack.messages import fleet as fleet_messages
from bot.slack.messages import schedules as messages
from bot.slack.messages.refusals import refusal_text
from bot.slack.replier import Destination, edit, say

VERB = "schedule"
NEXT_STOP_HORIZON = 8 * 86400.0


def next_stop(schedule: Schedule, now: float) -> float | None:
    """When the schedule next stops its instance (its next window end), if within a week."""
    ends = window_of(schedule).ends(now, now + NEXT_STOP_HORIZON)
    return ends[0] if ends else None


class Schedules(Part):
    """The schedule commands and Keep."""

    def __init__(self, services: Services, *, agreed: AgreedChanges) -> None:
        super().__init__(services)
        self._agreed = agreed

    @handler(admit=True)
    async def command(self, actor: Actor, to: Destination, command: ScheduleCommand) -> None:
        """Set, remove or show one instance's schedule."""
        s = self.services
        current = await s.records.get(Schedule, command.instance_id)
        if not command.window and not command.off:
            found = current.record if current else None
            upcoming = next_stop(found, s.clock()) if found else None
            shown = messages.schedule_shown(found, command.instance_id, upcoming)
            await say(s.replier, to, shown)
            return
        instance = await instance_or_say(s, to, command.instance_id)
        if instance is None:
            return
        ruling = await schedule_ruling(s, actor, instance)
        subject = Subject(VERB, instance.id, actor.team_id, actor.channel_id)
        if ruling.reason is not None:
            await s.trail.record(Step.REFUSED, "not_allowed", subject, actor.user_id)
            await say(s.replier, to, messages.refused_setting(refusal_text(ruling.reason)))
            return
        if command.off:
            await self._remove(actor, to, instance.id, subject)
            return
        window = parse_window(list(command.window), s.config.timezone)
        assert isinstance(window, Window), "the parser let through a window it cannot read"
        now = s.clock()
        schedule = Schedule(
            instance_id=instance.id,
            host_name=instance.host_name,
            days=days_text(window.days),
            start=window.start,
            end=window.end,
            zone=window.zone,
            set_by=actor.user_id,
            set_at=now,
            channel_id=s.config.watch_channel or actor.channel_id or "",
            team_id=actor.team_id or "",
            handled_until=now,
            started_until=now,
            serial=new_serial(),
        )
        if current is not None:
            await self._withdraw_pending(current.record, actor.user_id)
        if await s.records.put(current, schedule) is None:
            await say(s.replier, to, messages.changed_meanwhile(instance.id))
            return
        await s.trail.record(Step.SCHEDULE_SET, "set", subject, actor.user_id, message=window.text)
        shown = messages.schedule_set(schedule, next_stop(schedule, now), s.config.dry_run)
        await say(s.replier, to, shown, in_channel=True)

    async def _remove(self, actor: Actor, to: Destination, instance_id: str, subject: Subject) -> None:
        s = self.services
        found = await s.records.get(Schedule, instance_id)
        removed = found is not None and await s.records.remove(found)
        if found is not None and removed:
            await self._withdraw_pending(found.record, actor.user_id)
            await s.trail.record(Step.SCHEDULE_REMOVED, "removed", subject, actor.user_id)
        await say(
            s.replier, to, messages.schedule_removed(instance_id, removed, actor.user_id), in_channel=removed
        )

    async def _withdraw_pending(self, schedule: Schedule, actor: str) -> None:
        """A noticed stop that has not been sent is never sent once its schedule changes."""
        if schedule.noticed_end is not None and schedule.noticed_end > schedule.handled_until:
            s = self.services
            await self._agreed.withdraw(
                stop_change(schedule, schedule.noticed_end, s.clock(), s.config), actor
            )

    @handler(admit=True)
    async def show_all(self, actor: Actor, to: Destination) -> None:
        """`/nebula schedules`, ephemeral."""
        found = [v.record for v in await self.services.records.all(Schedule)]
        await say(self.services.replier, to, messages.schedules(found))

    @handler(admit=True)
    async def keep(self, actor: Actor, to: Destination, ref: NoticeRef) -> None:
        """*Keep running tonight*: the noticed stop is withdrawn, unless it was already sent."""
        s = self.services
        current = await s.records.get(Schedule, ref.instance_id)
        schedule = current.record if current else None
        end = schedule.noticed_end if schedule else None
        if schedule is None or end is None or schedule.serial != ref.serial or schedule.kept_end == end:
            await say(s.replier, to, fleet_messages.out_of_date())
            return
        change = stop_change(schedule, end, s.clock(), s.config)
        withdrawn = await self._agreed.withdraw(change, actor.user_id)
        if not withdrawn.won:
            if withdrawn.entry is not None and withdrawn.entry.state is State.CANCELLED:
                await say(s.replier, to, fleet_messages.out_of_date())
            else:
                await say(s.replier, to, messages.too_late(schedule))
            return
        await s.records.update(
            Schedule,
            schedule.instance_id,
            lambda r: (
                dataclasses.replace(r, kept_end=end, kept_by=actor.user_id) if r.serial == ref.serial else r
            ),
        )
        subject = Subject(VERB, schedule.instance_id, schedule.team_id, schedule.channel_id)
        await s.trail.record(
            Step.KEPT, "kept", subject, actor.user_id, message=f"stop at {math.floor(end)} skipped"
        )
        await edit(
            s.replier,
            schedule.channel_id,
            schedule.notice_ts,
            messages.kept(schedule, end, actor.user_id),
            to,
        )
