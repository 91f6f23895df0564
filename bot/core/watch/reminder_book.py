"""Reminders as the store keeps them and the watch channel shows them: posted once per instance per snooze
period, closed when the instance stops, kept with Keep. What decides when is `reminders`."""

from __future__ import annotations

import dataclasses

from bot.core.config import CoreConfig
from bot.core.rails import Subject, Trail
from bot.domain.audit import SYSTEM_ACTOR, Step, Topic
from bot.domain.controls import NoticeRef
from bot.domain.fleet.instance import Instance
from bot.domain.money.costs import Usage
from bot.domain.records import Reminder, new_serial
from bot.infra import logs
from bot.infra.clock import Clock
from bot.infra.metrics import Metrics
from bot.slack.messages.notices import fleet as messages
from bot.slack.outbox import Outbox
from bot.slack.replier import Destination
from bot.store import Records, Versioned


class ReminderBook:
    """Reminder records and their messages."""

    def __init__(
        self,
        *,
        config: CoreConfig,
        clock: Clock,
        records: Records,
        outbox: Outbox,
        trail: Trail,
        metrics: Metrics,
    ) -> None:
        self.config = config
        self.clock = clock
        self.records = records
        self._outbox = outbox
        self._trail = trail
        self._metrics = metrics

    async def held(self) -> dict[str, Versioned[Reminder]]:
        """Every reminder, by instance id."""
        return {v.record.instance_id: v for v in await self.records.all(Reminder)}

    async def remind(
        self, channel: str, current: Versioned[Reminder] | None, use: Usage, lock: str, owner: str | None
    ) -> int:
        """Post one reminder, if this replica wins its record: 1 if it did."""
        instance, now = use.instance, self.clock()
        record = Reminder(
            instance_id=instance.id,
            host_name=instance.host_name,
            gpu_type=instance.gpu_type,
            gpu_count=instance.gpu_count,
            channel_id=channel,
            posted_at=now,
            quiet_until=now + self.config.snooze,
            running_seconds=use.running_seconds,
            cost=use.cost,
            per_hour=use.per_hour,
            owner=owner,
            serial=new_serial(),
        )
        won = await self.records.put(current, record)
        if won is None:
            return 0  # another replica is posting it
        shown = messages.reminder(record, self.config.snooze, lock)
        ts = await self._outbox.post(channel, shown, event="reminder.post_failed")
        if ts is None:
            # Not posted: give the record back, so that the next cycle tries again.
            await (self.records.remove(won) if current is None else self.records.put(won, current.record))
            return 0
        self._metrics.reminders.inc()
        await self.records.update(Reminder, instance.id, lambda r: dataclasses.replace(r, message_ts=ts))
        await self._trail.note(
            Step.REMINDED,
            "posted",
            Subject(Topic.REMIND, instance.id, None, channel),
            SYSTEM_ACTOR,
            message=f"running {use.running_seconds:.0f} s, cost {use.cost}",
        )
        return 1

    async def close(self, current: Versioned[Reminder], now_read: Instance | None) -> None:
        """The instance stopped or is gone (a fresh read says so): the reminder loses its buttons."""
        record = current.record
        if not await self.records.remove(current):
            return
        how = "detail_404" if now_read is None else f"status {now_read.status}"
        logs.event("reminder.closed", instance=record.instance_id, channel=record.channel_id, outcome=how)
        status = now_read.status if now_read is not None else None
        await self._outbox.edit(
            record.channel_id, record.message_ts, messages.reminder_closed(record, status)
        )

    async def current(self, ref: NoticeRef, to: Destination) -> Reminder | None:
        """The reminder a button names, if it is still the current one; otherwise say it is out of date."""
        found = await self.records.get(Reminder, ref.instance_id)
        if found is None or found.record.serial != ref.serial:
            await self._outbox.reply(to, messages.out_of_date())
            return None
        return found.record

    async def keep(self, user: str, to: Destination, ref: NoticeRef, subject: Subject, lock: str) -> None:
        """No reminder about the instance until NEBULA_BOT_SNOOZE from now."""
        until = self.clock() + self.config.snooze
        updated = await self.records.update(
            Reminder,
            ref.instance_id,
            lambda r: (
                dataclasses.replace(r, quiet_until=until, kept_by=user) if r.serial == ref.serial else r
            ),
        )
        if updated is None or updated[0].serial != ref.serial:
            await self._outbox.reply(to, messages.reminder_gone())
            return
        _, kept = updated
        await self._trail.note(Step.KEPT, "kept", subject, user, message=f"until {until:.0f}")
        shown = messages.reminder(kept, self.config.snooze, lock, kept_until=until)
        await self._outbox.edit(kept.channel_id, kept.message_ts, shown, click=to)
