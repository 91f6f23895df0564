"""Reminders about instances that have run for long: one per instance per snooze period, with Keep.

Which replica posts is decided by the store: the reminder mark is swapped in before anything is
posted, so of several replicas (or a restarted one) exactly one posts, and none again until the
mark's `quiet_until` has passed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Final

from bot.core.access import Access
from bot.core.config import CoreConfig
from bot.core.confirmations import SYSTEM_ACTOR
from bot.core.owners import Owners
from bot.core.protections import Protections, badge
from bot.core.trail import Subject, Trail
from bot.domain.audit import Step
from bot.domain.costs import Usage, is_running, usage
from bot.domain.model import Instance, Reminder
from bot.domain.policy import Actor
from bot.infra import logs
from bot.infra.inflight import InFlight
from bot.infra.metrics import Metrics
from bot.nebula.fleet import Snapshot
from bot.slack.messages import blocks
from bot.slack.messages import fleet as fleet_messages
from bot.slack.replier import Destination, Replier, ReplyError, edit, guard, say
from bot.store.marks import Held, Marks

VERB: Final = "remind"
MAX_PER_CYCLE: Final = 20


class Reminders:
    """Posts reminders in the watch channel, closes them when the instance stops, and keeps instances."""

    def __init__(
        self,
        config: CoreConfig,
        access: Access,
        marks: Marks,
        protections: Protections,
        owners: Owners,
        replier: Replier,
        trail: Trail,
        metrics: Metrics,
        inflight: InFlight,
        clock: Callable[[], float],
    ) -> None:
        self._config = config
        self._access = access
        self._marks = marks
        self._protections = protections
        self._owners = owners
        self._replier = replier
        self._trail = trail
        self._metrics = metrics
        self._inflight = inflight
        self._clock = clock

    async def check(self, snapshot: Snapshot, first_seen: Mapping[str, float]) -> int:
        """Remind about every running instance past NEBULA_BOT_REMIND_AFTER that is not quiet; close
        the reminders of instances no longer running. Returns how many reminders this call posted."""
        channel = self._config.watch_channel
        if channel is None:
            return 0
        now = self._clock()
        held = {h.mark.instance_id: h for h in await self._marks.all(Reminder)}
        due: list[tuple[Usage, Held[Reminder] | None]] = []
        for instance in snapshot.running:
            use = usage(instance, now, first_seen.get(instance.id))
            if use.running_seconds is None or use.running_seconds < self._config.remind_after:
                continue
            current = held.get(instance.id)
            if current is None or current.mark.quiet_until <= now:
                due.append((use, current))
        # Slack takes about one message a second per channel: a cycle posts the costliest few, and
        # the next cycles the rest, rather than holding the watcher for minutes.
        due.sort(key=lambda item: item[0].cost or 0.0, reverse=True)
        posted = 0
        chosen = due[:MAX_PER_CYCLE]
        locks = await self._protections.of(use.instance.id for use, _ in chosen)
        owners = await self._owners.of(use.instance for use, _ in chosen)
        for use, current in chosen:
            iid = use.instance.id
            posted += await self._remind(channel, current, use, now, badge(locks.get(iid)), owners.get(iid))
        for instance_id, current in held.items():
            now_listed = snapshot.find(instance_id)
            if now_listed is None or not is_running(now_listed):
                await self._close(current, now_listed)
        return posted

    async def _remind(
        self,
        channel: str,
        current: Held[Reminder] | None,
        use: Usage,
        now: float,
        protected: str,
        owner: str | None,
    ) -> int:
        instance = use.instance
        mark = Reminder(
            instance_id=instance.id,
            host_name=instance.host_name,
            gpu_type=instance.gpu_type,
            gpu_count=instance.gpu_count,
            channel_id=channel,
            posted_at=now,
            quiet_until=now + self._config.snooze,
            running_seconds=use.running_seconds,
            cost=use.cost,
            per_hour=use.per_hour,
            owner=owner,
        )
        won = await self._marks.put(current, mark)
        if won is None:
            return 0  # another replica is posting it
        try:
            ts = await self._replier.post(
                channel, fleet_messages.reminder(mark, self._config.snooze, protected)
            )
        except ReplyError as exc:
            # Not posted: give the mark back, so that the next cycle tries again.
            logs.warning("reminder.post_failed", instance=instance.id, channel=channel, error=str(exc))
            if current is None:
                await self._marks.remove(won)
            else:
                await self._marks.put(won, current.mark)
            return 0
        await self._attach(instance.id, ts)
        self._metrics.reminders.inc()
        await self._trail.record(
            Step.REMINDED,
            "posted",
            Subject(VERB, instance.id, None, channel),
            SYSTEM_ACTOR,
            message=f"running {use.running_seconds:.0f} s, cost {use.cost}",
        )
        return 1

    async def _attach(self, instance_id: str, ts: str) -> None:
        """Remember the reminder's message, also when Keep was clicked meanwhile."""
        await self._marks.update(Reminder, instance_id, lambda mark: dataclasses.replace(mark, message_ts=ts))

    async def _close(self, current: Held[Reminder], instance: Instance | None) -> None:
        if not await self._marks.remove(current):
            return
        mark = current.mark
        logs.event("reminder.closed", instance=mark.instance_id, channel=mark.channel_id, outcome="closed")
        status = instance.status if instance is not None else None
        await edit(
            self._replier, mark.channel_id, mark.message_ts, fleet_messages.reminder_closed(mark, status)
        )

    async def keep(self, actor: Actor, instance_id: str, to: Destination) -> None:
        """Keep: no reminder about the instance until NEBULA_BOT_SNOOZE from now."""
        async with self._inflight.track(), guard(self._replier, to, actor.user_id):
            admitted = await self._access.admit(actor, self._replier, to)
            if admitted is None:
                return
            actor = admitted
            until = self._clock() + self._config.snooze
            user = actor.user_id
            updated = await self._marks.update(
                Reminder, instance_id, lambda mark: dataclasses.replace(mark, quiet_until=until, kept_by=user)
            )
            if updated is None:
                await say(self._replier, to, blocks.notice("This reminder is closed; nothing to keep."))
                return
            _, kept = updated
            await self._trail.record(
                Step.KEPT,
                "kept",
                Subject(VERB, instance_id, actor.team_id, actor.channel_id),
                actor.user_id,
                message=f"until {until:.0f}",
            )
            lock = (await self._protections.of([instance_id])).get(instance_id)
            shown = fleet_messages.reminder(kept, self._config.snooze, badge(lock), kept_until=until)
            await edit(self._replier, kept.channel_id, kept.message_ts, shown, to)
