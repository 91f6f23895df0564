"""Reminders about instances that have run for long: one per instance per snooze period, with Keep.

Which replica posts is decided by the store: the reminder record is swapped in before anything is
posted, so of several replicas (or a restarted one) exactly one posts, and none again until its
`quiet_until` has passed. A reminder is closed only when a fresh read of its instance confirms that it
stopped or is gone: one odd list or detail read resets nothing. Its buttons carry its version, so a
press on an older reminder is told it is out of date.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from bot.core.requests import Requests
from bot.core.services import Part, Services, handler
from bot.core.trail import Subject
from bot.domain.audit import SYSTEM_ACTOR, Step
from bot.domain.commands import ChangeCommand
from bot.domain.controls import NoticeRef
from bot.domain.costs import FleetCost, Usage
from bot.domain.instance import Instance
from bot.domain.policy import Actor
from bot.domain.records import Reminder, new_serial
from bot.domain.verbs import Verb
from bot.infra import logs
from bot.nebula.errors import NebulaError
from bot.nebula.fleet import Fleet, Snapshot
from bot.slack.errors import ReplyError
from bot.slack.messages import fleet as fleet_messages
from bot.slack.messages.kit import notice
from bot.slack.messages.protection import badge
from bot.slack.replier import Destination, edit, say
from bot.store.records import Versioned

VERB: Final = "remind"
MAX_PER_CYCLE: Final = 20


class Reminders(Part):
    """Posts reminders in the watch channel, closes them when the instance stops, and keeps instances."""

    def __init__(self, services: Services, *, fleet: Fleet, requests: Requests) -> None:
        super().__init__(services)
        self._fleet = fleet
        self._requests = requests
        self._doubted: set[str] = set()  # instances whose figures were discarded (logged once each)

    async def check(self, snapshot: Snapshot, costs: FleetCost) -> int:
        """Remind about every running instance past NEBULA_BOT_REMIND_AFTER that is not quiet (`costs`:
        the running ones' figures this cycle); close the reminders of instances no longer running.
        Returns how many reminders this call posted."""
        s = self.services
        channel = s.config.watch_channel
        if channel is None:
            return 0
        now = s.clock()
        held = {v.record.instance_id: v for v in await s.records.all(Reminder)}
        due: list[tuple[Usage, Versioned[Reminder] | None]] = []
        for use in costs.rows:
            self._note_discarded(use)
            if use.running_seconds is None or use.running_seconds < s.config.remind_after:
                continue
            current = held.get(use.instance.id)
            if current is None or current.record.quiet_until <= now:
                due.append((use, current))
        # Slack takes about one message a second per channel: a cycle posts the costliest few, and
        # the next cycles the rest, rather than holding the watcher for minutes.
        due.sort(key=lambda item: item[0].cost or 0.0, reverse=True)
        chosen = due[:MAX_PER_CYCLE]
        locks = await s.protections.of(use.instance.id for use, _ in chosen)
        owned = await s.owners.of(use.instance for use, _ in chosen)
        posted = 0
        for use, current in chosen:
            iid = use.instance.id
            lock = badge(locks[iid]) if iid in locks else ""
            posted += await self._remind(channel, current, use, now, lock, owned.owners.get(iid))
        for instance_id, current in held.items():
            listed = snapshot.find(instance_id)
            if listed is None or not listed.is_running:
                await self._close_if_confirmed(current, listed)
        return posted

    def _note_discarded(self, use: Usage) -> None:
        iid = use.instance.id
        if use.discarded and iid not in self._doubted:
            self._doubted.add(iid)
            logs.warning("figures.discarded", instance=iid, figure=use.discarded, since=use.since)

    async def _remind(
        self,
        channel: str,
        current: Versioned[Reminder] | None,
        use: Usage,
        now: float,
        lock: str,
        owner: str | None,
    ) -> int:
        s = self.services
        instance = use.instance
        record = Reminder(
            instance_id=instance.id,
            host_name=instance.host_name,
            gpu_type=instance.gpu_type,
            gpu_count=instance.gpu_count,
            channel_id=channel,
            posted_at=now,
            quiet_until=now + s.config.snooze,
            running_seconds=use.running_seconds,
            cost=use.cost,
            per_hour=use.per_hour,
            owner=owner,
            serial=new_serial(),
        )
        won = await s.records.put(current, record)
        if won is None:
            return 0  # another replica is posting it
        try:
            ts = await s.replier.post(channel, fleet_messages.reminder(record, s.config.snooze, lock))
        except ReplyError as exc:
            # Not posted: give the record back, so that the next cycle tries again.
            logs.warning("reminder.post_failed", instance=instance.id, channel=channel, error=str(exc))
            await (s.records.remove(won) if current is None else s.records.put(won, current.record))
            return 0
        s.metrics.reminders.inc()
        await s.records.update(Reminder, instance.id, lambda r: dataclasses.replace(r, message_ts=ts))
        await s.trail.record(
            Step.REMINDED,
            "posted",
            Subject(VERB, instance.id, None, channel),
            SYSTEM_ACTOR,
            message=f"running {use.running_seconds:.0f} s, cost {use.cost}",
        )
        return 1

    async def _close_if_confirmed(self, current: Versioned[Reminder], listed: Instance | None) -> None:
        """Close the reminder if a fresh read of its instance agrees that it stopped or is gone."""
        record = current.record
        try:
            now_read = await self._fleet.look(record.instance_id)
        except NebulaError as exc:
            logs.warning("reminder.unconfirmed", instance=record.instance_id, error=type(exc).__name__)
            return
        if now_read is not None and now_read.is_running:
            seen = "absent from the list" if listed is None else f"listed as {listed.status}"
            logs.warning("reminder.odd_read_ignored", instance=record.instance_id, detail=seen)
            return
        if not await self.services.records.remove(current):
            return
        how = "detail_404" if now_read is None else f"status {now_read.status}"
        logs.event("reminder.closed", instance=record.instance_id, channel=record.channel_id, outcome=how)
        status = now_read.status if now_read is not None else None
        await edit(
            self.services.replier,
            record.channel_id,
            record.message_ts,
            fleet_messages.reminder_closed(record, status),
        )

    async def _current(self, ref: NoticeRef, to: Destination) -> Reminder | None:
        """The reminder a button names, if it is still the current one; otherwise say it is out of date."""
        found = await self.services.records.get(Reminder, ref.instance_id)
        if found is None or found.record.serial != ref.serial:
            await say(self.services.replier, to, fleet_messages.out_of_date())
            return None
        return found.record

    @handler(admit=True)
    async def keep(self, actor: Actor, to: Destination, ref: NoticeRef) -> None:
        """Keep: no reminder about the instance until NEBULA_BOT_SNOOZE from now."""
        s = self.services
        if await self._current(ref, to) is None:
            return
        until = s.clock() + s.config.snooze
        user = actor.user_id
        updated = await s.records.update(
            Reminder,
            ref.instance_id,
            lambda r: (
                dataclasses.replace(r, quiet_until=until, kept_by=user) if r.serial == ref.serial else r
            ),
        )
        if updated is None or updated[0].serial != ref.serial:
            await say(s.replier, to, notice("This reminder is closed; nothing to keep."))
            return
        _, kept = updated
        subject = Subject(VERB, ref.instance_id, actor.team_id, actor.channel_id)
        await s.trail.record(Step.KEPT, "kept", subject, actor.user_id, message=f"until {until:.0f}")
        lock = (await s.protections.of([ref.instance_id])).get(ref.instance_id)
        shown = fleet_messages.reminder(kept, s.config.snooze, badge(lock) if lock else "", kept_until=until)
        await edit(s.replier, kept.channel_id, kept.message_ts, shown, to)

    @handler(admit=True)
    async def act(self, actor: Actor, to: Destination, ref: NoticeRef, verb: Verb) -> None:
        """Stop or Delete on a reminder: the usual confirmation, if the reminder is still current."""
        if await self._current(ref, to) is None:
            return
        await self._requests.request(actor, to, ChangeCommand(verb, (ref.instance_id,)))
